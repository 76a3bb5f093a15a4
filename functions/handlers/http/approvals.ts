/** Approvals: what waits for a decision the caller may take (`GET /approvals`), and the decision (`POST /approvals/{deploymentId}/{stepIndex}`). */

import { decisionBody, decisionPath, pendingApprovals as pendingBody } from '#functions/api/schemas/approvals.ts';
import { approval } from '#functions/api/schemas/deployments.ts';
import { decideApproval, pendingApprovals } from '#functions/app/approvals.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

export const approvalRoutes: RouteTable = {
  'GET /approvals': defineRoute({
    operationId: 'listPendingApprovals',
    summary: 'Approvals waiting for a decision in environments the caller may approve in (not on deployments the caller started)',
    schemas: {},
    response: pendingBody,
    run: (_input, deps, caller) => pendingApprovals(deps, caller),
  }),
  'POST /approvals/{deploymentId}/{stepIndex}': defineRoute({
    operationId: 'decideApproval',
    summary: 'Approve or reject, once; never a deployment the caller started',
    schemas: { body: decisionBody, path: decisionPath },
    response: approval,
    run: ({ body, path }, deps, caller) => decideApproval(deps, caller, path.deploymentId, path.stepIndex, body),
  }),
};

export const handler = httpHandler(approvalRoutes, () => productionDeps(['table', 'secrets', 'workflows']));
