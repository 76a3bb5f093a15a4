/**
 * Both state machines running from their ASL files on the local runner (local/aws/sfn), with
 * the real task handlers behind every Task: each handler module's `createHandler(deps)` is
 * called in-process with a Lambda-like context (its remaining time follows the catalog's
 * timeout) and the payload through JSON, and a thrown error reaches the runner as Lambda reports
 * it (name = errorType), so Retry and Catch see what they would on AWS.
 *
 * The deps are the production adapters on local services: the DynamoDB stores on a table of
 * the run's DynamoDB Local, the Secrets Manager store on the local service (real SDK), the
 * Kubernetes adapter against the sandbox cluster, kubectl from .tools/bin; plus Workflows over
 * the runner and a recording EventPublisher. `${Placeholders}` are filled from the catalog, as
 * the CDK stack does.
 */
import './quiet-powertools.ts';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { createDynamoDbStores } from '#adapters/dynamodb/index.ts';
import { KubernetesClusterFactory } from '#adapters/kubernetes/cluster-factory.ts';
import { ShellScriptRunner } from '#adapters/kubernetes/script-runner.ts';
import { CachedSecrets } from '#adapters/secrets/cache.ts';
import { SecretsManagerStore } from '#adapters/secrets/secrets-manager.ts';
import type { Deadline } from '#domain/deadline.ts';
import type { Target } from '#domain/model.ts';
import { DuplicateError, InvalidStateError } from '#domain/pipeline/errors.ts';
import { newId } from '#domain/pipeline/ids.ts';
import type { EventPublisher, PipelineEventType, WorkflowName, Workflows } from '#domain/pipeline/ports.ts';
import type { ClusterConnector, ConnectedCluster, ScriptKubeconfig, TaskConfig, TaskDeps } from '#functions/app/tasks/ports.ts';
import { CATALOG, type FunctionSpec } from '#functions/catalog.ts';
import { DEFAULT_TASK_CONFIG } from '#functions/handlers/tasks/config.ts';
import { ExecutionRunner, type JsonValue, lambdaFunctionName, StepFunctionsApiError } from '#local/aws/sfn/index.ts';
import { createTestTable, type TestTable } from '../integration/dynamodb/helpers.ts';
import { type LocalSecrets, startLocalSecrets } from '../integration/local-aws/secrets/helpers.ts';
import { KUBECTL } from './kubectl.ts';
import { startTestSandbox, type TestSandbox } from './sandbox.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The catalog's default Lambda timeout. */
const DEFAULT_TIMEOUT_SECONDS = 30;
const DEFAULT_MEMORY_MB = 256;
const MS_PER_SECOND = 1000;
/** Quick client retries and watch fallbacks: the sandbox answers in milliseconds. */
const FAST_CLIENT = { retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 }, watch: { pollIntervalMs: 100 } };
/** State-machine time runs 100× faster: a 30 s Wait takes 0.3 s, a 2 s Retry interval 20 ms. */
export const TEST_TIME_SCALE = 1 / 100;
/** Checks watch 2 s (real time) in tests: the sandbox's rollouts take a fraction of that. */
export const TEST_WATCH_SECONDS = 2;

/** One recorded EventBridge event. */
export type PublishedEvent = { type: PipelineEventType; detail: Record<string, unknown> };

export class RecordingPublisher implements EventPublisher {
  readonly published: PublishedEvent[] = [];
  async publish(type: PipelineEventType, detail: Record<string, unknown>): Promise<void> {
    this.published.push({ type, detail: JSON.parse(JSON.stringify(detail)) });
  }
  of(deploymentId: string): PipelineEventType[] {
    return this.published.filter((e) => e.detail.deploymentId === deploymentId).map((e) => e.type);
  }
}

/** The Workflows port over the runner, with the errors StepFunctionsWorkflows maps to. */
export class RunnerWorkflows implements Workflows {
  constructor(
    private readonly runner: ExecutionRunner,
    private readonly arns: Record<WorkflowName, string>,
  ) {}

