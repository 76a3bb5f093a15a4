/** `/lifecycles`: list and read for every role, create, replace and delete for Admin. */

import { versionQuery } from '#functions/api/schemas/config-common.ts';
import { createLifecycleBody, lifecycle, lifecycleList, lifecyclePath, updateLifecycleBody } from '#functions/api/schemas/lifecycles.ts';
import { createLifecycle, deleteLifecycle, getLifecycle, listLifecycles, updateLifecycle } from '#functions/app/lifecycles.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

const CREATED = 201;
const NO_CONTENT = 204;

export const routes: RouteTable = {
  'GET /lifecycles': defineRoute({
    operationId: 'listLifecycles',
    summary: 'Every lifecycle',
    schemas: {},
    response: lifecycleList,
    run: async (_input, deps, caller) => ({ items: await listLifecycles(deps, caller) }),
  }),
  'POST /lifecycles': defineRoute({
    operationId: 'createLifecycle',
    summary: 'Create a lifecycle: phases of existing environments, each entered automatically or by promotion',
    schemas: { body: createLifecycleBody },
    response: lifecycle,
    status: CREATED,
    run: ({ body }, deps, caller) => createLifecycle(deps, caller, body),
  }),
  'GET /lifecycles/{lifecycleId}': defineRoute({
    operationId: 'getLifecycle',
    summary: 'One lifecycle',
    schemas: { path: lifecyclePath },
    response: lifecycle,
    run: ({ path }, deps, caller) => getLifecycle(deps, caller, path.lifecycleId),
  }),
  'PUT /lifecycles/{lifecycleId}': defineRoute({
    operationId: 'updateLifecycle',
    summary: 'Replace a lifecycle read at `version`',
    schemas: { body: updateLifecycleBody, path: lifecyclePath },
    response: lifecycle,
    run: ({ body, path }, deps, caller) => updateLifecycle(deps, caller, path.lifecycleId, body),
  }),
  'DELETE /lifecycles/{lifecycleId}': defineRoute({
    operationId: 'deleteLifecycle',
    summary: 'Delete a lifecycle no project or channel follows',
    schemas: { path: lifecyclePath, query: versionQuery },
    status: NO_CONTENT,
    run: ({ path, query }, deps, caller) => deleteLifecycle(deps, caller, path.lifecycleId, query.version),
  }),
};

export const handler = httpHandler(routes, () => productionDeps(['table']));
