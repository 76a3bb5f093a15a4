/**
 * The audit trail for auditors (Admin, Auditor): query it by time or by subject, export a time
 * range as NDJSON (one event per line, oldest first), and verify the hash chain (ok, or the
 * first bad event and why: edited, removed, inserted, reordered).
 *
 * An export is one Lambda response, and Lambda answers at most 6 MB: the export is capped at
 * MAX_EXPORT_BYTES of payload (the NDJSON text as it travels inside the JSON response envelope,
 * escapes included). A range over the cap is refused with a 400 that names the limit and the
 * time up to which the events fit, so the auditor exports the range in parts — never a
 * silently cut file.
 */

import { DeployError } from '#domain/errors.ts';
import type { ChainVerification } from '#domain/pipeline/audit.ts';
import type { AuditEvent, Timestamp } from '#domain/pipeline/model.ts';
import type { Page, PageRequest } from '#domain/pipeline/ports.ts';
import { formatBytes } from '#domain/render/limits.ts';
import { type AppDeps, authorize, type Caller } from './context.ts';

/** Lambda's synchronous response limit is 6 MB; the rest is left for the envelope and headers. */
export const MAX_EXPORT_BYTES = 5 * 1024 * 1024;
const EXPORT_LIMIT_NAME = 'audit export size (one Lambda response holds at most 6 MB)';
/** Events read per request while exporting: the store's largest page. */
const EXPORT_PAGE_SIZE = 100;

export type AuditQuery = PageRequest & { from?: Timestamp; to?: Timestamp; subject?: string };

/** An export range over MAX_EXPORT_BYTES (HTTP 400): `details.limit` and `limitName` say which limit. */
export class ExportTooLargeError extends DeployError {
  readonly category = 'input' as const;
  readonly limitName = EXPORT_LIMIT_NAME;
  constructor(
    readonly limit: number,
    range: { from?: Timestamp; to?: Timestamp },
    lastFitting?: AuditEvent,
  ) {
    super(
      `the audit events ${range.from ? `from ${range.from} ` : ''}${range.to ? `to ${range.to} ` : ''}are more than ${formatBytes(limit)} as NDJSON, ` +
        `the limit of one export (${EXPORT_LIMIT_NAME}); ` +
        (lastFitting ? `the events up to ${lastFitting.time} (sequence ${lastFitting.sequence}) fit: export the range in parts` : 'narrow the range'),
    );
    this.name = 'ExportTooLargeError';
  }
}

/**
 * `GET /audit`: by subject (oldest first; `from`/`to` then filter within each page, so a page may
 * hold fewer events than `limit`), else by time (oldest first, either end open).
 */
export async function queryAudit(deps: AppDeps, caller: Caller, query: AuditQuery): Promise<Page<AuditEvent>> {
  await authorize(deps, caller, 'audit', 'audit');
  const { from, to, subject, limit, cursor } = query;
  if (subject === undefined) return deps.stores.audit.listByTime({ from, to }, { limit, cursor });
  const found = await deps.stores.audit.listBySubject(subject, { limit, cursor });
  // Times are ISO 8601 UTC with milliseconds on both sides (the schema normalizes the query's).
  const inRange = (e: AuditEvent) => (from === undefined || e.time >= from) && (to === undefined || e.time <= to);
  return { items: found.items.filter(inRange), cursor: found.cursor };
}

/** Bytes a line takes inside the JSON response envelope: quotes and backslashes are escaped there. */
const envelopeBytes = (line: string) => Buffer.byteLength(JSON.stringify(`${line}\n`)) - 2;

/** `GET /audit/export`: every event of the range as NDJSON, oldest first, up to `maxBytes` (tests lower it). */
export async function exportAudit(deps: AppDeps, caller: Caller, range: { from?: Timestamp; to?: Timestamp }, maxBytes = MAX_EXPORT_BYTES): Promise<{ ndjson: string; count: number }> {
  await authorize(deps, caller, 'audit', 'audit');
  const lines: string[] = [];
  let bytes = 0;
  let last: AuditEvent | undefined;
  let cursor: string | undefined;
  do {
    const page = await deps.stores.audit.listByTime(range, { limit: EXPORT_PAGE_SIZE, cursor });
    for (const event of page.items) {
      const line = JSON.stringify(event);
      bytes += envelopeBytes(line);
      if (bytes > maxBytes) throw new ExportTooLargeError(maxBytes, range, last);
      lines.push(line);
      last = event;
    }
    cursor = page.cursor;
  } while (cursor);
  return { ndjson: lines.map((line) => `${line}\n`).join(''), count: lines.length };
}

/** `GET /audit/verify`: the whole chain checked against its head. */
export async function verifyAudit(deps: AppDeps, caller: Caller): Promise<ChainVerification> {
  await authorize(deps, caller, 'audit', 'audit');
  return deps.stores.audit.verify();
}
