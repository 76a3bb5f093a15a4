/**
 * The local Step Functions service: an HTTP server on 127.0.0.1 speaking the SFN JSON 1.0
 * protocol (`X-Amz-Target: AWSStepFunctions.<Operation>`), so the real SDK client and the AWS
 * CLI, pointed at it through AWS_ENDPOINT_URL_SFN, work unchanged. Behind it the execution
 * runner (local/aws/sfn) runs the ASL files of statemachines/ unchanged on the
 * aws-local-stepfunctions engine, its Lambda Tasks calling the local Lambda service through the
 * real Lambda client (lambda-invoker.ts).
 *
 * With a data directory, executions and their histories are kept on disk (sfn/disk-store.ts):
 * they survive a restart, and those that were running when the service stopped are reported
 * FAILED, "interrupted by restart" (recovery.ts), after the caller's hook has settled what they
 * would have settled. Without one, they live in memory.
 */
import type { Catalog } from '#functions/catalog.ts';
import { DEFAULT_LOCAL_REGION, LOCAL_ACCOUNT } from '../defaults.ts';
import { functionArn } from '../lambda/invocation.ts';
import { DiskExecutionStore } from '../sfn/disk-store.ts';
import { ExecutionRunner } from '../sfn/runner.ts';
import { type ExecutionStore, InMemoryExecutionStore } from '../sfn/store.ts';
import type { LambdaInvoker } from '../sfn/types.ts';
import { jsonProtocolHandler, listen } from './json-protocol.ts';
import { lambdaServiceInvoker, localLambdaClient } from './lambda-invoker.ts';
import { operations } from './operations.ts';
import { type InterruptedHook, type Recovery, recoverInterrupted } from './recovery.ts';
import { registerCatalogStateMachines, type StateMachineInfo } from './state-machines.ts';

export type StepFunctionsOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where executions are kept; in memory when absent. */
  dataDir?: string;
  catalog: Catalog;
  /** The local Lambda service's URL, for Lambda Tasks (or `invoker`). */
  lambdaEndpoint?: string;
  /** Calls functions directly instead of through a Lambda service (tests of the runner). */
  invoker?: LambdaInvoker;
  region?: string;
  accountId?: string;
  /** Real milliseconds per millisecond of state-machine time (docs/local-step-functions.md, "Time"). */
  timeScale?: number;
  /** Told of each execution a restart interrupted, before it is reported FAILED (recovery.ts). */
  onInterrupted?: InterruptedHook;
  /** Where the service reports what needs a person's eye (a failing hook); silent by default. */
  log?: (line: string) => void;
};

export type StepFunctionsService = {
  /** http://127.0.0.1:<port>, the value for AWS_ENDPOINT_URL_SFN. */
  url: string;
  region: string;
  accountId: string;
  runner: ExecutionRunner;
  /** The state machines' ARNs by catalog name (`deployment`), for the functions' environment. */
  stateMachineArns: Record<string, string>;
  /** What the start found interrupted. */
  recovery: Recovery;
  /**
   * Stops the service. Running executions are left as a process exit leaves them: RUNNING on
   * disk, reported FAILED by the next start with the same data directory.
   */
  close(): Promise<void>;
};

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** Far above the largest valid request (a 256 KiB input, JSON-escaped). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Starts the service: the state machines registered, interrupted executions settled, then listening. */
export async function startStepFunctions(options: StepFunctionsOptions): Promise<StepFunctionsService> {
  const region = options.region ?? DEFAULT_LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT;
  if (!options.invoker && !options.lambdaEndpoint) throw new Error('startStepFunctions needs a lambdaEndpoint or an invoker for its Lambda Tasks');
  const lambdaClient = options.invoker ? undefined : localLambdaClient(options.lambdaEndpoint!, region);
  const invoker = options.invoker ?? lambdaServiceInvoker(lambdaClient!);
  const disk = options.dataDir ? new DiskExecutionStore(options.dataDir) : undefined;
  const store: ExecutionStore = disk ?? new InMemoryExecutionStore();
  const runner = new ExecutionRunner({ invoker, timeScale: options.timeScale, region, accountId, store });
  const byName = registerCatalogStateMachines(runner, options.catalog, { region, accountId, functionArn: (name) => functionArn(name, region, accountId) });
  const machines = new Map<string, StateMachineInfo>([...byName.values()].map((m) => [m.arn, m]));
  const recovery = disk ? await recoverInterrupted(disk, runner.clock.now(), options.onInterrupted, options.log) : { interrupted: [], hookFailures: [] };

  const listening = await listen(
    jsonProtocolHandler({ targetPrefix: TARGET_PREFIX, contentType: CONTENT_TYPE, maxBodyBytes: MAX_BODY_BYTES, operations: operations({ runner, store, machines }) }),
    options.port,
  );
  return {
    url: listening.url,
    region,
    accountId,
    runner,
    stateMachineArns: Object.fromEntries([...byName].map(([name, info]) => [name, info.arn])),
    recovery,
    async close() {
      await listening.close();
      await runner.shutdown();
      disk?.close();
      lambdaClient?.destroy();
    },
  };
}
