/**
 * The local stack of `conveyor up` as its users reach it, for the end-to-end tests (test/e2e) and
 * the pipeline benchmark: only what local.env and the credentials file say (endpoints, region,
 * kubeconfig, the demo users' keys), and the real clients — the CLI's SigV4 API client (every
 * answer's body recorded, so a test can search them for secrets), SFNClient, DynamoDBClient,
 * SecretsManagerClient, EventBridgeClient (image pushes as ECR announces them) and
 * @kubernetes/client-node as the sandbox's cluster admin. Nothing here reaches into the stack's
 * process, so the same code serves a stack started in-process and one in a child process.
 *
 * `seedWalkthrough` configures what the demo configures (environments, lifecycles, the admin
 * target, the Admin project's kubectl script making the httpd namespaces and deployers, their
 * token accounts and targets), with the demo's own code, through the API.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, type DescribeExecutionOutput, type ExecutionListItem, GetExecutionHistoryCommand, type HistoryEvent, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiClient, pathOf } from '#cli/api/client.ts';
import { nodeTransport, type Transport } from '#cli/api/transport.ts';
import type { DeploymentView } from '#cli/deploy/progress.ts';
import { isFinalState } from '#cli/deploy/wait.ts';
import type { Writer } from '#cli/output.ts';
import { DEMO_PROFILES, type DemoCredential } from '#local/aws/api-gateway/credentials.ts';
import { LOCAL_ACCOUNT } from '#local/aws/api-gateway/server.ts';
import { publishImagePush } from '#local/aws/events/ecr.ts';
import { configureAdminTarget, configureAppTargets, configureEnvironments, runAdminProject } from '#local/demo/cluster-setup.ts';
import { until } from '#local/demo/follow.ts';
import { openSession } from '#local/demo/session.ts';
import { KUBECTL } from './kubectl.ts';

export type Profile = (typeof DEMO_PROFILES)[number];
export type Deployment = DeploymentView['deployment'];

/** The stack's local.env variables and the demo users' keys: all a user of the stack has. */
export type StackAccess = { env: Record<string, string>; users: readonly DemoCredential[] };

export type StackClients = {
  region: string;
  accountId: string;
  env: Record<string, string>;
  users: Record<Profile, DemoCredential>;
  /** One API client per demo user, each signing with that user's keys. */
  api: Record<Profile, ApiClient>;
  /** The body of every answer the API clients received, in order. */
  responses: string[];
  sfn: SFNClient;
  dynamo: DynamoDBClient;
  secrets: SecretsManagerClient;
  events: EventBridgeClient;
  /** The sandbox's kubeconfig, current context the cluster admin. */
  kube: KubeConfig;
  tableName: string;
  stateMachines: { deployment: string; lifecycle: string };
  /** Publishes the ECR push of `repository:tag` with a fresh digest; the digest. */
  push(repository: string, tag: string): Promise<string>;
  destroy(): void;
};

const FOLLOW_TIMEOUT_MS = 60_000;
const POLL_MS = 100;

/** A digest no other push had, as a rebuilt image has. */
export const newDigest = (): string => `sha256:${createHash('sha256').update(randomBytes(32)).digest('hex')}`;

export function connectToStack(access: StackAccess): StackClients {
  const { env } = access;
  const region = required(env, 'AWS_REGION');
  const users = Object.fromEntries(DEMO_PROFILES.map((profile) => [profile, access.users.find((u) => u.profile === profile)!])) as Record<Profile, DemoCredential>;
  const responses: string[] = [];
  const recording: Transport = async (wire) => {
    const answer = await nodeTransport(wire);
    responses.push(answer.body);
    return answer;
  };
  const signing = (profile: Profile) => ({ accessKeyId: users[profile].accessKeyId, secretAccessKey: users[profile].secretAccessKey });
  const api = Object.fromEntries(
    DEMO_PROFILES.map((profile) => [profile, new ApiClient({ endpoint: new URL(required(env, 'CONVEYOR_API_URL')), region, credentials: signing(profile), transport: recording })]),
  ) as Record<Profile, ApiClient>;
  // The admin's keys sign the AWS calls; the local services do not check them, as the README says.
  const aws = { region, credentials: signing('admin') };
  const sfn = new SFNClient({ ...aws, endpoint: required(env, 'AWS_ENDPOINT_URL_SFN') });
  const dynamo = new DynamoDBClient({ ...aws, endpoint: required(env, 'AWS_ENDPOINT_URL_DYNAMODB') });
  const secrets = new SecretsManagerClient({ ...aws, endpoint: required(env, 'AWS_ENDPOINT_URL_SECRETS_MANAGER') });
  const events = new EventBridgeClient({ ...aws, endpoint: required(env, 'AWS_ENDPOINT_URL_EVENTBRIDGE') });
  const kube = new KubeConfig();
  kube.loadFromFile(required(env, 'KUBECONFIG'));
  return {
    region,
    accountId: LOCAL_ACCOUNT,
    env,
    users,
    api,
    responses,
    sfn,
    dynamo,
    secrets,
    events,
    kube,
    tableName: required(env, 'CONVEYOR_TABLE_NAME'),
    stateMachines: { deployment: required(env, 'CONVEYOR_DEPLOYMENT_STATE_MACHINE_ARN'), lifecycle: required(env, 'CONVEYOR_RELEASE_LIFECYCLE_STATE_MACHINE_ARN') },
    async push(repository, tag) {
      const digest = newDigest();
      await publishImagePush(events, { repository, tag, digest, account: LOCAL_ACCOUNT, region });
      return digest;
    },
    destroy() {
      for (const client of [sfn, dynamo, secrets, events]) client.destroy();
    },
  };
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`local.env has no ${name}`);
  return value;
}

