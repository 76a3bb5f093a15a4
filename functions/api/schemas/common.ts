/**
 * Schema pieces every route uses (zod 4): identifiers, names people read, paging, and the
 * error body. The same schemas validate requests, type handlers and generate the OpenAPI
 * document (GET /openapi.json), so the three cannot disagree.
 */
import { z } from 'zod';
import { ID_PATTERN } from '#domain/pipeline/ids.ts';
import { SLUG_PATTERN } from '#domain/pipeline/model.ts';

/** Ids in keys and URLs: lower-case letters, digits and dashes, 1 to 63 long — never a path separator. */
export const slug = z.string().regex(SLUG_PATTERN, 'must be a slug: lower-case letters, digits and dashes, 1 to 63 long');

/** A deployment id (a ULID). */
export const deploymentId = z.string().regex(ID_PATTERN, 'must be a deployment id (26 characters of Crockford base32)');

/** Control characters (C0, DEL, C1) and the line/paragraph separators: never in a name. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
export const MAX_NAME_LENGTH = 200;

/** A name people read ("Production"): printable, no path separators, trimmed, not empty. */
export const displayName = z
  .string()
  .min(1)
  .max(MAX_NAME_LENGTH)
  .refine((value) => !CONTROL.test(value), 'must not contain control characters')
  .refine((value) => !/[\\/]/.test(value), 'must not contain "/" or "\\"')
  .refine((value) => value.trim() === value, 'must not start or end with blanks');

/** Free text (descriptions, comments): printable except line breaks and tabs. */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value), 'must not contain control characters');

/** `?limit=&cursor=`: query strings are text, so `limit` is parsed here. */
export const pageQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(100))
    .optional(),
  cursor: z.string().max(2048).optional(),
});

/** The error body of every 4xx and 5xx answer. */
export const errorBody = z.object({
  error: z.object({
    code: z.string().describe('the error class: ValidationError, NotFoundError, VersionConflictError, ForbiddenError...'),
    message: z.string().describe('what is wrong and where, for a person'),
    details: z.record(z.string(), z.unknown()).optional().describe('problems by field, the subject, limits'),
  }),
});

/** A page of a list. */
export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), cursor: z.string().optional() });
