/**
 * The local handlers behind the rewritten states (see definition.ts), one per state name, made
 * for one execution. A handler is called once per entry into its state: the engine's Retry is
 * not used for them, so `$$.State.EnteredTime` stays the time of entry, `$$.State.RetryCount`
 * counts the attempts, each attempt gets a fresh task token, and each retry shows in the history
 * as TaskFailed followed by TaskScheduled, as on AWS.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { sleepRealTime } from './clock.ts';
import type { HandlerSpec, Retrier } from './definition.ts';
import { ExecutionClosedError, STATES_ALL, STATES_HEARTBEAT_TIMEOUT, STATES_TASK_FAILED, STATES_TIMEOUT, StateError, statesRuntimeError } from './errors.ts';
import { evaluateTemplate } from './evaluate.ts';
import { lambdaFunctionEvents, serviceTaskEvents, type TaskEvents } from './history.ts';
import { runIntegration } from './integrations.ts';
import type { ActiveState, ExecutionScope } from './scope.ts';
import type { OpenTask } from './tokens.ts';
import type { JsonObject, JsonValue } from './types.ts';

type TaskSpec = Extract<HandlerSpec, { type: 'Task' }>;
export type StateHandler = (input: JsonValue) => Promise<JsonValue>;

const MS_PER_SECOND = 1000;
/** ASL defaults of a Retry entry. */
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_INTERVAL_SECONDS = 1;
const DEFAULT_BACKOFF_RATE = 2;
const SERVICE_RESOURCE_PARTS = /^arn:[\w-]+:states:::([\w-]+):(.+)$/;

/** The `taskResourceLocalHandlers` for one execution. */
export function buildHandlers(specs: ReadonlyMap<string, HandlerSpec>, scope: ExecutionScope): Record<string, StateHandler> {
  const handlers: Record<string, StateHandler> = {};
  for (const [name, spec] of specs) handlers[name] = (input) => enter(spec, input, scope);
  return handlers;
}

async function enter(spec: HandlerSpec, input: JsonValue, scope: ExecutionScope): Promise<JsonValue> {
  // Active from the call on, so that a stop at any later moment reports the state as aborted.
  const active: ActiveState = { name: spec.name, type: spec.type };
  scope.activeStates.add(active);
  try {
    // The engine calls a handler in the same tick as it logs StateEntered, and its log is read
    // asynchronously: yield once so our events (TaskScheduled...) come after that entry.
    await nextMacrotask();
    if (scope.signal.aborted) throw new ExecutionClosedError();
    const entry = new Entry(spec.name, scope);
    switch (spec.type) {
      case 'Task':
        return await runTask(spec, input, entry);
      case 'Wait':
        return await runWait(spec, input, entry);
      case 'Fail':
        return await runFail(spec, input, entry);
      case 'Pass':
        return (await entry.evaluate(spec.template, input)).Result ?? null;
    }
  } catch (error) {
    throw scope.signal.aborted ? new ExecutionClosedError() : error;
  } finally {
    scope.activeStates.delete(active);
  }
}

/** One entry into a state: its time, its attempts, the context object its expressions see. */
class Entry {
  readonly enteredTime: string;
  retryCount = 0;
  token: string | undefined;

  constructor(
    readonly stateName: string,
    readonly scope: ExecutionScope,
  ) {
    this.enteredTime = scope.clock.now().toISOString();
  }

  evaluate(template: JsonObject, input: JsonValue): Promise<JsonObject> {
    const context: JsonObject = {
      ...this.scope.context,
      State: { Name: this.stateName, EnteredTime: this.enteredTime, RetryCount: this.retryCount },
      ...(this.token ? { Task: { Token: this.token } } : {}),
    };
    return evaluateTemplate(template, input, context);
  }
}

async function runWait(spec: Extract<HandlerSpec, { type: 'Wait' }>, input: JsonValue, entry: Entry): Promise<JsonValue> {
  const { clock, signal } = entry.scope;
  const values = spec.template ? await entry.evaluate(spec.template, input) : {};
  let waitMs: number;
  if (spec.seconds !== undefined || 'Seconds' in values) {
    waitMs = (spec.seconds ?? nonNegativeInteger(values.Seconds, 'SecondsPath')) * MS_PER_SECOND;
  } else {
    const timestamp = spec.timestamp ?? values.Timestamp;
    const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(at)) throw statesRuntimeError(`TimestampPath of state '${spec.name}' is not an RFC3339 timestamp: ${JSON.stringify(timestamp)}`);
    waitMs = at - clock.now().getTime();
  }
  await clock.sleep(waitMs, signal);
  return input;
}

async function runFail(spec: Extract<HandlerSpec, { type: 'Fail' }>, input: JsonValue, entry: Entry): Promise<never> {
  const values = spec.template ? await entry.evaluate(spec.template, input) : {};
  for (const field of ['Error', 'Cause']) {
    if (field in values && typeof values[field] !== 'string') throw statesRuntimeError(`${field}Path of state '${spec.name}' must point to a string`);
  }
  throw new StateError((values.Error as string | undefined) ?? spec.error, (values.Cause as string | undefined) ?? spec.cause);
}

/** Runs attempts until one succeeds or no retrier matches (ASL Retry semantics, in state-machine time). */
async function runTask(spec: TaskSpec, input: JsonValue, entry: Entry): Promise<JsonValue> {
  const attempts = spec.retry.map(() => 0);
  for (;;) {
    try {
      return await attempt(spec, input, entry);
    } catch (error) {
      if (entry.scope.signal.aborted) throw new ExecutionClosedError();
      const delayMs = retryDelay(spec.retry, attempts, error as Error);
      if (delayMs === undefined) throw error;
      await entry.scope.clock.sleep(delayMs, entry.scope.signal);
      entry.retryCount++;
      entry.scope.recorder.retried();
    }
  }
}

