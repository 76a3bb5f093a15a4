/**
 * The local stack behind `conveyor up`: every piece of the embedded default
 * (docs/architecture.md) started in this process, wired as the CDK stack wires them on AWS, with
 * its data on disk under one directory (`.conveyor` by default):
 *
 * | service          | what                                                        | data                  |
 * |------------------|-------------------------------------------------------------|-----------------------|
 * | dynamodb         | DynamoDB Local (java child), `-sharedDb`, the pipeline table | dynamodb/             |
 * | sandbox          | the sandbox Kubernetes cluster (https, port 6443 by default) | sandbox/data, sandbox/kubeconfig |
 * | secretsmanager   | local Secrets Manager (values sealed at rest)              | secrets/              |
 * | lambda           | the catalog's functions, bundled on first use              | —                     |
 * | stepfunctions    | statemachines/ on the local runner, executions on disk     | stepfunctions/        |
 * | eventbridge      | PutEvents and the catalog's rules (ECR pushes → releases)  | —                     |
 * | api              | the HTTP API, SigV4 against the demo users' keys           | credentials (0600)    |
 *
 * Startup order follows what each piece needs: DynamoDB, the sandbox and Secrets Manager first
 * (in parallel: java takes the longest), then the table and the demo users' role bindings, then
 * Lambda (its environment names the state machines before they exist, as the stack's does),
 * Step Functions (whose restart hook settles interrupted deployments through the stores before
 * it listens), EventBridge, and the API last, when everything behind it answers. Each service is
 * probed for health as it comes up. `close()` stops them in the reverse order.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbStores, DOCUMENT_CLIENT_CONFIG } from '#adapters/dynamodb/index.ts';
import type { PipelineStores } from '#domain/pipeline/ports.ts';
import { CATALOG } from '#functions/catalog.ts';
import { type SandboxHandle, startSandbox } from '#sandbox/sandbox.ts';
import { type DemoCredential, demoUsers, loadOrCreateDemoCredentials, principalsOf } from '../aws/api-gateway/credentials.ts';
import { type Invoke, LOCAL_ACCOUNT, startApiGateway } from '../aws/api-gateway/server.ts';
import { DEFAULT_PIPELINE_BUS, type EventsService, startEvents } from '../aws/events/index.ts';
import { startLambda, stateMachineArnVariable } from '../aws/lambda/index.ts';
import { startSecretsManager } from '../aws/secrets-manager/server.ts';
import type { JsonValue, LambdaInvoker } from '../aws/sfn/types.ts';
import { LOCAL_CREDENTIALS, lambdaServiceInvoker, localLambdaClient, startStepFunctions, stateMachineArn } from '../aws/stepfunctions/index.ts';
import { interruptedDeploymentHook } from '../interrupted-deployments.ts';
import { ensureTable, localDynamoDbClient, startDynamoDbLocal } from './dynamodb.ts';
import { routeFunctionLogs } from './function-logs.ts';
import { apiProbe, dynamoDbProbe, eventsProbe, healthy, lambdaProbe, sandboxProbe, secretsProbe, stepFunctionsProbe } from './health.ts';
import { requireJava } from './java.ts';
import { type LocalEnvValues, writeLocalEnv } from './local-env.ts';
import { lockDataDirectory } from './lock.ts';
import { seedRoleBindings } from './seed.ts';

export const SERVICES = ['dynamodb', 'sandbox', 'secretsmanager', 'lambda', 'stepfunctions', 'eventbridge', 'api'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Where things go under the data directory. */
export const LAYOUT = {
  dynamodb: 'dynamodb',
  sandboxData: join('sandbox', 'data'),
  kubeconfig: join('sandbox', 'kubeconfig'),
  secrets: 'secrets',
  stepFunctions: 'stepfunctions',
  credentials: 'credentials',
  localEnv: 'local.env',
  functionLogs: join('logs', 'functions.log'),
} as const;

export const DEFAULT_DATA_DIR = '.conveyor';
/** Today's sandbox port (kubeconfigs written before keep working). */
export const DEFAULT_SANDBOX_PORT = 6443;
export const LOCAL_REGION = 'us-east-1';
/** The stand-ins of the stack's resources. */
export const TABLE_NAME = 'conveyor';
export const SECRETS_PREFIX = 'conveyor/';
/** The profile local.env signs with; the others are a `--profile` (or AWS_PROFILE) away. */
export const DEFAULT_PROFILE = 'admin';

export type LocalStackOptions = {
  /** Everything the stack keeps (default `.conveyor`). */
  dataDir?: string;
  /** Fixed ports; a service left out (or 0) gets a free one, except the sandbox (6443). */
  ports?: Partial<Record<ServiceName, number>>;
  /** Told of each service once it is healthy, in start order. */
  onService?: (status: ServiceStatus) => void;
  /** Where the services report what needs a person's eye (a failing background delivery). */
  log?: (line: string) => void;
  /** false: the functions' logs stay on this process's stdout (tests); by default they go to logs/functions.log. */
  functionLogs?: false;
};

