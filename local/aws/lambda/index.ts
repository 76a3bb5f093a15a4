/**
 * The local Lambda service of the embedded default: the Invoke API over the catalog's handlers.
 * See local/aws/lambda/server.ts and docs/local-step-functions.md.
 */
export { startLambda, type LambdaOptions, type LambdaService } from './server.ts';
export { catalogEnvironment, functionEnvironment, LOCAL_KUBECTL_PATH, stateMachineArnVariable, type LocalResources } from './environment.ts';
export { errorPayload, functionArn, type ErrorPayload } from './invocation.ts';
export type { Handler } from './loader.ts';
