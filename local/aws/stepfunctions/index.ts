/**
 * The local Step Functions service of the embedded default: the SFN JSON protocol over the
 * execution runner (local/aws/sfn), executions kept on disk. See docs/local-step-functions.md.
 */
export { startStepFunctions, type StepFunctionsOptions, type StepFunctionsService } from './server.ts';
export { INTERRUPTED_CAUSE, INTERRUPTED_ERROR, type InterruptedHook, type Recovery } from './recovery.ts';
export { fillPlaceholders, stateMachineArn, stateMachineName, STACK_NAME, type StateMachineInfo } from './state-machines.ts';
export { functionError, lambdaServiceInvoker, LOCAL_CREDENTIALS, localLambdaClient } from './lambda-invoker.ts';
