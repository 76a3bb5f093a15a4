/**
 * What the runner hands to the handlers of one execution: its identity and context values, the
 * shared services (clock, Lambda invoker, task tokens, nested executions) and its history.
 */
import type { Clock } from './clock.ts';
import type { TimeoutErrorFactory } from './evaluate.ts';
import type { HistoryRecorder } from './history.ts';
import type { TaskTokens } from './tokens.ts';
import type { ExecutionDescription, JsonObject, LambdaInvoker } from './types.ts';

/** Executions started by a `states:startExecution` task, run by the same runner. */
export interface NestedExecutions {
  /** Starts a child; throws StepFunctionsApiError as StartExecution would. */
  start(stateMachineArn: string, input: string, name: string | undefined, parentExecutionArn: string): Promise<{ executionArn: string; startDate: Date }>;
  /** Resolves once the execution has ended. */
  waitForCompletion(executionArn: string): Promise<ExecutionDescription>;
  stop(executionArn: string): Promise<unknown>;
}

/** A state a handler is working in, reported as `<Type>StateAborted` if the execution stops. */
export interface ActiveState {
  name: string;
  type: 'Task' | 'Wait' | 'Pass' | 'Fail';
}

export interface ExecutionScope {
  readonly executionArn: string;
  readonly region: string;
  readonly clock: Clock;
  readonly invoker: LambdaInvoker;
  readonly tokens: TaskTokens;
  readonly nested: NestedExecutions;
  readonly recorder: HistoryRecorder;
  /** Aborted when the execution stops, times out or ends: every wait of its handlers ends. */
  readonly signal: AbortSignal;
  /** `Execution` and `StateMachine` of the context object. */
  readonly context: JsonObject;
  readonly timeoutError: TimeoutErrorFactory;
  readonly activeStates: Set<ActiveState>;
}
