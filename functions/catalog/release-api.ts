/**
 * Catalog part: the release flow of the HTTP API (releases, promotions, deployments, approvals,
 * audit, dashboard) and the image-push event handler. See functions/catalog.ts.
 *
 * Every API function writes the table, even those that only read: authorization appends an
 * `access.denied` audit event for every refusal. A test checks these routes against the
 * handlers' route tables (test/unit/api/release/catalog.test.ts).
 */
import type { CatalogPart, FunctionSpec, RouteSpec } from '../catalog.ts';

/** One route of a function: method, path, operationId. */
type RouteOf = [RouteSpec['method'], string, string];

const routesOf = (fn: string, routes: RouteOf[]): RouteSpec[] => routes.map(([method, path, operationId]) => ({ method, path, function: fn, operationId }));

const FUNCTIONS: FunctionSpec[] = [
  {
    name: 'releases-api',
    entry: 'functions/handlers/http/releases.ts',
    description: 'Releases: create, list, show; promote a release to an environment (answers a release lifecycle waiting for it)',
    // Secrets: reads a lifecycle wait's task token and deletes its secret once answered.
    access: { table: 'write', secrets: 'write', stateMachines: ['start', 'callback'], events: true },
  },
  {
    name: 'deployments-api',
    entry: 'functions/handlers/http/deployments.ts',
    description: 'Deployments: show, history, redeploy, cancel (stops the execution, lets go of the lock)',
    access: { table: 'write', secrets: 'write', stateMachines: ['start', 'callback', 'stop'] },
  },
  {
    name: 'approvals-api',
    entry: 'functions/handlers/http/approvals.ts',
    description: 'Approvals: pending ones the caller may decide; approve or reject (answers the task token, deletes its secret)',
    access: { table: 'write', secrets: 'write', stateMachines: ['callback'] },
  },
  {
    name: 'audit-api',
    entry: 'functions/handlers/http/audit.ts',
    description: 'Audit trail: query, NDJSON export, chain verification',
    // The export reads up to 5 MiB of events and builds the response in memory.
    memoryMb: 512,
    access: { table: 'write' },
  },
  {
    name: 'dashboard-api',
    entry: 'functions/handlers/http/dashboard.ts',
    description: 'Dashboard: projects × environments, the latest deployment of each',
    access: { table: 'write' },
  },
  {
    name: 'on-image-push',
    entry: 'functions/handlers/events/on-image-push.ts',
    description: 'ECR image push → one release per project that uses the repository (idempotent on the digest), lifecycle started',
    // Reads every project (the process is not in the project list): more than an API request's 30 s may be needed.
    timeoutSeconds: 120,
    access: { table: 'write', stateMachines: ['start'], events: true },
  },
];

const ROUTES: RouteSpec[] = [
  ...routesOf('releases-api', [
    ['POST', '/projects/{projectId}/releases', 'createRelease'],
    ['GET', '/projects/{projectId}/releases', 'listReleases'],
    ['GET', '/projects/{projectId}/releases/{version}', 'getRelease'],
    ['POST', '/projects/{projectId}/releases/{version}/deployments', 'promoteRelease'],
  ]),
  ...routesOf('deployments-api', [
    ['GET', '/deployments/{deploymentId}', 'getDeployment'],
    ['POST', '/deployments/{deploymentId}/redeploy', 'redeploy'],
    ['POST', '/deployments/{deploymentId}/cancel', 'cancelDeployment'],
    ['GET', '/projects/{projectId}/environments/{environmentId}/deployments', 'listDeployments'],
  ]),
  ...routesOf('approvals-api', [
    ['GET', '/approvals', 'listPendingApprovals'],
    ['POST', '/approvals/{deploymentId}/{stepIndex}', 'decideApproval'],
  ]),
  ...routesOf('audit-api', [
    ['GET', '/audit', 'queryAudit'],
    ['GET', '/audit/export', 'exportAudit'],
    ['GET', '/audit/verify', 'verifyAudit'],
  ]),
  ...routesOf('dashboard-api', [['GET', '/dashboard', 'getDashboard']]),
];

export const PART: CatalogPart = {
  functions: FUNCTIONS,
  routes: ROUTES,
  stateMachines: [],
  eventRules: [
    {
      name: 'ecr-image-push',
      description: 'A successful image push to ECR (the documented "ECR Image Action" event) makes releases',
      pattern: { source: ['aws.ecr'], 'detail-type': ['ECR Image Action'], detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] } },
      function: 'on-image-push',
    },
  ],
};
