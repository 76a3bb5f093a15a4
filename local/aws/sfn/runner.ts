/**
 * Runs executions of registered state machines with the aws-local-stepfunctions engine and adds
 * what the engine lacks (see definition.ts and handlers.ts): the API of Step Functions minus its
 * transport. A Step Functions API service puts HTTP in front of these methods; their arguments
 * and answers are the API's (JSON text for input and output, AWS error codes as error names).
 */
import { randomUUID } from 'node:crypto';
import { ExecutionError } from 'aws-local-stepfunctions';
import { DEFAULT_LOCAL_REGION, LOCAL_ACCOUNT } from '../defaults.ts';
import { type Clock, ScaledClock } from './clock.ts';
import { RUN_CONTEXT_KEY, STATE_NAMES_KEY } from './context-paths.ts';
import { type Deferred, deferred } from './deferred.ts';
import { type CompiledStateMachine, compileDefinition } from './definition.ts';
import { ExecutionClosedError, STATES_TIMEOUT, StateError, StepFunctionsApiError } from './errors.ts';
import { engineTimeoutError, type TimeoutErrorFactory } from './evaluate.ts';
import { buildHandlers } from './handlers.ts';
import { type EngineEvent, HistoryRecorder, NOT_TRUNCATED } from './history.ts';
import type { ActiveState, ExecutionScope, NestedExecutions } from './scope.ts';
import { type ExecutionStore, InMemoryExecutionStore } from './store.ts';
import { TaskTokens } from './tokens.ts';
import type { ExecutionDescription, ExecutionListItem, ExecutionRecord, ExecutionStatus, HistoryEvent, JsonObject, JsonValue, LambdaInvoker, StateMachineRegistration } from './types.ts';

export interface ExecutionRunnerOptions {
  /** Calls Lambda functions for every Lambda task (the local Lambda service, or handlers in tests). */
  invoker: LambdaInvoker;
  /** Real milliseconds per millisecond of state-machine time (see clock.ts); 1 by default. */
  timeScale?: number;
  region?: string;
  accountId?: string;
  store?: ExecutionStore;
}

/** AWS's limit on execution input, task output and state data: 256 KiB of UTF-8. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_NAME_LENGTH = 80;
/** Characters AWS refuses in state machine and execution names. */
const INVALID_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const DEFAULT_INPUT = '{}';
const MS_PER_SECOND = 1000;

interface RegisteredMachine {
  arn: string;
  name: string;
  roleArn: string;
  compiled: CompiledStateMachine;
}

type Outcome = { status: 'SUCCEEDED'; output: string } | { status: Exclude<ExecutionStatus, 'RUNNING' | 'SUCCEEDED'>; error?: string; cause?: string };

/** What only a running execution has: its engine run, timers, open states. */
interface LiveExecution {
  record: ExecutionRecord;
  recorder: HistoryRecorder;
  /** Aborted when the execution ends: ends every wait of its handlers. */
  controller: AbortController;
  activeStates: Set<ActiveState>;
  abortEngine?: () => void;
  engineEvents?: Promise<void>;
  /** The first outcome wins: normal end, stop, or execution timeout. */
  ending?: Outcome;
  /** Set once the terminal event is written: nothing is appended after it. */
  closed: boolean;
  completion: Deferred<void>;
}

export class ExecutionRunner {
  readonly clock: Clock;
  private readonly invoker: LambdaInvoker;
  private readonly region: string;
  private readonly accountId: string;
  private readonly store: ExecutionStore;
  private readonly tokens = new TaskTokens();
  private readonly machines = new Map<string, RegisteredMachine>();
  private readonly live = new Map<string, LiveExecution>();
  private readonly ready: Promise<TimeoutErrorFactory>;

  constructor(options: ExecutionRunnerOptions) {
    this.invoker = options.invoker;
    this.clock = new ScaledClock(options.timeScale ?? 1);
    this.region = options.region ?? DEFAULT_LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT;
    this.store = options.store ?? new InMemoryExecutionStore();
    this.ready = engineTimeoutError();
  }

