/**
 * What the release-flow API tests share: a table of their own on the run's DynamoDB Local, the
 * local Secrets Manager with the real SDK client, fakes of Step Functions and EventBridge that
 * record calls, the real HTTP handlers built over those, and a small pipeline: three
 * environments, a lifecycle dev → test → prod, a project whose process names two image
 * repositories (and one image that is a variable), its channels, pushes, and role bindings.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerStore } from '#adapters/secrets/secrets-manager.ts';
import { FakeEvents, FakeWorkflows } from '#domain/pipeline/fake-workflows.ts';
import { newId } from '#domain/pipeline/ids.ts';
import type { Deployment, DeploymentState, Project, RoleGrant } from '#domain/pipeline/model.ts';
import type { New } from '#domain/pipeline/ports.ts';
import type { AppDeps } from '#functions/app/context.ts';
import { approvalRoutes } from '#functions/handlers/http/approvals.ts';
import { auditRoutes } from '#functions/handlers/http/audit.ts';
import { dashboardRoutes } from '#functions/handlers/http/dashboard.ts';
import { deploymentRoutes } from '#functions/handlers/http/deployments.ts';
import { releaseRoutes } from '#functions/handlers/http/releases.ts';
import { httpHandler, type RouteTable } from '#functions/handlers/http/router.ts';
import { type ApiAnswer, type ApiHandler, type ApiRequest, call } from '../../../support/api-events.ts';
import { createTestTable, FORBIDDEN_COMMANDS, type TestTable } from '../../dynamodb/helpers.ts';
import { type LocalSecrets, startLocalSecrets } from '../../local-aws/secrets/helpers.ts';

export const ACCOUNT = '123456789012';
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
export const ADMIN = user('admin');
export const RELEASE_MANAGER = user('release-manager');
export const DEV_DEPLOYER = user('dev-deployer');
export const APPROVER = user('approver');
export const AUDITOR = user('auditor');
/** Two sessions of one role that may both deploy and approve: neither may approve what the other started. */
export const OPS_CAROL = `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/carol`;
export const OPS_DAVE = `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/dave`;
export const OPS_ROLE = `arn:aws:iam::${ACCOUNT}:role/Ops`;

export const WEB = 'registry.example/web';
export const PROXY = 'registry.example/proxy';
/** A sensitive variable's value: it lives in the secret store, and must never show up anywhere else. */
export const DB_PASSWORD = 'db-password-Zx81-never-shown';

export const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const WEB_MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: #{Replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      initContainers:
        - name: migrate
          image: "#{MigrationImage}"
      containers:
        - name: web
          image: registry.example/web:1.0.0
        - name: proxy
          image: "registry.example/proxy:#{ProxyTag}"
