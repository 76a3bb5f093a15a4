/**
 * `/targets`: list and read for every role, create, replace and delete for Admin, and
 * `POST /targets/{targetId}/health` (Admin, ReleaseManager): connect with the target's account
 * and report version and permissions. The only API function that talks to clusters.
 */

import { versionQuery } from '#functions/api/schemas/config-common.ts';
import { createTargetBody, target, targetHealth, targetList, targetPath, updateTargetBody } from '#functions/api/schemas/targets.ts';
import { checkTargetHealth } from '#functions/app/target-health.ts';
import { createTarget, deleteTarget, getTarget, listTargets, updateTarget } from '#functions/app/targets.ts';
import { productionClusterProbe } from '#functions/runtime/clusters.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

const CREATED = 201;
const NO_CONTENT = 204;

export const routes: RouteTable = {
  'GET /targets': defineRoute({
    operationId: 'listTargets',
    summary: 'Every target',
    schemas: {},
    response: targetList,
    run: async (_input, deps, caller) => ({ items: await listTargets(deps, caller) }),
  }),
  'POST /targets': defineRoute({
    operationId: 'createTarget',
    summary: 'Create a target: cluster URL, namespace (or admin), account, CA or explicit skipTlsVerify, environments, tags',
    schemas: { body: createTargetBody },
    response: target,
    status: CREATED,
    run: ({ body }, deps, caller) => createTarget(deps, caller, body),
  }),
  'GET /targets/{targetId}': defineRoute({
    operationId: 'getTarget',
    summary: 'One target',
    schemas: { path: targetPath },
    response: target,
    run: ({ path }, deps, caller) => getTarget(deps, caller, path.targetId),
  }),
  'PUT /targets/{targetId}': defineRoute({
    operationId: 'updateTarget',
    summary: 'Replace a target read at `version`',
    schemas: { body: updateTargetBody, path: targetPath },
    response: target,
    run: ({ body, path }, deps, caller) => updateTarget(deps, caller, path.targetId, body),
  }),
  'DELETE /targets/{targetId}': defineRoute({
    operationId: 'deleteTarget',
    summary: 'Delete a target',
    schemas: { path: targetPath, query: versionQuery },
    status: NO_CONTENT,
    run: ({ path, query }, deps, caller) => deleteTarget(deps, caller, path.targetId, query.version),
  }),
  'POST /targets/{targetId}/health': defineRoute({
    operationId: 'checkTargetHealth',
    summary: "Connect with the target's account: reachable, server version, who the cluster sees, what the account may do in the namespace",
    schemas: { path: targetPath },
    response: targetHealth,
    run: ({ path }, deps, caller) => checkTargetHealth(deps, caller, path.targetId),
  }),
};

export const handler = httpHandler(routes, () => ({ ...productionDeps(['table', 'secrets']), clusterProbe: productionClusterProbe() }));
