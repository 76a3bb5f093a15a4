/**
 * The local Step Functions runner: runs the project's ASL files unchanged on the
 * aws-local-stepfunctions engine, with task tokens, `.sync` child executions, the context object,
 * Lambda tasks through an injected invoker and scalable time. See docs/local-step-functions.md.
 */
export { ExecutionRunner, type ExecutionRunnerOptions } from './runner.ts';
export { ScaledClock, type Clock } from './clock.ts';
export { StepFunctionsApiError, type StepFunctionsErrorCode } from './errors.ts';
export { InMemoryExecutionStore, type ExecutionStore } from './store.ts';
export { DiskExecutionStore, DEFAULT_RETENTION_DAYS, ExecutionFileError, type DiskExecutionStoreOptions } from './disk-store.ts';
export { lambdaFunctionName } from './lambda-names.ts';
export type * from './types.ts';