/** The pause before the next attempt, or undefined when the error is not retried. */
export function retryDelay(retriers: Retrier[], attempts: number[], error: Error, random = Math.random): number | undefined {
  if ((error as { isRetryable?: boolean }).isRetryable === false) return undefined;
  for (const [i, retrier] of retriers.entries()) {
    if (!retrier.ErrorEquals.some((name) => errorMatches(name, error.name))) continue;
    // The first retrier that matches decides, even when it has no attempts left.
    if (attempts[i]! >= (retrier.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS)) return undefined;
    const interval = (retrier.IntervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * (retrier.BackoffRate ?? DEFAULT_BACKOFF_RATE) ** attempts[i]!;
    attempts[i]!++;
    const capped = retrier.MaxDelaySeconds !== undefined ? Math.min(interval, retrier.MaxDelaySeconds) : interval;
    return (retrier.JitterStrategy === 'FULL' ? random() * capped : capped) * MS_PER_SECOND;
  }
  return undefined;
}

/** ErrorEquals matching: States.TaskFailed matches every error but States.Timeout. */
export function errorMatches(pattern: string, errorName: string): boolean {
  return pattern === errorName || pattern === STATES_ALL || (pattern === STATES_TASK_FAILED && errorName !== STATES_TIMEOUT);
}

async function attempt(spec: TaskSpec, input: JsonValue, entry: Entry): Promise<JsonValue> {
  const { scope } = entry;
  const integration = spec.integration;
  const callback = (integration.kind === 'lambda-invoke' && integration.callback) || (integration.kind === 'start-execution' && integration.mode === 'callback');
  const open = callback ? scope.tokens.issue(scope.executionArn, spec.name) : undefined;
  entry.token = open?.token;
  const attemptAbort = new AbortController();
  const signal = AbortSignal.any([scope.signal, attemptAbort.signal]);
  try {
    const values = await entry.evaluate(spec.template, input);
    const parameters = values.Parameters ?? null;
    const timeoutSeconds = spec.timeoutSeconds ?? optionalPositive(values.TimeoutSeconds, 'TimeoutSecondsPath');
    const heartbeatSeconds = spec.heartbeatSeconds ?? optionalPositive(values.HeartbeatSeconds, 'HeartbeatSecondsPath');
    const events = taskEvents(spec, scope);
    events.scheduled(parameters, timeoutSeconds, heartbeatSeconds);
    events.started();
    // A Lambda call is real work, so its timeout is real time; waiting (callbacks, child
    // executions) happens in state-machine time.
    const waits = integration.kind === 'start-execution' || callback;
    const deadline = deadlines(timeoutSeconds, heartbeatSeconds, open, waits, scope, signal);
    try {
      const output = await Promise.race([runIntegration(integration, parameters, { scope, events, open, signal }), deadline]);
      events.succeeded(output);
      return output;
    } catch (error) {
      if (scope.signal.aborted) throw new ExecutionClosedError();
      const failure = error as Error;
      if (failure.name === STATES_TIMEOUT || failure.name === STATES_HEARTBEAT_TIMEOUT) events.timedOut(failure.name, failure.message || undefined);
      else if (failure instanceof StateError) events.failed(failure.error, failure.causeText);
      else events.failed(failure.name, failure.message);
      throw error;
    }
  } finally {
    attemptAbort.abort();
    if (open) scope.tokens.close(open.token);
    entry.token = undefined;
  }
}

/** Rejects with States.Timeout / States.HeartbeatTimeout when the task runs out of time. */
function deadlines(timeoutSeconds: number | undefined, heartbeatSeconds: number | undefined, open: OpenTask | undefined, waits: boolean, scope: ExecutionScope, signal: AbortSignal): Promise<never> {
  const sleep = (ms: number, s: AbortSignal) => (waits ? scope.clock.sleep(ms, s) : sleepRealTime(ms, s));
  const ignoreAbort = () => {};
  return new Promise<never>((_, reject) => {
    if (timeoutSeconds !== undefined) {
      sleep(timeoutSeconds * MS_PER_SECOND, signal).then(() => reject(scope.timeoutError()), ignoreAbort);
    }
    if (heartbeatSeconds !== undefined && open) {
      let beat: AbortController | undefined;
      const arm = () => {
        beat?.abort();
        beat = new AbortController();
        const heartbeatSignal = AbortSignal.any([signal, beat.signal]);
        sleep(heartbeatSeconds * MS_PER_SECOND, heartbeatSignal).then(() => reject(new StateError(STATES_HEARTBEAT_TIMEOUT, undefined)), ignoreAbort);
      };
      open.onHeartbeat = arm;
      arm();
    }
  });
}

function taskEvents(spec: TaskSpec, scope: ExecutionScope): TaskEvents {
  if (spec.integration.kind === 'lambda-function') return lambdaFunctionEvents(scope.recorder, spec.integration.functionArn);
  const [, resourceType, resource] = SERVICE_RESOURCE_PARTS.exec(spec.resource)!;
  return serviceTaskEvents(scope.recorder, resourceType!, resource!, scope.region);
}

function nonNegativeInteger(value: JsonValue | undefined, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw statesRuntimeError(`${field} must point to a non-negative integer, got ${JSON.stringify(value)}`);
  return value;
}

function optionalPositive(value: JsonValue | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw statesRuntimeError(`${field} must point to a positive integer, got ${JSON.stringify(value)}`);
  return value;
}