/** A service that is up: `ms` since the stack's start. */
export type ServiceStatus = { name: ServiceName; url: string; detail: string; ms: number };

export type LocalStack = {
  dataDir: string;
  region: string;
  accountId: string;
  urls: Record<ServiceName, string>;
  /** The variables of local.env, and the file's text. */
  envValues: LocalEnvValues;
  env: string;
  localEnvFile: string;
  credentialsFile: string;
  kubeconfig: string;
  /** Where the functions' logs go (function-logs.ts), when they go to a file. */
  functionLogFile?: string;
  /** The demo users and their keys (never to be printed). */
  users: DemoCredential[];
  /** The pipeline's stores on DynamoDB Local, as the functions have them. */
  stores: PipelineStores;
  sandbox: SandboxHandle;
  events: EventsService;
  /** DynamoDB Local's java process. */
  javaPid: number;
  /** Stops everything in the reverse order of the start; safe to call twice. */
  close(): Promise<void>;
};

type Stopper = { name: string; stop: () => Promise<void> | void };

/** Starts the stack; on any failure what had started is stopped again before the error is thrown. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const ports = options.ports ?? {};
  const region = LOCAL_REGION;
  const accountId = LOCAL_ACCOUNT;
  const path = (relative: string) => join(dataDir, relative);
  const stoppers: Stopper[] = [];
  // One piece failing to stop must not keep the others running: it is reported, the rest go on.
  const stopAll = async () => {
    for (const { name, stop } of stoppers.splice(0).reverse()) await Promise.resolve(stop()).catch((error: Error) => options.log?.(`stopping ${name} failed: ${error.message}`));
  };
  const urls = {} as Record<ServiceName, string>;
  const started = Date.now();
  const up = async (name: ServiceName, url: string, probe: () => Promise<string>) => {
    urls[name] = url;
    const detail = await healthy(probe);
    options.onService?.({ name, url, detail, ms: Date.now() - started });
  };

  // Before anything starts or is written: without Java there is no stack, and the message says what to install.
  requireJava();
  const lock = lockDataDirectory(ensureDirectory(dataDir));
  stoppers.push({ name: 'lock', stop: () => lock.release() });
  try {
    // Registered to be stopped as each one starts: a failure of another leaves none running unregistered.
    const tracked = <T>(name: string, start: Promise<T>, stop: (value: T) => Promise<void>) =>
      start.then((value) => {
        stoppers.push({ name, stop: () => stop(value) });
        return value;
      });
    const [dynamoDb, sandbox, secrets] = fulfilled(
      await Promise.allSettled([
        tracked('dynamodb', startDynamoDbLocal({ dataDir: path(LAYOUT.dynamodb), port: ports.dynamodb }), (d) => d.stop()),
        tracked('sandbox', startSandbox({ port: ports.sandbox ?? DEFAULT_SANDBOX_PORT, dataDir: path(LAYOUT.sandboxData), kubeconfigPath: path(LAYOUT.kubeconfig) }), (s) => s.close()),
        tracked('secretsmanager', startSecretsManager({ port: ports.secretsmanager, dataDir: path(LAYOUT.secrets), region }), (s) => s.close()),
      ] as const),
    );

    const dynamo = localDynamoDbClient(dynamoDb.endpoint, region);
    stoppers.push({ name: 'dynamodb client', stop: () => dynamo.destroy() });
    await ensureTable(dynamo, TABLE_NAME);
    await up('dynamodb', dynamoDb.endpoint, dynamoDbProbe(dynamo, TABLE_NAME));
    await up('sandbox', sandbox.url, sandboxProbe(sandbox.url, sandbox.caPem, sandbox.credentials.adminToken));
    await up('secretsmanager', secrets.url, secretsProbe(secrets.url, region));

    const stores = createDynamoDbStores(DynamoDBDocumentClient.from(dynamo, DOCUMENT_CLIENT_CONFIG), { tableName: TABLE_NAME });
    const users = loadOrCreateDemoCredentials(path(LAYOUT.credentials), demoUsers(accountId));
    await seedRoleBindings(stores, users);

    const logs = options.functionLogs === false ? undefined : routeFunctionLogs(path(LAYOUT.functionLogs));
    if (logs) stoppers.push({ name: 'function logs', stop: logs.close });
    const naming = { region, accountId };
    const arns = Object.fromEntries(CATALOG.stateMachines.map((spec) => [spec.name, stateMachineArn(spec.name, naming)]));
    const lambda = await startLambda({
      port: ports.lambda,
      catalog: CATALOG,
      resources: { tableName: TABLE_NAME, secretsPrefix: SECRETS_PREFIX, stateMachineArns: arns, eventBusName: DEFAULT_PIPELINE_BUS },
      region,
      accountId,
      env: functionSettings(region, dynamoDb.endpoint, secrets.url, logs !== undefined),
      log: options.log,
    });
    stoppers.push({ name: 'lambda', stop: lambda.close });
    await up('lambda', lambda.url, lambdaProbe(lambda.url, region));

    const stepFunctions = await startStepFunctions({
      port: ports.stepfunctions,
      dataDir: path(LAYOUT.stepFunctions),
      catalog: CATALOG,
      lambdaEndpoint: lambda.url,
      region,
      accountId,
      onInterrupted: interruptedDeploymentHook({ stores, clock: () => new Date() }, arns.deployment!),
      log: options.log,
    });
    stoppers.push({ name: 'stepfunctions', stop: stepFunctions.close });
    await up('stepfunctions', stepFunctions.url, stepFunctionsProbe(stepFunctions.url, region, stepFunctions.recovery.interrupted.length));

    const events = await startEvents({ port: ports.eventbridge, catalog: CATALOG, lambdaEndpoint: lambda.url, busName: DEFAULT_PIPELINE_BUS, region, accountId });
    stoppers.push({ name: 'eventbridge', stop: events.close });
    // Before the first invocation: functions read their environment at their cold start.
    lambda.setEnvironment({ AWS_ENDPOINT_URL_SFN: stepFunctions.url, AWS_ENDPOINT_URL_EVENTBRIDGE: events.url });
    await up('eventbridge', events.url, eventsProbe(events.url, CATALOG.eventRules.length));

    const apiLambda = localLambdaClient(lambda.url, region);
    stoppers.push({ name: 'api lambda client', stop: () => apiLambda.destroy() });
    const gateway = await startApiGateway({ port: ports.api, routes: CATALOG.routes, invoke: gatewayInvoke(lambdaServiceInvoker(apiLambda)), principals: principalsOf(users), region, accountId });
    stoppers.push({ name: 'api', stop: gateway.close });
    const admin = users.find((u) => u.profile === DEFAULT_PROFILE)!;
    await up('api', gateway.url, apiProbe(gateway.url, region, admin));

    const kubeconfig = path(LAYOUT.kubeconfig);
    const credentialsFile = path(LAYOUT.credentials);
    const localEnvFile = path(LAYOUT.localEnv);
    const envValues = localEnvironment({ urls, region, credentialsFile, kubeconfig, arns });
    const env = writeLocalEnv(localEnvFile, envValues);

    let closing: Promise<void> | undefined;
    return {
      dataDir,
      region,
      accountId,
      urls,
      envValues,
      env,
      localEnvFile,
      credentialsFile,
      kubeconfig,
      ...(logs ? { functionLogFile: logs.path } : {}),
      users,
      stores,
      sandbox,
      events,
      javaPid: dynamoDb.pid,
      close: () => (closing ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The API Gateway's invoke over the Lambda service's invoker: an event is JSON like any payload. */