  /** Adds or replaces a state machine; running executions keep the definition they started with. */
  register(registration: StateMachineRegistration): { stateMachineArn: string } {
    checkName(registration.name);
    const compiled = compileDefinition(registration.definition, this.clock.timeScale);
    const arn = registration.arn ?? `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${registration.name}`;
    const roleArn = registration.roleArn ?? `arn:aws:iam::${this.accountId}:role/${registration.name}`;
    this.machines.set(arn, { arn, name: registration.name, roleArn, compiled });
    return { stateMachineArn: arn };
  }

  /** StartExecution. Idempotent for a running execution of the same name and input, as for Standard workflows. */
  start(stateMachineArn: string, input: string = DEFAULT_INPUT, name?: string): Promise<{ executionArn: string; startDate: Date }> {
    return this.launch(stateMachineArn, input, name, undefined);
  }

  private async launch(stateMachineArn: string, input: string, name: string | undefined, parentExecutionArn: string | undefined): Promise<{ executionArn: string; startDate: Date }> {
    const timeoutError = await this.ready;
    const machine = this.machine(stateMachineArn);
    const executionName = name ?? randomUUID();
    checkName(executionName);
    const parsedInput = parsePayload(input, 'InvalidExecutionInput');
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const existing = this.store.get(executionArn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: existing.startDate };
      throw new StepFunctionsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name: executionName,
      status: 'RUNNING',
      input,
      startDate: this.clock.now(),
      stateTransitions: 0,
      ...(parentExecutionArn ? { parentExecutionArn } : {}),
    };
    this.store.put(record);
    const live = this.track(record, machine);
    live.recorder.record('ExecutionStarted', { executionStartedEventDetails: { input, inputDetails: NOT_TRUNCATED, roleArn: machine.roleArn } });
    void this.drive(live, machine, parsedInput, timeoutError);
    return { executionArn, startDate: record.startDate };
  }

  /** DescribeExecution. */
  describe(executionArn: string): ExecutionDescription {
    const r = this.record(executionArn);
    return {
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: r.startDate,
      input: r.input,
      inputDetails: { included: true },
      ...(r.stopDate ? { stopDate: r.stopDate } : {}),
      ...(r.output !== undefined ? { output: r.output, outputDetails: { included: true } } : {}),
      ...(r.error !== undefined ? { error: r.error } : {}),
      ...(r.cause !== undefined ? { cause: r.cause } : {}),
    };
  }

  /** ListExecutions, newest first. */
  list(stateMachineArn: string, status?: ExecutionStatus): ExecutionListItem[] {
    this.machine(stateMachineArn);
    // Reversed first: executions started in the same millisecond keep newest-first order (the sort is stable).
    return this.store
      .list(stateMachineArn)
      .reverse()
      .filter((r) => status === undefined || r.status === status)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
      .map((r) => ({ executionArn: r.executionArn, stateMachineArn: r.stateMachineArn, name: r.name, status: r.status, startDate: r.startDate, ...(r.stopDate ? { stopDate: r.stopDate } : {}) }));
  }

  /** GetExecutionHistory, oldest first (paging is the API layer's). */
  history(executionArn: string): HistoryEvent[] {
    this.record(executionArn);
    return this.store.events(executionArn);
  }

  /** States entered plus retries so far: what AWS bills a Standard workflow for. */
  transitions(executionArn: string): number {
    return this.record(executionArn).stateTransitions;
  }

  /** StopExecution: ABORTED, open callbacks closed (their tokens answer TaskTimedOut), .sync children stopped. */
  async stop(executionArn: string, error?: string, cause?: string): Promise<{ stopDate: Date }> {
    this.record(executionArn);
    const live = this.live.get(executionArn);
    if (live) await this.end(live, { status: 'ABORTED', ...defined({ error, cause }) });
    return { stopDate: this.record(executionArn).stopDate! };
  }

  /** Resolves with the description once the execution has ended. */
  async waitForCompletion(executionArn: string): Promise<ExecutionDescription> {
    this.record(executionArn);
    await this.live.get(executionArn)?.completion.promise;
    return this.describe(executionArn);
  }

  /**
   * Stops running every execution without recording an end, as a process exit would: nothing
   * more is written for them, their tokens are closed, and their records stay RUNNING for a
   * persistent store to report after a restart (local/aws/stepfunctions/recovery.ts). Work a
   * handler already started (a Lambda call) may finish; its result is dropped.
   */
  async shutdown(): Promise<void> {
    const lives = [...this.live.values()];
    for (const live of lives) {
      live.closed = true;
      live.ending = { status: 'ABORTED' };
      live.controller.abort(new ExecutionClosedError());
      live.abortEngine?.();
      this.tokens.closeExecution(live.record.executionArn);
    }
    await Promise.allSettled(lives.map((live) => live.engineEvents));
    for (const live of lives) {
      this.live.delete(live.record.executionArn);
      live.completion.resolve();
    }
  }

  /** SendTaskSuccess; `output` is JSON text, as in the API. */
  sendTaskSuccess(taskToken: string, output: string): void {
    this.tokens.answer(taskToken, { kind: 'success', output: parsePayload(output, 'InvalidOutput') });
  }

  sendTaskFailure(taskToken: string, error?: string, cause?: string): void {
    this.tokens.answer(taskToken, { kind: 'failure', ...defined({ error, cause }) });
  }

  sendTaskHeartbeat(taskToken: string): void {
    this.tokens.heartbeat(taskToken);
  }

  private track(record: ExecutionRecord, machine: RegisteredMachine): LiveExecution {
    const live: LiveExecution = {
      record,
      controller: new AbortController(),
      activeStates: new Set(),
      closed: false,
      completion: deferred<void>(),
      recorder: new HistoryRecorder(
        this.clock,
        machine.compiled.stateTypes,
        (event) => {
          if (!live.closed) this.store.appendEvent(record.executionArn, event);
        },
        () => {
          if (live.closed) return;
          live.record.stateTransitions++;
          this.store.put(live.record);
        },
      ),
    };
    this.live.set(record.executionArn, live);
    return live;
  }

  private async drive(live: LiveExecution, machine: RegisteredMachine, input: JsonValue, timeoutError: TimeoutErrorFactory): Promise<void> {
    const { compiled } = machine;
    const scope: ExecutionScope = {
      executionArn: live.record.executionArn,
      region: this.region,
      clock: this.clock,
      invoker: this.invoker,
      tokens: this.tokens,
      nested: this.nested,
      recorder: live.recorder,
      signal: live.controller.signal,
      context: this.contextObject(live.record, machine, input),
      timeoutError,
      activeStates: live.activeStates,
    };
    let outcome: Outcome;
    try {
      const run = compiled.engine.run(input as never, {
        overrides: { taskResourceLocalHandlers: buildHandlers(compiled.handlers, scope) as never },
        context: { [RUN_CONTEXT_KEY]: { ...scope.context, [STATE_NAMES_KEY]: compiled.stateNames } },
        noThrowOnAbort: true,
      });
      live.abortEngine = run.abort;
      live.engineEvents = (async () => {
        for await (const event of run.eventLogs) live.recorder.engineEvent(event as EngineEvent);
      })();
      if (compiled.timeoutSeconds !== undefined) this.enforceTimeout(live, compiled.timeoutSeconds);
      outcome = { status: 'SUCCEEDED', output: JSON.stringify((await run.result) ?? null) };
    } catch (error) {
      outcome = failure(error);
    }
    await this.end(live, outcome);
  }

  private enforceTimeout(live: LiveExecution, timeoutSeconds: number): void {
    this.clock.sleep(timeoutSeconds * MS_PER_SECOND, live.controller.signal).then(
      () => this.end(live, { status: 'TIMED_OUT', error: STATES_TIMEOUT }),
      () => {}, // the execution ended first
    );
  }

  /** Ends an execution once: closes its waits and tokens, drains the engine's log, writes the terminal event. */
  private async end(live: LiveExecution, outcome: Outcome): Promise<void> {
    if (live.ending) return live.completion.promise;
    live.ending = outcome;
    // Only states that wait can be caught in the middle (Pass and Fail handlers end at once).
    const interrupted = outcome.status === 'ABORTED' || outcome.status === 'TIMED_OUT' ? [...live.activeStates].filter(isWaitingState) : [];
    live.controller.abort(new ExecutionClosedError());
    live.abortEngine?.();
    this.tokens.closeExecution(live.record.executionArn);
    await live.engineEvents;
    if (outcome.status === 'ABORTED' || outcome.status === 'TIMED_OUT') {
      for (const state of interrupted) live.recorder.record(`${state.type}StateAborted`);
      live.recorder.abortOpenContainers();
    }
    const stopDate = this.clock.now();
    if (outcome.status === 'SUCCEEDED') {
      live.recorder.record('ExecutionSucceeded', { executionSucceededEventDetails: { output: outcome.output, outputDetails: NOT_TRUNCATED } });
    } else {
      const details = defined({ error: outcome.error, cause: outcome.cause });
      if (outcome.status === 'FAILED') live.recorder.record('ExecutionFailed', { executionFailedEventDetails: details });
      if (outcome.status === 'ABORTED') live.recorder.record('ExecutionAborted', { executionAbortedEventDetails: details });
      if (outcome.status === 'TIMED_OUT') live.recorder.record('ExecutionTimedOut', { executionTimedOutEventDetails: details });
    }
    live.closed = true;
    live.record = { ...live.record, ...outcome, stopDate };
    this.store.put(live.record);
    this.live.delete(live.record.executionArn);
    live.completion.resolve();
  }

  /** `$$.Execution` and `$$.StateMachine`. */
  private contextObject(record: ExecutionRecord, machine: RegisteredMachine, input: JsonValue): JsonObject {
    return {
      Execution: { Id: record.executionArn, Input: input, Name: record.name, RoleArn: machine.roleArn, StartTime: record.startDate.toISOString(), RedriveCount: 0 },
      StateMachine: { Id: machine.arn, Name: machine.name },
    };
  }

  private readonly nested: NestedExecutions = {
    start: (arn, input, name, parent) => this.launch(arn, input, name, parent),
    waitForCompletion: (arn) => this.waitForCompletion(arn),
    stop: (arn) => this.stop(arn),
  };

  private machine(stateMachineArn: string): RegisteredMachine {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return machine;
  }

  private record(executionArn: string): ExecutionRecord {
    const record = this.store.get(executionArn);
    if (!record) throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }
}

function isWaitingState(state: ActiveState): state is ActiveState & { type: 'Task' | 'Wait' } {
  return state.type === 'Task' || state.type === 'Wait';
}

/** The error and cause of a failed run, as DescribeExecution reports them. */
function failure(thrown: unknown): Outcome {
  const error = thrown instanceof ExecutionError ? thrown.cause : thrown;
  if (error instanceof StateError) return { status: 'FAILED', ...defined({ error: error.error, cause: error.causeText }) };
  if (error instanceof Error) return { status: 'FAILED', ...defined({ error: error.name, cause: error.message || undefined }) };
  return { status: 'FAILED', cause: String(error) };
}

function checkName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || INVALID_NAME_CHARACTERS.test(name)) {
    throw new StepFunctionsApiError('InvalidName', `Invalid Name: '${name}'`);
  }
}

function parsePayload(text: string, code: 'InvalidExecutionInput' | 'InvalidOutput'): JsonValue {
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) throw new StepFunctionsApiError(code, `the payload exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new StepFunctionsApiError(code, `Invalid JSON: ${(error as Error).message}`);
  }
}

/** Drops the undefined fields. */
function defined<T extends Record<string, string | undefined>>(fields: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: string };
}
