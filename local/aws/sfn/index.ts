/**
 * The local Step Functions runner: runs the project's ASL files unchanged on the
 * aws-local-stepfunctions engine, with task tokens, `.sync` child executions, the context object,
 * Lambda tasks through an injected invoker and scalable time. See docs/local-step-functions.md.
 */

export { type Clock, ScaledClock } from './clock.ts';
export { DEFAULT_RETENTION_DAYS, DiskExecutionStore, type DiskExecutionStoreOptions, ExecutionFileError } from './disk-store.ts';
export { StepFunctionsApiError, type StepFunctionsErrorCode } from './errors.ts';
export { lambdaFunctionName } from './lambda-names.ts';
export { ExecutionRunner, type ExecutionRunnerOptions } from './runner.ts';
export { type ExecutionStore, InMemoryExecutionStore } from './store.ts';
export type * from './types.ts';
