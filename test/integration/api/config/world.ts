/**
 * What the configuration API tests share: a table of their own on the run's DynamoDB Local, the
 * local Secrets Manager behind the real SDK client, recording fakes of Step Functions and
 * EventBridge (configuration never starts or publishes anything), a cluster probe (a fake
 * unless a test gives the real one), the real HTTP handlers over those, and one role binding
 * per role. `everything()` gathers every answer, item and audit event, so a test can show a
 * secret value is in none of them.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { SecretsManagerStore } from '#adapters/secrets/secrets-manager.ts';
import type { ClusterProbe } from '#domain/pipeline/cluster-probe.ts';
import { FakeClusterProbe } from '#domain/pipeline/fake-cluster-probe.ts';
import { FakeEvents, FakeWorkflows } from '#domain/pipeline/fake-workflows.ts';
import { newId } from '#domain/pipeline/ids.ts';
import type { AuditEvent, Role, RoleGrant } from '#domain/pipeline/model.ts';
import type { AppDeps } from '#functions/app/context.ts';
import { routes as accounts } from '#functions/handlers/http/accounts.ts';
import { routes as environments } from '#functions/handlers/http/environments.ts';
import { routes as lifecycles } from '#functions/handlers/http/lifecycles.ts';
import { routes as openapi } from '#functions/handlers/http/openapi.ts';
import { routes as projects } from '#functions/handlers/http/projects.ts';
import { routes as roles } from '#functions/handlers/http/roles.ts';
import { httpHandler, type RouteTable } from '#functions/handlers/http/router.ts';
import { routes as targets } from '#functions/handlers/http/targets.ts';
import { type ApiAnswer, type ApiHandler, type ApiRequest, call } from '../../../support/api-events.ts';
import { LOCAL_CLIENT } from '../../../support/dynamodb-local.ts';
import { createTestTable, FORBIDDEN_COMMANDS, type TestTable } from '../../dynamodb/helpers.ts';
import { type LocalSecrets, startLocalSecrets } from '../../local-aws/secrets/helpers.ts';

export const ACCOUNT = '123456789012';
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
export const ADMIN = user('admin');
export const RELEASE_MANAGER = user('release-manager');
export const DEPLOYER = user('deployer');
export const APPROVER = user('approver');
export const AUDITOR = user('auditor');
/** A principal without a binding: it may do nothing. */
export const NOBODY = user('nobody');

/** Every principal with a role, and the role (Deployer and Approver limited to `dev`). */
export const PRINCIPALS: Record<Role, string> = { Admin: ADMIN, ReleaseManager: RELEASE_MANAGER, Deployer: DEPLOYER, Approver: APPROVER, Auditor: AUDITOR };
const GRANTS: Record<Role, RoleGrant> = {
  Admin: { role: 'Admin' },
  ReleaseManager: { role: 'ReleaseManager' },
  Deployer: { role: 'Deployer', environments: ['dev'] },
  Approver: { role: 'Approver', environments: ['dev'] },
  Auditor: { role: 'Auditor' },
};

const ROUTES = { environments, lifecycles, projects, accounts, targets, roles, openapi };
export type Api = keyof typeof ROUTES;

export type World = {
  table: TestTable;
  local: LocalSecrets;
  secrets: SecretsManagerStore;
  workflows: FakeWorkflows;
  events: FakeEvents;
  probe: ClusterProbe;
  deps: AppDeps;
  /** Every answer any handler gave. */
  answers: ApiAnswer[];
  call<T = any>(api: Api, routeKey: string, request?: ApiRequest): Promise<ApiAnswer<T>>;
  /** `call` as the Admin. */
  admin<T = any>(api: Api, routeKey: string, request?: Omit<ApiRequest, 'callerArn'>): Promise<ApiAnswer<T>>;
  /** Every item of the table, read with a Scan of a client of the test's own (never the stores'). */
  items(): Promise<Record<string, unknown>[]>;
  /** Items of one `type` (`Environment`, `Account`...). */
  itemsOfType(type: string): Promise<Record<string, unknown>[]>;
  auditEvents(): Promise<AuditEvent[]>;
  /** Names of the secrets under this world's prefix (scheduled deletions included). */
  secretNames(): Promise<string[]>;
  /** Answers, items and audit events as one text: what must never hold a secret value. */
  everything(): Promise<string>;
  close(): Promise<void>;
};

