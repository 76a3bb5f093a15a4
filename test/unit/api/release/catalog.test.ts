/**
 * The release-flow part of the catalog agrees with the handlers: every route a handler serves is
 * in the catalog with the same operationId and function, every function's entry file exists,
 * and the ECR rule matches exactly the pushes that make releases.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PART } from '#functions/catalog/release-api.ts';
import { approvalRoutes } from '#functions/handlers/http/approvals.ts';
import { auditRoutes } from '#functions/handlers/http/audit.ts';
import { dashboardRoutes } from '#functions/handlers/http/dashboard.ts';
import { deploymentRoutes } from '#functions/handlers/http/deployments.ts';
import { releaseRoutes } from '#functions/handlers/http/releases.ts';
import type { RouteTable } from '#functions/handlers/http/router.ts';

const TABLES: [string, RouteTable][] = [
  ['releases-api', releaseRoutes],
  ['deployments-api', deploymentRoutes],
  ['approvals-api', approvalRoutes],
  ['audit-api', auditRoutes],
  ['dashboard-api', dashboardRoutes],
];

describe('release-api catalog part', () => {
  it('lists every route of every handler, with its operationId and function', () => {
    // Prepare
    const fromHandlers = TABLES.flatMap(([fn, routes]) => Object.entries(routes).map(([key, route]) => `${key} ${fn} ${route.operationId}`)).sort();

    // Act
    const fromCatalog = PART.routes.map((r) => `${r.method} ${r.path} ${r.function} ${r.operationId}`).sort();

    // Assess
    expect(fromCatalog).toEqual(fromHandlers);
  });

  it('points every function at a handler file that exists, and every route and rule at a listed function', () => {
    const names = PART.functions.map((f) => f.name);
    for (const fn of PART.functions) expect(existsSync(fn.entry), fn.entry).toBe(true);
    for (const target of [...PART.routes.map((r) => r.function), ...PART.eventRules.map((r) => r.function)]) expect(names).toContain(target);
  });

  it('triggers on-image-push on successful ECR pushes only', () => {
    expect(PART.eventRules).toEqual([
      expect.objectContaining({
        function: 'on-image-push',
        pattern: { source: ['aws.ecr'], 'detail-type': ['ECR Image Action'], detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] } },
      }),
    ]);
  });
});