`;

/** The routes of every release-flow handler, by name. */
const ROUTES = { releases: releaseRoutes, deployments: deploymentRoutes, approvals: approvalRoutes, audit: auditRoutes, dashboard: dashboardRoutes };
type Api = keyof typeof ROUTES;

export type World = {
  table: TestTable;
  local: LocalSecrets;
  secrets: SecretsManagerStore;
  workflows: FakeWorkflows;
  events: FakeEvents;
  deps: AppDeps;
  /** Every answer any handler gave, to check that none holds a secret or a token. */
  answers: ApiAnswer[];
  call<T = any>(api: Api, routeKey: string, request: ApiRequest): Promise<ApiAnswer<T>>;
  close(): Promise<void>;
};

export async function createWorld(label: string): Promise<World> {
  const table = await createTestTable(label);
  const local = await startLocalSecrets();
  const secrets = new SecretsManagerStore(local.client, { prefix: `conveyor-${randomBytes(3).toString('hex')}/` });
  const workflows = new FakeWorkflows();
  const events = new FakeEvents();
  const deps: AppDeps = { stores: table.stores, secrets, workflows, events, clock: () => new Date(), newId: () => newId() };
  const handlers = Object.fromEntries(Object.entries(ROUTES).map(([name, routes]) => [name, httpHandler(routes as RouteTable, () => deps)])) as Record<Api, ReturnType<typeof httpHandler>>;
  const answers: ApiAnswer[] = [];
  return {
    table,
    local,
    secrets,
    workflows,
    events,
    deps,
    answers,
    async call(api, routeKey, request) {
      const answer = await call(handlers[api] as ApiHandler, routeKey, request);
      answers.push(answer);
      return answer;
    },
    async close() {
      const scans = table.commands.filter((name) => FORBIDDEN_COMMANDS.includes(name));
      await local.close();
      await table.drop();
      if (scans.length) throw new Error(`the stores sent ${scans.join(', ')}`);
    },
  };
}

export const STABLE_RANGE = '>=1.0.0 <2.0.0';

export function webProject(secretArn: string, overrides: Partial<New<Omit<Project, 'releaseCounter'>>> = {}): New<Omit<Project, 'releaseCounter'>> {
  return {
    id: 'web',
    name: 'Web shop',
    lifecycleId: 'default',
    process: [
      { kind: 'apply-manifests', name: 'deploy web', targetTags: ['web'], timeoutSeconds: 300, manifests: [{ name: 'web.yaml', content: WEB_MANIFEST }] },
      { kind: 'approval', name: 'sign-off', targetTags: [], environments: ['prod'], timeoutSeconds: 3600, instructions: 'Check the staging dashboards' },
    ],
    variables: [
      { name: 'Replicas', values: [{ value: '2' }] },
      { name: 'ProxyTag', values: [{ value: 'v3' }] },
      { name: 'DbPassword', values: [{ secretArn }] },
    ],
    channels: [
      { name: 'stable', rules: [{ repository: WEB, versionRange: STABLE_RANGE }] },
      { name: 'hotfix', rules: [{ repository: WEB, tagPattern: '1\\.\\d+\\.\\d+-hotfix\\d*' }] },
    ],
    defaultChannel: 'stable',
    ...overrides,
  };
}

const ROLES: [string, RoleGrant[]][] = [
  [ADMIN, [{ role: 'Admin' }]],
  [RELEASE_MANAGER, [{ role: 'ReleaseManager' }]],
  [DEV_DEPLOYER, [{ role: 'Deployer', environments: ['dev'] }]],
  [APPROVER, [{ role: 'Approver' }]],
  [AUDITOR, [{ role: 'Auditor' }]],
  [OPS_ROLE, [{ role: 'Deployer' }, { role: 'Approver' }]],
];

/** Environments, the lifecycle (dev automatic; test and prod manual), roles, the web project, pushes of both repositories. */
export async function seed(world: World): Promise<{ secretArn: string }> {
  const { stores } = world.deps;
  for (const [principalArn, roles] of ROLES) await stores.roles.create({ principalArn, roles });
  for (const [id, name, order] of [
    ['dev', 'Development', 1],
    ['test', 'Test', 2],
    ['prod', 'Production', 3],
  ] as const)
    await stores.environments.create({ id, name, order });
  await stores.lifecycles.create({
    id: 'default',
    name: 'Default',
    phases: [
      { name: 'Development', environments: ['dev'], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 },
      { name: 'Test', environments: ['test'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 },
      { name: 'Production', environments: ['prod'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 },
    ],
  });
  const secretArn = await world.secrets.create('variables/web/db-password', DB_PASSWORD);
  await stores.projects.create(webProject(secretArn));
  const pushes: [string, string, number, string][] = [
    [WEB, '1.0.0', 1, '2026-01-10T00:00:00.000Z'],
    [WEB, '1.1.0', 2, '2026-01-11T00:00:00.000Z'],
    [WEB, '2.0.0', 3, '2026-01-12T00:00:00.000Z'],
    [PROXY, 'v3', 4, '2026-01-10T00:00:00.000Z'],
    [PROXY, 'v4', 5, '2026-01-11T00:00:00.000Z'],
  ];
  for (const [repository, tag, n, pushedAt] of pushes) await stores.images.record({ repository, tag, digest: digestOf(n), pushedAt });
  return { secretArn };
}

/** Moves a deployment through states as the state machine would (each step a valid transition). */
export async function moveDeployment(world: World, id: string, states: DeploymentState[], extra: Partial<Deployment> = {}): Promise<Deployment> {
  let { deployment } = await world.deps.stores.deployments.get(id);
  for (const state of states) deployment = await world.deps.stores.deployments.update({ ...deployment, ...extra, state });
  return deployment;
}

/** A task token as Step Functions makes them (long, opaque) and its secret, as a waiting task stores it. */
export async function storeToken(world: World, name: string): Promise<{ token: string; tokenRef: string }> {
  const token = `AAAAKgAAAAIAAAAAAAAAA${randomBytes(24).toString('base64url')}`;
  const tokenRef = await world.secrets.create(`task-tokens/${name}`, token);
  world.workflows.waitFor(token);
  return { token, tokenRef };
}

/** Every item of the table, read partition by partition through the raw client (the test's own check, not a store's). */
export async function everyItem(world: World, partitions: string[]): Promise<string> {
  const texts: string[] = [];
  for (const pk of partitions) {
    const out = await world.table.raw.send(new QueryCommand({ TableName: world.table.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }));
    texts.push(JSON.stringify(out.Items ?? []));
  }
  return texts.join('\n');
}
