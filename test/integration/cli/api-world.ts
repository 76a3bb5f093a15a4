/**
 * What the CLI's API command tests share: the real HTTP handlers in-process (their stores on a
 * table of their own on DynamoDB Local, the local Secrets Manager, recording fakes of Step
 * Functions and of Conveyor's event publisher, a fake cluster probe) behind the local API
 * Gateway, which verifies SigV4 against demo credentials written to a shared-credentials file;
 * the local EventBridge with the image-push rule delivering to the real on-image-push handler;
 * and `conveyor(args, { as })`, which runs the CLI as a process signing as a profile of that
 * file — with no other AWS setting of this machine in its environment.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerStore } from '#adapters/secrets/secrets-manager.ts';
import { FakeClusterProbe } from '#domain/pipeline/fake-cluster-probe.ts';
import { FakeEvents, FakeWorkflows } from '#domain/pipeline/fake-workflows.ts';
import { newId } from '#domain/pipeline/ids.ts';
import type { Role } from '#domain/pipeline/model.ts';
import { ROUTE_TABLES } from '#functions/api/routes.ts';
import type { AppDeps } from '#functions/app/context.ts';
import { CATALOG } from '#functions/catalog.ts';
import { imagePushHandler } from '#functions/handlers/events/on-image-push.ts';
import { httpHandler } from '#functions/handlers/http/router.ts';
import { type DemoCredential, demoUsers, generateDemoCredentials, principalsOf, writeCredentialsFile } from '#local/aws/api-gateway/credentials.ts';
import { type ApiGatewayService, LOCAL_ACCOUNT, startApiGateway } from '#local/aws/api-gateway/server.ts';
import { type EventsService, startEvents } from '#local/aws/events/index.ts';
import { lambdaContext } from '../../support/api-events.ts';
import { type ConveyorRun, runConveyor } from '../../support/conveyor.ts';
import { createTestTable, type TestTable } from '../dynamodb/helpers.ts';
import { type LocalSecrets, startLocalSecrets } from '../local-aws/secrets/helpers.ts';

export const REGION = 'eu-west-1';
export type Profile = 'admin' | 'release-manager' | 'approver' | 'auditor';
/** The role each demo user is bound to. */
const ROLE_OF: Record<Profile, Role> = { admin: 'Admin', 'release-manager': 'ReleaseManager', approver: 'Approver', auditor: 'Auditor' };
/** Who the pipeline's own actions (image pushes) are recorded as. */
export const PIPELINE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/conveyor-pipeline`;

export type RunOptions = { as?: Profile; stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string };

export type CliWorld = {
  table: TestTable;
  secrets: SecretsManagerStore;
  workflows: FakeWorkflows;
  probe: FakeClusterProbe;
  deps: AppDeps;
  gateway: ApiGatewayService;
  events: EventsService;
  users: Record<Profile, DemoCredential>;
  /** A directory of the test's own (files, kubeconfigs); the CLI runs there, so no .conveyor/local.env applies. */
  dir: string;
  /** The environment the CLI runs with: only what points it at this world and signs as `profile`. */
  environment(profile?: Profile): NodeJS.ProcessEnv;
  conveyor(args: string[], options?: RunOptions): Promise<ConveyorRun>;
  close(): Promise<void>;
};

/** This machine's environment without anything that would point the CLI elsewhere. */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && name !== 'CONVEYOR_API_URL' && name !== 'KUBECONFIG'));
}

export async function createCliWorld(label: string): Promise<CliWorld> {
  const table = await createTestTable(label);
  const local: LocalSecrets = await startLocalSecrets();
  const secrets = new SecretsManagerStore(local.client, { prefix: `conveyor-${randomBytes(3).toString('hex')}/` });
  const workflows = new FakeWorkflows();
  const probe = new FakeClusterProbe();
  const deps: AppDeps = { stores: table.stores, secrets, workflows, events: new FakeEvents(), clock: () => new Date(), newId: () => newId(), clusterProbe: probe };
  const handlers = Object.fromEntries(Object.entries(ROUTE_TABLES).map(([name, routes]) => [name, httpHandler(routes, () => deps)]));
  const onImagePush = imagePushHandler(
    () => deps,
    () => PIPELINE_ARN,
  );

  const credentials = generateDemoCredentials(demoUsers());
  for (const user of credentials) await table.stores.roles.create({ principalArn: user.principalArn, roles: [{ role: ROLE_OF[user.profile as Profile] }] });
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-cli-api-'));
  const credentialsFile = join(dir, 'aws', 'credentials');
  const configFile = join(dir, 'aws', 'config');
  writeCredentialsFile(credentialsFile, credentials);
  // An empty config file: the SDK must not read this machine's ~/.aws/config.
  writeFileSync(configFile, '');

  const gateway = await startApiGateway({ routes: CATALOG.routes, principals: principalsOf(credentials), region: REGION, invoke: (name, event) => handlers[name]!(event, lambdaContext(name)) });
  const events = await startEvents({
    catalog: CATALOG,
    region: REGION,
    invoker: async (name, payload) => JSON.parse(JSON.stringify((await onImagePush(payload, lambdaContext(name))) ?? null)),
  });

  const environment = (profile?: Profile): NodeJS.ProcessEnv => ({
    ...cleanEnvironment(),
    CONVEYOR_API_URL: gateway.url,
    AWS_REGION: REGION,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_CONFIG_FILE: configFile,
    AWS_ENDPOINT_URL_EVENTBRIDGE: events.url,
    // No instance metadata on a test machine: the chain must not wait for it.
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(profile ? { AWS_PROFILE: profile } : {}),
  });

  return {
    table,
    secrets,
    workflows,
    probe,
    deps,
    gateway,
    events,
    users: Object.fromEntries(credentials.map((c) => [c.profile, c])) as Record<Profile, DemoCredential>,
    dir,
    environment,
    conveyor: (args, options = {}) =>
      runConveyor(args, { env: options.env ?? environment(options.as ?? 'admin'), cwd: options.cwd ?? dir, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) }),
    async close() {
      await gateway.close();
      await events.close();
      await local.close();
      await table.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a test shows when a run did not do what it expected. */
export const shown = (run: ConveyorRun) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** Every secret the demo users have, to check no output holds one. */
export const secretsOf = (world: CliWorld) => Object.values(world.users).map((u) => u.secretAccessKey);
