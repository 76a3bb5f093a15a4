/** `/environments`: list and read for every role, create, replace and delete for Admin. */

import { versionQuery } from '#functions/api/schemas/config-common.ts';
import { createEnvironmentBody, environment, environmentList, environmentPath, updateEnvironmentBody } from '#functions/api/schemas/environments.ts';
import { createEnvironment, deleteEnvironment, getEnvironment, listEnvironments, updateEnvironment } from '#functions/app/environments.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

const CREATED = 201;
const NO_CONTENT = 204;

export const routes: RouteTable = {
  'GET /environments': defineRoute({
    operationId: 'listEnvironments',
    summary: 'Every environment, in dashboard order',
    schemas: {},
    response: environmentList,
    run: async (_input, deps, caller) => ({ items: await listEnvironments(deps, caller) }),
  }),
  'POST /environments': defineRoute({
    operationId: 'createEnvironment',
    summary: 'Create an environment',
    schemas: { body: createEnvironmentBody },
    response: environment,
    status: CREATED,
    run: ({ body }, deps, caller) => createEnvironment(deps, caller, body),
  }),
  'GET /environments/{environmentId}': defineRoute({
    operationId: 'getEnvironment',
    summary: 'One environment',
    schemas: { path: environmentPath },
    response: environment,
    run: ({ path }, deps, caller) => getEnvironment(deps, caller, path.environmentId),
  }),
  'PUT /environments/{environmentId}': defineRoute({
    operationId: 'updateEnvironment',
    summary: 'Replace an environment read at `version`',
    schemas: { body: updateEnvironmentBody, path: environmentPath },
    response: environment,
    run: ({ body, path }, deps, caller) => updateEnvironment(deps, caller, path.environmentId, body),
  }),
  'DELETE /environments/{environmentId}': defineRoute({
    operationId: 'deleteEnvironment',
    summary: 'Delete an environment no lifecycle, target or role grant names',
    schemas: { path: environmentPath, query: versionQuery },
    status: NO_CONTENT,
    run: ({ path, query }, deps, caller) => deleteEnvironment(deps, caller, path.environmentId, query.version),
  }),
};

export const handler = httpHandler(routes, () => productionDeps(['table']));
