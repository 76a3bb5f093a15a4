/**
 * Errors of the local Step Functions runner. Two families:
 * - `StepFunctionsApiError`: what an API call answers (StartExecution with an unknown state
 *   machine, SendTaskSuccess with a closed token, ...). Its `name` is the AWS error code, the
 *   `__type` the SFN JSON protocol returns and the name SDK clients throw, so the later HTTP
 *   service maps it in one place.
 * - `StateError`: a failure inside an execution, thrown into the engine. Its `name` is the ASL
 *   error name because the engine matches Retry/Catch `ErrorEquals` against `error.name`, and its
 *   `message` is the Cause a Catch puts into the state output.
 */

/** AWS error codes of the Step Functions API calls the runner implements. */
export type StepFunctionsErrorCode =
  | 'InvalidArn'
  | 'InvalidDefinition'
  | 'InvalidName'
  | 'InvalidExecutionInput'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'ExecutionDoesNotExist'
  | 'ExecutionAlreadyExists'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut';

/** An API call was refused; `name` is the AWS error code (see the file comment). */
export class StepFunctionsApiError extends Error {
  override readonly name: StepFunctionsErrorCode;
  constructor(code: StepFunctionsErrorCode, message: string) {
    super(message);
    this.name = code;
  }
}

/** States.Runtime: a path or value that cannot be evaluated. Not retryable, not catchable on AWS. */
export const STATES_RUNTIME = 'States.Runtime';
/** The Error of a Task whose TimeoutSeconds elapsed. */
export const STATES_TIMEOUT = 'States.Timeout';
/** The Error of a callback Task that missed its HeartbeatSeconds. */
export const STATES_HEARTBEAT_TIMEOUT = 'States.HeartbeatTimeout';
/** The Error of a `.sync` task whose child execution did not succeed. */
export const STATES_TASK_FAILED = 'States.TaskFailed';
/** Matches every retryable error in a Retry or Catch. */
export const STATES_ALL = 'States.ALL';

/**
 * A state failed with an ASL error and cause. `error`/`causeText` keep the values as given
 * (possibly absent, as after a Fail state without Error), while `name`/`message` are the
 * strings the engine needs.
 */
export class StateError extends Error {
  /** The ASL error name, undefined when none was given (SendTaskFailure without error). */
  readonly error: string | undefined;
  /** The ASL cause; named so because Error's own `cause` would become the engine's Cause object. */
  readonly causeText: string | undefined;
  constructor(error: string | undefined, cause: string | undefined) {
    super(cause ?? '');
    this.name = error ?? '';
    this.error = error;
    this.causeText = cause;
  }
}

/**
 * A StateError that Retry and Catch must not see: States.Runtime, and the unwinding of a handler
 * whose execution was stopped or has ended. The engine reads these two getters.
 */
export class UncatchableStateError extends StateError {
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

/** A States.Runtime failure with a message a person can act on. */
export function statesRuntimeError(message: string): UncatchableStateError {
  return new UncatchableStateError(STATES_RUNTIME, message);
}

/** Thrown by a handler still running when its execution stopped, timed out or ended. */
export class ExecutionClosedError extends UncatchableStateError {
  constructor() {
    super('ExecutionClosed', 'the execution is no longer running');
  }
}
