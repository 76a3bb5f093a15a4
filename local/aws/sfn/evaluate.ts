/**
 * Evaluation of payload templates and paths with the runner's per-entry context, by the engine
 * itself: a one-state machine (a Pass with the template as Parameters) run with that context.
 * So JSONPath and every intrinsic function behave exactly as in the states the engine runs.
 */
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { RUN_CONTEXT_KEY } from './context-paths.ts';
import { STATES_TIMEOUT } from './errors.ts';
import type { JsonObject, JsonValue } from './types.ts';

const EVALUATOR_STATE = 'Evaluate';
const evaluators = new WeakMap<JsonObject, StateMachine>();

/**
 * Evaluates `template` (context references already rewritten to `$$.Run...`) against `input`,
 * with `context` as `$$`. A failure is the engine's own States.Runtime error (not catchable).
 */
export async function evaluateTemplate(template: JsonObject, input: JsonValue, context: JsonObject): Promise<JsonObject> {
  let machine = evaluators.get(template);
  if (!machine) {
    const definition = { StartAt: EVALUATOR_STATE, States: { [EVALUATOR_STATE]: { Type: 'Pass', Parameters: template, End: true } } };
    machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
    evaluators.set(template, machine);
  }
  try {
    return (await machine.run(input as never, { context: { [RUN_CONTEXT_KEY]: context } }).result) as JsonObject;
  } catch (error) {
    throw error instanceof ExecutionError ? error.cause : error;
  }
}

/** A timeout error the engine treats as its own (see `engineTimeoutError`). */
export type TimeoutErrorFactory = (cause?: string) => Error;

let timeoutFactory: Promise<TimeoutErrorFactory> | undefined;

/**
 * The engine's Retry and Catch let `States.TaskFailed` match every error except its own timeout
 * class, checked with `instanceof`, and that class is not exported. So that a local
 * States.Timeout is not caught by `States.TaskFailed` (AWS excludes it too), the runner takes the
 * class from one real engine timeout (a 1 ms Task timeout), once per process.
 */
export function engineTimeoutError(): Promise<TimeoutErrorFactory> {
  timeoutFactory ??= probeTimeoutClass();
  return timeoutFactory;
}

async function probeTimeoutClass(): Promise<TimeoutErrorFactory> {
  const probeMs = 1;
  const definition = { StartAt: 'Probe', States: { Probe: { Type: 'Task', Resource: 'probe', TimeoutSeconds: probeMs / 1000, End: true } } };
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  const never = () => new Promise<never>(() => {});
  const caught = await machine.run(null, { overrides: { taskResourceLocalHandlers: { Probe: never } } }).result.then(
    () => undefined,
    (error: unknown) => (error instanceof ExecutionError ? error.cause : undefined),
  );
  const timeoutClass = caught instanceof Error && caught.name === STATES_TIMEOUT ? (caught.constructor as new () => Error) : undefined;
  return (cause) => {
    const error = timeoutClass ? new timeoutClass() : Object.assign(new Error(), { name: STATES_TIMEOUT });
    error.message = cause ?? '';
    return error;
  };
}
