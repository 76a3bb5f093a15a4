/**
 * Every route table of the HTTP API, by the function (catalog name) that serves it: what the
 * OpenAPI document is generated from, and what tests check the catalog's routes against. Add a
 * handler module here when you add one. The OpenAPI function's own table is not listed: it
 * imports this list (handlers/http/openapi.ts adds itself to the document).
 */
import { routes as accounts } from '#functions/handlers/http/accounts.ts';
import { approvalRoutes } from '#functions/handlers/http/approvals.ts';
import { auditRoutes } from '#functions/handlers/http/audit.ts';
import { dashboardRoutes } from '#functions/handlers/http/dashboard.ts';
import { deploymentRoutes } from '#functions/handlers/http/deployments.ts';
import { routes as environments } from '#functions/handlers/http/environments.ts';
import { routes as lifecycles } from '#functions/handlers/http/lifecycles.ts';
import { routes as projects } from '#functions/handlers/http/projects.ts';
import { releaseRoutes } from '#functions/handlers/http/releases.ts';
import { routes as roles } from '#functions/handlers/http/roles.ts';
import type { RouteTable } from '#functions/handlers/http/router.ts';
import { routes as targets } from '#functions/handlers/http/targets.ts';

export const ROUTE_TABLES: Record<string, RouteTable> = {
  'environments-api': environments,
  'lifecycles-api': lifecycles,
  'projects-api': projects,
  'accounts-api': accounts,
  'targets-api': targets,
  'roles-api': roles,
  'releases-api': releaseRoutes,
  'deployments-api': deploymentRoutes,
  'approvals-api': approvalRoutes,
  'audit-api': auditRoutes,
  'dashboard-api': dashboardRoutes,
};
