/**
 * The audit trail (Admin, Auditor): `GET /audit` (by time or subject, paged), `GET /audit/export`
 * (a time range as NDJSON, capped below Lambda's response limit) and `GET /audit/verify` (the
 * hash chain checked against its head).
 */

import { auditPage, auditQuery, chainVerification, exportQuery } from '#functions/api/schemas/audit.ts';
import { exportAudit, queryAudit, verifyAudit } from '#functions/app/audit.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable, rawBody } from './router.ts';

export const NDJSON = 'application/x-ndjson';

export const auditRoutes: RouteTable = {
  'GET /audit': defineRoute({
    operationId: 'queryAudit',
    summary: 'Audit events by time (either end open) or by subject, oldest first',
    schemas: { query: auditQuery },
    response: auditPage,
    run: ({ query }, deps, caller) => queryAudit(deps, caller, query),
  }),
  'GET /audit/export': defineRoute({
    operationId: 'exportAudit',
    summary: 'Every audit event of a time range as NDJSON, oldest first; a range over 5 MiB is refused (export it in parts)',
    schemas: { query: exportQuery },
    produces: NDJSON,
    run: async ({ query }, deps, caller) => rawBody(NDJSON, (await exportAudit(deps, caller, query)).ndjson),
  }),
  'GET /audit/verify': defineRoute({
    operationId: 'verifyAudit',
    summary: 'Check the audit hash chain: ok, or the first bad event and why (edited, removed, inserted, reordered)',
    schemas: {},
    response: chainVerification,
    run: (_input, deps, caller) => verifyAudit(deps, caller),
  }),
};

export const handler = httpHandler(auditRoutes, () => productionDeps(['table']));
