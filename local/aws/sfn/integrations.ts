/**
 * The service integrations a Task can call locally, with the results and error names Step
 * Functions gives:
 * - a Lambda function ARN as Resource: the result is the function's return value;
 * - `lambda:invoke`: the Invoke response (`Payload`, `StatusCode`, `ExecutedVersion`, ...);
 * - `lambda:invoke.waitForTaskToken`: invoke, then wait for SendTaskSuccess / SendTaskFailure;
 * - `states:startExecution` (returns at once), `.sync` / `.sync:2` (waits for the child: the
 *   output is DescribeExecution's, with Input/Output parsed for `:2`, and a child that does not
 *   succeed fails the task with States.TaskFailed), `.waitForTaskToken`.
 * Every Lambda call goes through the injected invoker: never the engine's own SDK call.
 */
import { randomUUID } from 'node:crypto';
import type { Integration } from './definition.ts';
import { STATES_TASK_FAILED, StateError, StepFunctionsApiError, statesRuntimeError } from './errors.ts';
import type { TaskEvents } from './history.ts';
import type { ExecutionScope } from './scope.ts';
import type { OpenTask, TaskAnswer } from './tokens.ts';
import type { ExecutionDescription, JsonObject, JsonValue } from './types.ts';

export interface IntegrationCall {
  scope: ExecutionScope;
  events: TaskEvents;
  /** The open callback task, for `.waitForTaskToken` resources. */
  open: OpenTask | undefined;
  /** Aborted when the attempt ends (timeout) or the execution closes. */
  signal: AbortSignal;
}

const HTTP_OK = 200;
const LATEST_VERSION = '$LATEST';
/** Step Functions prefixes the errors of its SDK-style integrations with the service name. */
const STEP_FUNCTIONS_ERROR_PREFIX = 'StepFunctions.';
const LAMBDA_SERVICE_ERROR_PREFIX = 'Lambda.';
const EMPTY_INPUT = '{}';

export async function runIntegration(integration: Integration, parameters: JsonValue, call: IntegrationCall): Promise<JsonValue> {
  switch (integration.kind) {
    case 'lambda-function':
      return invoke(call, integration.functionArn, parameters);
    case 'lambda-invoke': {
      const { functionName, payload } = invokeParameters(parameters);
      const response = invokeResponse(await invoke(call, functionName, payload));
      if (!integration.callback) return response;
      call.events.submitted(response);
      return awaitAnswer(call);
    }
    case 'start-execution':
      return startExecution(integration.mode, parameters, call);
  }
}

async function invoke(call: IntegrationCall, functionName: string, payload: JsonValue): Promise<JsonValue> {
  try {
    return (await call.scope.invoker(functionName, payload)) ?? null;
  } catch (error) {
    throw functionFailure(error);
  }
}

/**
 * A thrown invoker error as Step Functions reports it: a function error has its `errorType` as
 * Error and Lambda's error payload (JSON text) as Cause; a Lambda service fault (`Lambda.*`)
 * has its message as Cause.
 */
export function functionFailure(thrown: unknown): StateError {
  if (thrown instanceof StateError) return thrown;
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  if (error.name.startsWith(LAMBDA_SERVICE_ERROR_PREFIX)) return new StateError(error.name, error.message);
  const trace = (error as { trace?: unknown }).trace;
  const payload = { errorType: error.name, errorMessage: error.message, ...(Array.isArray(trace) ? { trace } : {}) };
  return new StateError(error.name, JSON.stringify(payload));
}

function invokeParameters(parameters: JsonValue): { functionName: string; payload: JsonValue } {
  const p = asObject(parameters, 'lambda:invoke');
  if (typeof p.FunctionName !== 'string' || p.FunctionName === '') throw statesRuntimeError('lambda:invoke needs a FunctionName string in Parameters');
  const qualifier = typeof p.Qualifier === 'string' ? `:${p.Qualifier}` : '';
  return { functionName: `${p.FunctionName}${qualifier}`, payload: p.Payload ?? {} };
}

/** The Invoke response as the lambda:invoke integration returns it. */
function invokeResponse(payload: JsonValue): JsonObject {
  const requestId = randomUUID();
  const headers = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': LATEST_VERSION, 'x-amzn-RequestId': requestId };
  return {
    ExecutedVersion: LATEST_VERSION,
    Payload: payload,
    SdkHttpMetadata: {
      AllHttpHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      HttpHeaders: headers,
      HttpStatusCode: HTTP_OK,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: HTTP_OK,
  };
}

/** Waits for SendTaskSuccess / SendTaskFailure on the task's token. */
async function awaitAnswer(call: IntegrationCall): Promise<JsonValue> {
  const answer = await untilAborted<TaskAnswer>(call.open!.answer, call.signal);
  if (answer.kind === 'success') return answer.output;
  throw new StateError(answer.error, answer.cause);
}

async function startExecution(mode: 'async' | 'sync' | 'sync2' | 'callback', parameters: JsonValue, call: IntegrationCall): Promise<JsonValue> {
  const p = asObject(parameters, 'states:startExecution');
  if (typeof p.StateMachineArn !== 'string') throw statesRuntimeError('states:startExecution needs a StateMachineArn string in Parameters');
  // Input may be given as JSON text or as a JSON value, which Step Functions serializes.
  const input = p.Input === undefined ? EMPTY_INPUT : typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input);
  const name = typeof p.Name === 'string' ? p.Name : undefined;
  const { nested, executionArn: parentArn } = call.scope;
  let started: { executionArn: string; startDate: Date };
  try {
    started = await nested.start(p.StateMachineArn, input, name, parentArn);
  } catch (error) {
    if (error instanceof StepFunctionsApiError) throw new StateError(`${STEP_FUNCTIONS_ERROR_PREFIX}${error.name}Exception`, error.message);
    throw error;
  }
  const response: JsonObject = { ExecutionArn: started.executionArn, StartDate: started.startDate.getTime() };
  if (mode === 'async') return response;
  call.events.submitted(response);
  if (mode === 'callback') return awaitAnswer(call);
  let child: ExecutionDescription;
  try {
    child = await untilAborted(nested.waitForCompletion(started.executionArn), call.signal);
  } catch (error) {
    // The task ended first (timeout, parent stopped): a .sync task stops what it started.
    await nested.stop(started.executionArn);
    throw error;
  }
  const described = syncOutput(child, mode === 'sync2');
  if (child.status === 'SUCCEEDED') return described;
  throw new StateError(STATES_TASK_FAILED, JSON.stringify(described));
}

/** DescribeExecution as a `.sync` task returns it; `:2` parses Input and Output. */
function syncOutput(child: ExecutionDescription, parsed: boolean): JsonObject {
  const data = (text: string | undefined): JsonValue | undefined => (text === undefined ? undefined : parsed ? (JSON.parse(text) as JsonValue) : text);
  const out: Record<string, JsonValue | undefined> = {
    ExecutionArn: child.executionArn,
    Input: data(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    Output: data(child.output),
    OutputDetails: child.output !== undefined ? { Included: true } : undefined,
    StartDate: child.startDate.getTime(),
    StateMachineArn: child.stateMachineArn,
    Status: child.status,
    StopDate: child.stopDate?.getTime(),
    Error: child.error,
    Cause: child.cause,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as JsonObject;
}

function asObject(value: JsonValue, resource: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw statesRuntimeError(`${resource} needs Parameters that are an object`);
  return value;
}

/** Resolves with the promise, or rejects with the signal's reason once it is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