/**
 * The demo's configuration through the API: environments Development, Production and Admin,
 * lifecycles Application and Admin, the admin target, the Admin project's release (its kubectl
 * script makes the namespaces httpd-development and httpd-production with a deployer each), and
 * the deployers' token accounts and targets `httpd-<environment>` tagged `httpd`. What the demo
 * prints goes to `out`.
 */
export async function seedWalkthrough(c: StackClients, out: Writer): Promise<void> {
  const session = {
    ...openSession({
      apiUrl: c.env.CONVEYOR_API_URL!,
      eventsUrl: c.env.AWS_ENDPOINT_URL_EVENTBRIDGE!,
      region: c.region,
      accountId: c.accountId,
      users: Object.values(c.users),
      kubeconfig: c.env.KUBECONFIG!,
      kubectlPath: KUBECTL,
      out,
    }),
    // The recording clients, so what the seeding received is searched too.
    as: c.api,
  };
  await configureEnvironments(session);
  const cluster = await configureAdminTarget(session);
  await runAdminProject(session);
  await configureAppTargets(session, cluster);
}

/** Collects what is written, as the demo's output. */
export function textWriter(): Writer & { text(): string } {
  let text = '';
  return { write: (chunk: string) => (text += chunk), text: () => text };
}

/** GET /deployments/{id}. */
export const viewOf = (api: ApiClient, id: string) => api.get<DeploymentView>(pathOf('/deployments/{deploymentId}', { deploymentId: id }));

/** Polls the deployment until `done(view)` (by default: a final state). */
export function followDeployment(
  api: ApiClient,
  id: string,
  done: (view: DeploymentView) => boolean = (v) => isFinalState(v.deployment.state),
  timeoutMs = FOLLOW_TIMEOUT_MS,
): Promise<DeploymentView> {
  return until(
    async () => {
      const view = await viewOf(api, id);
      return done(view) ? view : undefined;
    },
    `deployment ${id}`,
    timeoutMs,
  );
}

/** Every deployment of a release, newest first (the release's detail). */
export async function deploymentsOfRelease(api: ApiClient, projectId: string, version: string): Promise<Deployment[]> {
  const detail = await api.get<{ deployments: Deployment[] }>(pathOf('/projects/{projectId}/releases/{version}', { projectId, version }));
  return detail.deployments.sort((a, b) => b.queuedAt.localeCompare(a.queuedAt));
}

/** Polls `check` every POLL_MS until it returns something. */
export async function poll<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = FOLLOW_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** ListExecutions of a state machine, every page. */
export async function listExecutions(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
    items.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

export const describeExecution = (sfn: SFNClient, executionArn: string): Promise<DescribeExecutionOutput> => sfn.send(new DescribeExecutionCommand({ executionArn }));

/**
 * The execution once it has ended. A deployment is recorded final by its Finalize task, a few
 * states before its execution ends (Outcome, Done): a test that has seen the deployment end
 * waits for this before it reads the execution's status or its last history event.
 */
export const endedExecution = (sfn: SFNClient, executionArn: string): Promise<DescribeExecutionOutput> =>
  poll(async () => {
    const execution = await describeExecution(sfn, executionArn);
    return execution.status === 'RUNNING' ? undefined : execution;
  }, `the end of execution ${executionArn}`);

/** GetExecutionHistory with the execution data, every page, oldest first. */
export async function executionHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, includeExecutionData: true, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The state entered by each `…StateEntered` event, in order: the transitions AWS bills (retries aside). */
export function enteredStates(history: HistoryEvent[]): string[] {
  return history.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name ?? '?');
}

/** Every item of the table. A Scan: tests only, to search the whole of it; the application never scans. */
export async function scanTable(dynamo: DynamoDBClient, tableName: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Chunk items' sort keys end in their 3-digit position (functions/adapters/dynamodb/keys.ts). */
const CHUNK_POSITION_DIGITS = 3;

/**
 * The items as text a search reads: each item as JSON, and each document stored in Chunk items
 * (a project's definition, a release's snapshot: gzip-compressed JSON cut into pieces) decoded,
 * so a value inside one is found too.
 */
export function tableText(items: Record<string, AttributeValue>[]): string {
  const documents = new Map<string, { sk: string; bytes: Uint8Array }[]>();
  const plain: Record<string, AttributeValue>[] = [];
  for (const item of items) {
    const bytes = item.data?.B;
    if (item.type?.S !== 'Chunk' || !bytes) {
      plain.push(item);
      continue;
    }
    const sk = item.SK!.S!;
    const key = `${item.PK!.S} ${sk.slice(0, -CHUNK_POSITION_DIGITS)}`;
    documents.set(key, [...(documents.get(key) ?? []), { sk, bytes }]);
  }
  const decoded = [...documents.values()].map((chunks) => gunzipSync(Buffer.concat(chunks.sort((a, b) => a.sk.localeCompare(b.sk)).map((c) => c.bytes))).toString('utf8'));
  return [JSON.stringify(plain), ...decoded].join('\n');
}

/**
 * Which secrets appear in which sources, as "secret label in source label" — never the value, so a
 * failing assertion prints no secret. A value is looked for as it is and in base64 (how a
 * Kubernetes Secret or a basic-auth header would carry it).
 */
export function secretsFoundIn(secrets: Record<string, string>, sources: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [secretLabel, value] of Object.entries(secrets)) {
    const forms = [value, Buffer.from(value).toString('base64')];
    for (const [sourceLabel, text] of Object.entries(sources)) if (forms.some((form) => text.includes(form))) found.push(`${secretLabel} in ${sourceLabel}`);
  }
  return found;
}
