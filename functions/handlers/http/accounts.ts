/** `/accounts`: list and read for every role (never the secret material), create, replace and delete for Admin. */

import { account, accountList, accountPath, createAccountBody, updateAccountBody } from '#functions/api/schemas/accounts.ts';
import { versionQuery } from '#functions/api/schemas/config-common.ts';
import { createAccount, deleteAccount, getAccount, listAccounts, updateAccount } from '#functions/app/accounts.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

const CREATED = 201;
const NO_CONTENT = 204;

export const routes: RouteTable = {
  'GET /accounts': defineRoute({
    operationId: 'listAccounts',
    summary: 'Every account, without secret material',
    schemas: {},
    response: accountList,
    run: async (_input, deps, caller) => ({ items: await listAccounts(deps, caller) }),
  }),
  'POST /accounts': defineRoute({
    operationId: 'createAccount',
    summary: 'Create an account: token, username/password, client certificate and key, or EKS; the secret material is write-only',
    schemas: { body: createAccountBody },
    response: account,
    status: CREATED,
    run: ({ body }, deps, caller) => createAccount(deps, caller, body),
  }),
  'GET /accounts/{accountId}': defineRoute({
    operationId: 'getAccount',
    summary: 'One account, without secret material',
    schemas: { path: accountPath },
    response: account,
    run: ({ path }, deps, caller) => getAccount(deps, caller, path.accountId),
  }),
  'PUT /accounts/{accountId}': defineRoute({
    operationId: 'updateAccount',
    summary: 'Replace an account read at `version`; secret fields left out keep the stored secret',
    schemas: { body: updateAccountBody, path: accountPath },
    response: account,
    run: ({ body, path }, deps, caller) => updateAccount(deps, caller, path.accountId, body),
  }),
  'DELETE /accounts/{accountId}': defineRoute({
    operationId: 'deleteAccount',
    summary: 'Delete an account no target uses (its secret is scheduled for deletion)',
    schemas: { path: accountPath, query: versionQuery },
    status: NO_CONTENT,
    run: ({ path, query }, deps, caller) => deleteAccount(deps, caller, path.accountId, query.version),
  }),
};

export const handler = httpHandler(routes, () => productionDeps(['table', 'secrets']));
