/** The dashboard (`GET /dashboard`): projects × environments, the latest deployment in each cell. */

import { dashboardBody } from '#functions/api/schemas/dashboard.ts';
import { dashboard } from '#functions/app/dashboard.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

export const dashboardRoutes: RouteTable = {
  'GET /dashboard': defineRoute({
    operationId: 'getDashboard',
    summary: 'Projects × environments (in order), each cell the latest deployment of the project to the environment',
    schemas: {},
    response: dashboardBody,
    run: (_input, deps, caller) => dashboard(deps, caller),
  }),
};

export const handler = httpHandler(dashboardRoutes, () => productionDeps(['table']));