export async function createWorld(label: string, options: { probe?: ClusterProbe } = {}): Promise<World> {
  const table = await createTestTable(label);
  const local = await startLocalSecrets();
  const prefix = `conveyor-${randomBytes(3).toString('hex')}/`;
  const secrets = new SecretsManagerStore(local.client, { prefix });
  const workflows = new FakeWorkflows();
  const events = new FakeEvents();
  const probe = options.probe ?? new FakeClusterProbe();
  const deps: AppDeps = { stores: table.stores, secrets, workflows, events, clock: () => new Date(), newId: () => newId(), clusterProbe: probe };
  const handlers = Object.fromEntries(Object.entries(ROUTES).map(([name, routes]) => [name, httpHandler(routes as RouteTable, () => deps)])) as unknown as Record<Api, ApiHandler>;
  for (const [role, principalArn] of Object.entries(PRINCIPALS)) await table.stores.roles.create({ principalArn, roles: [GRANTS[role as Role]] });
  const raw = new DynamoDBClient({ ...LOCAL_CLIENT, endpoint: inject('dynamoDbEndpoint') });
  const scanner = DynamoDBDocumentClient.from(raw);
  const answers: ApiAnswer[] = [];

  const world: World = {
    table,
    local,
    secrets,
    workflows,
    events,
    probe,
    deps,
    answers,
    async call(api, routeKey, request = {}) {
      const answer = await call(handlers[api], routeKey, request);
      answers.push(answer);
      return answer;
    },
    admin: (api, routeKey, request = {}) => world.call(api, routeKey, { ...request, callerArn: ADMIN }),
    async items() {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, any> | undefined;
      do {
        const page = await scanner.send(new ScanCommand({ TableName: table.tableName, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    itemsOfType: async (type) => (await world.items()).filter((item) => item.type === type),
    async auditEvents() {
      const events: AuditEvent[] = [];
      let cursor: string | undefined;
      do {
        const page = await table.stores.audit.listByTime({}, { limit: 100, ...(cursor ? { cursor } : {}) });
        events.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      return events;
    },
    async secretNames() {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await local.client.send(new ListSecretsCommand({ IncludePlannedDeletion: true, NextToken: token }));
        names.push(...(page.SecretList ?? []).map((secret) => secret.Name ?? '').filter((name) => name.startsWith(prefix)));
        token = page.NextToken;
      } while (token);
      return names;
    },
    async everything() {
      return JSON.stringify({ answers: answers.map((answer) => answer.text), items: await world.items(), audit: await world.auditEvents() });
    },
    async close() {
      const scans = table.commands.filter((name) => FORBIDDEN_COMMANDS.includes(name));
      raw.destroy();
      await local.close();
      await table.drop();
      if (scans.length) throw new Error(`the stores sent ${scans.join(', ')}`);
    },
  };
  return world;
}

/** The ids listed by a list route. */
export const idsOf = (answer: ApiAnswer<{ items: { id: string }[] }>) => answer.body.items.map((item) => item.id);

/** Creates environments as the Admin, failing the test on any refusal. */
export async function seedEnvironments(world: World, ids: string[]): Promise<void> {
  for (const [order, id] of ids.entries()) {
    const answer = await world.admin('environments', 'POST /environments', { body: { id, name: id.toUpperCase(), order } });
    if (answer.status !== 201) throw new Error(`seeding environment ${id}: ${answer.text}`);
  }
}

/** Creates a lifecycle with one manual phase per environment. */
export async function seedLifecycle(world: World, id: string, environmentIds: string[]): Promise<void> {
  const phases = environmentIds.map((environment) => ({ name: environment, environments: [environment], entry: 'manual' }));
  const answer = await world.admin('lifecycles', 'POST /lifecycles', { body: { id, name: `Lifecycle ${id}`, phases } });
  if (answer.status !== 201) throw new Error(`seeding lifecycle ${id}: ${answer.text}`);
}

/** Creates a token account. */
export async function seedTokenAccount(world: World, id: string, token: string): Promise<void> {
  const answer = await world.admin('accounts', 'POST /accounts', { body: { id, name: `Account ${id}`, kind: 'token', token } });
  if (answer.status !== 201) throw new Error(`seeding account ${id}: ${answer.text}`);
}