  async start(workflow: WorkflowName, name: string, input: Record<string, unknown>): Promise<{ executionArn: string }> {
    try {
      return { executionArn: (await this.runner.start(this.arns[workflow], JSON.stringify(input), name)).executionArn };
    } catch (error) {
      if (error instanceof StepFunctionsApiError && error.name === 'ExecutionAlreadyExists') throw new DuplicateError(`execution ${name}`, 'was started already with another input');
      throw error;
    }
  }

  async sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void> {
    this.#answer(() => this.runner.sendTaskSuccess(taskToken, JSON.stringify(output)));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    this.#answer(() => this.runner.sendTaskFailure(taskToken, error, cause));
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    if (this.runner.describe(executionArn).status === 'RUNNING') await this.runner.stop(executionArn, undefined, cause);
  }

  #answer(send: () => void): void {
    try {
      send();
    } catch (error) {
      if (error instanceof StepFunctionsApiError) throw new InvalidStateError('the waiting task', `is no longer waiting (${error.name})`);
      throw error;
    }
  }
}

/**
 * The production connector with a switch for tests: the next `n` connects fail with a given
 * error (a transient cluster fault), and every connect and kubeconfig is counted.
 */
export class TestConnector implements ClusterConnector {
  readonly #inner: ClusterConnector;
  #failures: { remaining: number; error: () => Error } | undefined;
  connects = 0;

  constructor(inner: ClusterConnector) {
    this.#inner = inner;
  }

  failNext(count: number, error: () => Error): void {
    this.#failures = { remaining: count, error };
  }

  async connect(target: Target, deadline: Deadline): Promise<ConnectedCluster> {
    this.connects += 1;
    if (this.#failures && this.#failures.remaining > 0) {
      this.#failures.remaining -= 1;
      throw this.#failures.error();
    }
    return this.#inner.connect(target, deadline);
  }

  kubeconfig(target: Target): Promise<ScriptKubeconfig> {
    return this.#inner.kubeconfig(target);
  }
}

/** One task invocation as the harness saw it. */
export type Invocation = { functionName: string; payload: unknown; result?: unknown; error?: string; ms?: number };

export type PipelineHarness = {
  runner: ExecutionRunner;
  deps: TaskDeps;
  table: TestTable;
  secrets: LocalSecrets;
  sandbox: TestSandbox;
  events: RecordingPublisher;
  connector: TestConnector;
  arns: Record<WorkflowName, string>;
  invocations: Invocation[];
  close(): Promise<void>;
};

export type HarnessOptions = { label: string; config?: Partial<TaskConfig>; timeScale?: number };

/** Everything a pipeline test runs on; `close()` stops it all. */
export async function startPipeline(options: HarnessOptions): Promise<PipelineHarness> {
  const [table, secrets, sandbox] = await Promise.all([createTestTable(options.label), startLocalSecrets(), startTestSandbox()]);
  const store = new SecretsManagerStore(secrets.client);
  const events = new RecordingPublisher();
  const connector = new TestConnector(new KubernetesClusterFactory({ client: FAST_CLIENT }));
  const invocations: Invocation[] = [];
  const clock = () => new Date();
  const base: Omit<TaskDeps, 'workflows'> = {
    // The real clock (locks, leases, timestamps): the runner scales only its own waits.
    stores: createDynamoDbStores(table.client, { tableName: table.tableName }),
    secrets: store,
    secretValues: new CachedSecrets(store),
    events,
    clock,
    newId: () => newId(clock()),
    clusters: connector,
    scripts: new ShellScriptRunner({ kubectlPath: KUBECTL }),
    config: { ...DEFAULT_TASK_CONFIG, checkWatchSeconds: TEST_WATCH_SECONDS, ...options.config },
  };
  // The handlers get the deps at their first invocation, when Workflows (over the runner) exists.
  let deps: TaskDeps | undefined;
  const runner = new ExecutionRunner({ invoker: lambdaInvoker(() => deps!, invocations), timeScale: options.timeScale ?? TEST_TIME_SCALE });
  const arns = registerStateMachines(runner);
  deps = { ...base, workflows: new RunnerWorkflows(runner, arns) };
  return {
    runner,
    deps,
    table,
    secrets,
    sandbox,
    events,
    connector,
    arns,
    invocations,
    async close() {
      await Promise.allSettled([table.drop(), secrets.close(), sandbox.close()]);
    },
  };
}

