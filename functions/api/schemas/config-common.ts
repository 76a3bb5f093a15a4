/**
 * Schema pieces the configuration routes share (environments, lifecycles, projects, accounts,
 * targets, role bindings): optimistic concurrency (`version` in a replace body, `?version=` on a
 * delete), whole lists, and bounds on lists of ids.
 */
import { z } from 'zod';
import { slug } from './common.ts';

/** Versions are whole numbers from 1; query strings carry them as text. */
const MAX_VERSION_DIGITS = 15;

/** The version the caller read: a replace or delete of a newer entity is refused with 409. */
export const entityVersion = z.number().int().min(1).describe('the version read; a newer stored version makes the request fail with 409');

/** `DELETE ...?version=3`. */
export const versionQuery = z.strictObject({
  version: z
    .string()
    .regex(new RegExp(`^\\d{1,${MAX_VERSION_DIGITS}}$`), 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1))
    .describe('the version read; a newer stored version makes the delete fail with 409'),
});

/** A configuration list: every entity (a few hundred at most), in one answer. */
export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** A list of distinct ids, at least `min`, at most `max`. */
export const slugList = (min: number, max: number) => z.array(slug).min(min).max(max);
