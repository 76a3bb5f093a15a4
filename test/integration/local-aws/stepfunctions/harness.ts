/**
 * The three local AWS services of the embedded default wired as `conveyor up` wires them, for
 * one test file: the local Lambda service running the catalog's real handlers (bundled), the
 * local Step Functions service running statemachines/ with its executions on disk, the local
 * EventBridge delivering to the catalog's rules; under them a table on the run's DynamoDB Local,
 * the local Secrets Manager and (when asked) the sandbox cluster. The handlers reach all of it
 * through the standard AWS_ENDPOINT_URL_<SERVICE> variables, with the real SDK clients.
 *
 * The harness is a PipelineHarness, so the pipeline fixtures seed through it; its `deps` are the
 * production adapters seen from the test (stores, secrets, and Workflows over the real
 * SFNClient against the local service), while the handlers build their own in the Lambda service.
 */
import '../../../support/quiet-powertools.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { inject } from 'vitest';
import { createDynamoDbStores } from '#adapters/dynamodb/index.ts';
import { EventBridgePublisher } from '#adapters/events/publisher.ts';
import { KubernetesClusterFactory } from '#adapters/kubernetes/cluster-factory.ts';
import { ShellScriptRunner } from '#adapters/kubernetes/script-runner.ts';
import { CachedSecrets } from '#adapters/secrets/cache.ts';
import { SecretsManagerStore } from '#adapters/secrets/secrets-manager.ts';
import { StepFunctionsWorkflows } from '#adapters/sfn/workflows.ts';
import { newId } from '#domain/pipeline/ids.ts';
import type { WorkflowName } from '#domain/pipeline/ports.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { CATALOG } from '#functions/catalog.ts';
import { DEFAULT_TASK_CONFIG } from '#functions/handlers/tasks/config.ts';
import { type EventsService, startEvents } from '../../../../local/aws/events/index.ts';
import { type LambdaService, startLambda } from '../../../../local/aws/lambda/index.ts';
import type { ExecutionRecord } from '../../../../local/aws/sfn/index.ts';
import { LOCAL_CREDENTIALS, type StepFunctionsService, startStepFunctions, stateMachineArn } from '../../../../local/aws/stepfunctions/index.ts';
import { interruptedDeploymentHook } from '../../../../local/interrupted-deployments.ts';
import { KUBECTL } from '../../../support/kubectl.ts';
import { type PipelineHarness, RecordingPublisher, TEST_TIME_SCALE, TEST_WATCH_SECONDS, TestConnector } from '../../../support/pipeline.ts';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox.ts';
import { createTestTable } from '../../dynamodb/helpers.ts';
import { REGION, startLocalSecrets } from '../secrets/helpers.ts';

export const ACCOUNT = '000000000000';
export const PIPELINE_BUS = 'conveyor';
export const SECRETS_PREFIX = 'conveyor/';
/** Quick delivery retries: the services answer in milliseconds. */
const DELIVERY_RETRY_MS = 50;

export type LocalAws = PipelineHarness & {
  lambda: LambdaService;
  /** The current Step Functions service (a new one after `restartStepFunctions`). */
  stepFunctions: StepFunctionsService;
  eventBridge: EventsService;
  sfnClient: SFNClient;
  eventsClient: EventBridgeClient;
  /** Executions the interrupted hook was told of, across restarts. */
  interrupted: ExecutionRecord[];
  /** Stops the Step Functions service as a crash would and starts it again on the same port and data directory. */
  restartStepFunctions(): Promise<StepFunctionsService>;
};

/** Everything a local-aws test runs on; `close()` stops it all. `sandbox: false` leaves the cluster out. */
export async function startLocalAws(options: { label: string; sandbox?: boolean }): Promise<LocalAws> {
  const [table, secrets, sandbox] = await Promise.all([createTestTable(options.label), startLocalSecrets(), options.sandbox === false ? Promise.resolve(undefined) : startTestSandbox()]);
  const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-sfn-'));
  const naming = { region: REGION, accountId: ACCOUNT };
  const arns = Object.fromEntries(CATALOG.stateMachines.map((spec) => [spec.name, stateMachineArn(spec.name, naming)])) as Record<WorkflowName, string>;
  const lambda = await startLambda({
    catalog: CATALOG,
    resources: { tableName: table.tableName, secretsPrefix: SECRETS_PREFIX, stateMachineArns: arns, eventBusName: PIPELINE_BUS },
    region: REGION,
    accountId: ACCOUNT,
    env: {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoDbEndpoint'),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.service.url,
      CHECK_WATCH_SECONDS: String(TEST_WATCH_SECONDS),
    },
  });
  const stores = createDynamoDbStores(table.client, { tableName: table.tableName });
  const clock = () => new Date();
  const interrupted: ExecutionRecord[] = [];
  const hook = interruptedDeploymentHook({ stores, clock }, arns.deployment);
  const startSfn = (port?: number) =>
    startStepFunctions({
      port,
      dataDir,
      catalog: CATALOG,
      lambdaEndpoint: lambda.url,
      region: REGION,
      accountId: ACCOUNT,
      timeScale: TEST_TIME_SCALE,
      onInterrupted: async (execution) => {
        interrupted.push(execution);
        await hook(execution);
      },
    });
  let stepFunctions = await startSfn();
  const eventBridge = await startEvents({ catalog: CATALOG, lambdaEndpoint: lambda.url, region: REGION, accountId: ACCOUNT, busName: PIPELINE_BUS, retryDelayMs: DELIVERY_RETRY_MS });
  lambda.setEnvironment({ AWS_ENDPOINT_URL_SFN: stepFunctions.url, AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url });

  const client = { region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
  const sfnClient = new SFNClient({ ...client, endpoint: stepFunctions.url });
  const eventsClient = new EventBridgeClient({ ...client, endpoint: eventBridge.url });
  const store = new SecretsManagerStore(secrets.client);
  const connector = new TestConnector(new KubernetesClusterFactory());
  const deps: TaskDeps = {
    stores,
    secrets: store,
    secretValues: new CachedSecrets(store),
    workflows: new StepFunctionsWorkflows(sfnClient, arns),
    events: new EventBridgePublisher(eventsClient, PIPELINE_BUS),
    clock,
    newId: () => newId(clock()),
    clusters: connector,
    scripts: new ShellScriptRunner({ kubectlPath: KUBECTL }),
    config: { ...DEFAULT_TASK_CONFIG, checkWatchSeconds: TEST_WATCH_SECONDS },
  };
  return {
    get runner() {
      return stepFunctions.runner;
    },
    get stepFunctions() {
      return stepFunctions;
    },
    deps,
    table,
    secrets,
    // Tests that leave the cluster out use no fixture that needs it.
    sandbox: sandbox as TestSandbox,
    // Unused: the handlers publish to the local EventBridge (`eventBridge.events()`).
    events: new RecordingPublisher(),
    connector,
    arns,
    invocations: [],
    lambda,
    eventBridge,
    sfnClient,
    eventsClient,
    interrupted,
    async restartStepFunctions() {
      const port = Number(new URL(stepFunctions.url).port);
      await stepFunctions.close();
      stepFunctions = await startSfn(port);
      return stepFunctions;
    },
    async close() {
      sfnClient.destroy();
      eventsClient.destroy();
      await Promise.allSettled([eventBridge.close(), stepFunctions.close()]);
      await lambda.close();
      await Promise.allSettled([table.drop(), secrets.close(), sandbox?.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
