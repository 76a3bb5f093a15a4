/** Schemas of the audit routes: query (`GET /audit`), export as NDJSON (`GET /audit/export`), verify (`GET /audit/verify`). */
import { z } from 'zod';
import { page, pageQuery } from './common.ts';

/** Audit subjects are index keys of at most 512 characters. */
const MAX_SUBJECT_LENGTH = 512;

/** An ISO 8601 time with a zone; normalized to UTC with milliseconds, the form events are stored with. */
const time = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString())
  .describe('ISO 8601 time (2026-01-31T12:00:00Z), inclusive');

export const auditQuery = pageQuery.extend({
  from: time.optional(),
  to: time.optional(),
  subject: z.string().min(1).max(MAX_SUBJECT_LENGTH).optional().describe('project/web, deployment/<id>, release/web/7...'),
});

export const exportQuery = z.strictObject({ from: time.optional(), to: time.optional() });

export const auditEvent = z.object({
  sequence: z.number().int(),
  id: z.string(),
  time: z.string(),
  actorArn: z.string(),
  action: z.string(),
  subject: z.string(),
  requestId: z.string(),
  details: z.record(z.string(), z.unknown()),
  previousHash: z.string(),
  hash: z.string(),
});

export const auditPage = page(auditEvent);

export const chainVerification = z.union([
  z.object({ ok: z.literal(true), count: z.number().int(), head: z.object({ sequence: z.number().int(), hash: z.string(), time: z.string() }).optional() }),
  z.object({
    ok: z.literal(false),
    problem: z.enum(['edited', 'removed', 'inserted', 'reordered']),
    sequence: z.number().int().describe('the first bad event (for removed: the first missing one)'),
    eventId: z.string().optional(),
    message: z.string(),
  }),
]);
