/**
 * Deployments: show one with its results, task log and approvals (`GET /deployments/{id}`),
 * deploy its release to its environment again (`POST .../redeploy`), cancel it (`POST
 * .../cancel`), and a project's deployments to an environment, newest first.
 */

import { pageQuery } from '#functions/api/schemas/common.ts';
import { deployment, deploymentAccepted, deploymentPath, deploymentsPage, deploymentView, historyPath } from '#functions/api/schemas/deployments.ts';
import { cancel, deploymentHistory, getDeployment, redeploy } from '#functions/app/deployments.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

const ACCEPTED = 202;

export const deploymentRoutes: RouteTable = {
  'GET /deployments/{deploymentId}': defineRoute({
    operationId: 'getDeployment',
    summary: 'A deployment with its step × target results, task log and approvals',
    schemas: { path: deploymentPath },
    response: deploymentView,
    run: ({ path }, deps, caller) => getDeployment(deps, caller, path.deploymentId),
  }),
  'POST /deployments/{deploymentId}/redeploy': defineRoute({
    operationId: 'redeploy',
    summary: "Deploy the deployment's release to its environment again (the same checks as a promotion)",
    schemas: { path: deploymentPath },
    response: deploymentAccepted,
    status: ACCEPTED,
    run: ({ path }, deps, caller) => redeploy(deps, caller, path.deploymentId),
  }),
  'POST /deployments/{deploymentId}/cancel': defineRoute({
    operationId: 'cancelDeployment',
    summary: 'Cancel a deployment that has not finished: its execution stops, the previous version stays live',
    schemas: { path: deploymentPath },
    response: deployment,
    run: ({ path }, deps, caller) => cancel(deps, caller, path.deploymentId),
  }),
  'GET /projects/{projectId}/environments/{environmentId}/deployments': defineRoute({
    operationId: 'listDeployments',
    summary: "A project's deployments to an environment, newest first",
    schemas: { path: historyPath, query: pageQuery },
    response: deploymentsPage,
    run: ({ path, query }, deps, caller) => deploymentHistory(deps, caller, path.projectId, path.environmentId, query),
  }),
};

export const handler = httpHandler(deploymentRoutes, () => productionDeps(['table', 'secrets', 'workflows']));
