/**
 * `/roles`: role bindings by IAM principal ARN, Admin only. The ARN is a greedy path parameter
 * (`/roles/arn:aws:iam::123456789012:role/Deployer`): role ARNs hold "/".
 */

import { versionQuery } from '#functions/api/schemas/config-common.ts';
import { createRoleBindingBody, roleBinding, roleBindingList, rolePath, updateRoleBindingBody } from '#functions/api/schemas/roles.ts';
import { createRoleBinding, deleteRoleBinding, getRoleBinding, listRoleBindings, updateRoleBinding } from '#functions/app/roles.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

const CREATED = 201;
const NO_CONTENT = 204;

export const routes: RouteTable = {
  'GET /roles': defineRoute({
    operationId: 'listRoleBindings',
    summary: 'Every role binding',
    schemas: {},
    response: roleBindingList,
    run: async (_input, deps, caller) => ({ items: await listRoleBindings(deps, caller) }),
  }),
  'POST /roles': defineRoute({
    operationId: 'createRoleBinding',
    summary: 'Bind roles to an IAM principal (Deployer and Approver may be limited to environments)',
    schemas: { body: createRoleBindingBody },
    response: roleBinding,
    status: CREATED,
    run: ({ body }, deps, caller) => createRoleBinding(deps, caller, body),
  }),
  'GET /roles/{principalArn+}': defineRoute({
    operationId: 'getRoleBinding',
    summary: "One principal's roles",
    schemas: { path: rolePath },
    response: roleBinding,
    run: ({ path }, deps, caller) => getRoleBinding(deps, caller, path.principalArn),
  }),
  'PUT /roles/{principalArn+}': defineRoute({
    operationId: 'updateRoleBinding',
    summary: "Replace a principal's roles read at `version` (the last Admin stays)",
    schemas: { body: updateRoleBindingBody, path: rolePath },
    response: roleBinding,
    run: ({ body, path }, deps, caller) => updateRoleBinding(deps, caller, path.principalArn, body),
  }),
  'DELETE /roles/{principalArn+}': defineRoute({
    operationId: 'deleteRoleBinding',
    summary: "Remove a principal's roles (not the last Admin's)",
    schemas: { path: rolePath, query: versionQuery },
    status: NO_CONTENT,
    run: ({ path, query }, deps, caller) => deleteRoleBinding(deps, caller, path.principalArn, query.version),
  }),
};

export const handler = httpHandler(routes, () => productionDeps(['table']));
