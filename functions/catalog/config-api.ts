/**
 * Catalog part: the configuration half of the HTTP API (environments, lifecycles, projects,
 * accounts, targets, role bindings) and the OpenAPI document. See functions/catalog.ts.
 *
 * Every function that authorizes writes the table, even for reads: a refusal appends an
 * `access.denied` audit event. A test checks these routes against the handlers' route tables
 * (test/unit/api/config/catalog.test.ts).
 */
import type { CatalogPart, FunctionSpec, RouteSpec } from '../catalog.ts';

/** One route of a function: method, path, operationId. */
type RouteOf = [RouteSpec['method'], string, string];

const routesOf = (fn: string, routes: RouteOf[]): RouteSpec[] => routes.map(([method, path, operationId]) => ({ method, path, function: fn, operationId }));

/** The five routes of a configuration resource: list, create, read, replace, delete. */
function crud(fn: string, collection: string, idParameter: string, singular: string, plural: string): RouteSpec[] {
  const item = `${collection}/{${idParameter}}`;
  return routesOf(fn, [
    ['GET', collection, `list${plural}`],
    ['POST', collection, `create${singular}`],
    ['GET', item, `get${singular}`],
    ['PUT', item, `update${singular}`],
    ['DELETE', item, `delete${singular}`],
  ]);
}

const FUNCTIONS: FunctionSpec[] = [
  {
    name: 'environments-api',
    entry: 'functions/handlers/http/environments.ts',
    description: 'Environments: list, show, create, replace, delete',
    access: { table: 'write' },
  },
  {
    name: 'lifecycles-api',
    entry: 'functions/handlers/http/lifecycles.ts',
    description: 'Lifecycles: phases of environments, automatic or manual entry, how many must succeed',
    access: { table: 'write' },
  },
  {
    name: 'projects-api',
    entry: 'functions/handlers/http/projects.ts',
    description: 'Projects: lifecycle, deployment process, variables (sensitive values to Secrets Manager), channels',
    // Bodies of up to ~4.5 MiB of manifests are parsed and checked in memory.
    memoryMb: 512,
    access: { table: 'write', secrets: 'write' },
  },
  {
    name: 'accounts-api',
    entry: 'functions/handlers/http/accounts.ts',
    description: 'Accounts: token, username/password, client certificate, EKS; secret material write-only in Secrets Manager',
    access: { table: 'write', secrets: 'write' },
  },
  {
    name: 'targets-api',
    entry: 'functions/handlers/http/targets.ts',
    description: "Targets: cluster, namespace, account, TLS, environments, tags; health check with the target's account",
    // Reads account secrets for the health check; EKS accounts assume their role and describe the cluster.
    access: { table: 'write', secrets: 'read', eks: true },
  },
  {
    name: 'roles-api',
    entry: 'functions/handlers/http/roles.ts',
    description: 'Role bindings: IAM principal → Admin, ReleaseManager, Deployer, Approver, Auditor (Admin only)',
    access: { table: 'write' },
  },
  {
    name: 'openapi',
    entry: 'functions/handlers/http/openapi.ts',
    description: 'The OpenAPI 3.1 document of the HTTP API, generated from the route schemas',
    access: {},
  },
];

const ROUTES: RouteSpec[] = [
  ...crud('environments-api', '/environments', 'environmentId', 'Environment', 'Environments'),
  ...crud('lifecycles-api', '/lifecycles', 'lifecycleId', 'Lifecycle', 'Lifecycles'),
  ...crud('projects-api', '/projects', 'projectId', 'Project', 'Projects'),
  ...crud('accounts-api', '/accounts', 'accountId', 'Account', 'Accounts'),
  ...crud('targets-api', '/targets', 'targetId', 'Target', 'Targets'),
  ...routesOf('targets-api', [['POST', '/targets/{targetId}/health', 'checkTargetHealth']]),
  // Role ARNs hold "/": the principal is a greedy path parameter.
  ...crud('roles-api', '/roles', 'principalArn+', 'RoleBinding', 'RoleBindings'),
  ...routesOf('openapi', [['GET', '/openapi.json', 'getOpenApiDocument']]),
];

export const PART: CatalogPart = { functions: FUNCTIONS, routes: ROUTES, stateMachines: [], eventRules: [] };