function gatewayInvoke(invoker: LambdaInvoker): Invoke {
  return (functionName, event) => invoker(functionName, event as unknown as JsonValue);
}

function ensureDirectory(dir: string): string {
  // Owner-only: it holds the credentials file, the sandbox's CA key and the secrets' key.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The values of settled starts, or the first failure (after all settled, so every started piece is registered). */
function fulfilled<T extends readonly PromiseSettledResult<unknown>[]>(results: T): { -readonly [K in keyof T]: T[K] extends PromiseSettledResult<infer V> ? V : never } {
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as never;
}

/**
 * What every function gets besides its catalog variables: the endpoints of the local services
 * (the SDK's standard AWS_ENDPOINT_URL_<SERVICE>), the region, and credentials to sign with (the
 * local services do not check them; on AWS the function's role gives them). Metrics and traces
 * are off (there is no CloudWatch or X-Ray to take them); with `logsToFile`, POWERTOOLS_DEV makes
 * Powertools log through the global console, which function-logs.ts points at the log file.
 */
function functionSettings(region: string, dynamoDbEndpoint: string, secretsEndpoint: string, logsToFile: boolean): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    ...(logsToFile ? { POWERTOOLS_DEV: 'true' } : {}),
  };
}

/** local.env's variables: the SDK's and the AWS CLI's endpoint variables, credentials, the API, kubectl's config. */
function localEnvironment(input: { urls: Record<ServiceName, string>; region: string; credentialsFile: string; kubeconfig: string; arns: Record<string, string> }): LocalEnvValues {
  const { urls } = input;
  return {
    AWS_ENDPOINT_URL_DYNAMODB: urls.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: urls.secretsmanager,
    AWS_ENDPOINT_URL_LAMBDA: urls.lambda,
    AWS_ENDPOINT_URL_SFN: urls.stepfunctions,
    AWS_ENDPOINT_URL_EVENTBRIDGE: urls.eventbridge,
    AWS_REGION: input.region,
    // The AWS CLI v1 (Debian's awscli) reads only this one.
    AWS_DEFAULT_REGION: input.region,
    AWS_SHARED_CREDENTIALS_FILE: input.credentialsFile,
    AWS_PROFILE: DEFAULT_PROFILE,
    CONVEYOR_API_URL: urls.api,
    KUBECONFIG: input.kubeconfig,
    // Names the AWS CLI commands of the README use: the table and the state machines.
    CONVEYOR_TABLE_NAME: TABLE_NAME,
    ...Object.fromEntries(Object.entries(input.arns).map(([name, arn]) => [`CONVEYOR_${stateMachineArnVariable(name)}`, arn])),
  };
}