/** Registers both state machines with their `${Placeholders}` filled from the catalog, referenced machines first. */
export function registerStateMachines(runner: ExecutionRunner): Record<WorkflowName, string> {
  const arns: Record<string, string> = {};
  const pending = [...CATALOG.stateMachines];
  while (pending.length) {
    const index = pending.findIndex((spec) => Object.values(spec.stateMachines ?? {}).every((name) => arns[name]));
    if (index < 0) throw new Error(`state machines reference each other in a cycle: ${pending.map((s) => s.name).join(', ')}`);
    const [spec] = pending.splice(index, 1);
    const definition = fillPlaceholders(readFileSync(join(ROOT, spec!.file), 'utf8'), {
      ...spec!.functions,
      ...Object.fromEntries(Object.entries(spec!.stateMachines ?? {}).map(([key, name]) => [key, arns[name]!])),
    });
    arns[spec!.name] = runner.register({ name: spec!.name, definition }).stateMachineArn;
  }
  return arns as Record<WorkflowName, string>;
}

/** The ASL text with every `${Name}` replaced; a placeholder without a value is an error, as in CDK. */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for the placeholder \${${name}}`);
    return value;
  });
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** The runner's invoker: the catalog's function by name, its handler made once with `deps`. */
function lambdaInvoker(deps: () => TaskDeps, invocations: Invocation[]) {
  const handlers = new Map<string, Promise<{ handler: Handler; spec: FunctionSpec }>>();
  const load = (name: string) => {
    let loaded = handlers.get(name);
    if (!loaded) {
      const spec = CATALOG.functions.find((f) => f.name === name);
      if (!spec) throw Object.assign(new Error(`Function not found: ${name}`), { name: 'Lambda.ResourceNotFoundException' });
      loaded = import(pathToFileURL(join(ROOT, spec.entry)).href).then((module: { createHandler: (deps: () => TaskDeps) => Handler }) => ({ handler: module.createHandler(deps), spec }));
      handlers.set(name, loaded);
    }
    return loaded;
  };
  return async (functionName: string, payload: JsonValue): Promise<JsonValue> => {
    const name = lambdaFunctionName(functionName);
    const { handler, spec } = await load(name);
    const record: Invocation = { functionName: name, payload };
    invocations.push(record);
    const started = Date.now();
    try {
      const result = await handler(JSON.parse(JSON.stringify(payload)), lambdaContext(spec));
      record.ms = Date.now() - started;
      record.result = JSON.parse(JSON.stringify(result ?? null));
      return JSON.parse(JSON.stringify(result ?? null)) as JsonValue;
    } catch (error) {
      record.ms = Date.now() - started;
      // What Lambda reports: errorType and errorMessage (the handler already shaped them).
      const reported = new Error((error as Error).message);
      reported.name = (error as Error).name;
      record.error = reported.name;
      throw reported;
    }
  };
}

/** A Lambda context whose remaining time counts down from the function's timeout. */
function lambdaContext(spec: FunctionSpec): Context {
  const timeoutMs = (spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * MS_PER_SECOND;
  const endsAt = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: spec.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${spec.name}`,
    memoryLimitInMB: String(spec.memoryMb ?? DEFAULT_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: requestId,
    getRemainingTimeInMillis: () => Math.max(0, endsAt - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
