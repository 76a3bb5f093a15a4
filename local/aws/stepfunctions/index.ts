/**
 * The local Step Functions service of the embedded default: the SFN JSON protocol over the
 * execution runner (local/aws/sfn), executions kept on disk. See docs/local-step-functions.md.
 */

export { functionError, LOCAL_CREDENTIALS, lambdaServiceInvoker, localLambdaClient } from './lambda-invoker.ts';
export { INTERRUPTED_CAUSE, INTERRUPTED_ERROR, type InterruptedHook, type Recovery } from './recovery.ts';
export { type StepFunctionsOptions, type StepFunctionsService, startStepFunctions } from './server.ts';
export { fillPlaceholders, STACK_NAME, type StateMachineInfo, stateMachineArn, stateMachineName } from './state-machines.ts';
