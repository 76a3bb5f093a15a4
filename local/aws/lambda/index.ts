/**
 * The local Lambda service of the embedded default: the Invoke API over the catalog's handlers.
 * See local/aws/lambda/server.ts and docs/local-step-functions.md.
 */

export { catalogEnvironment, functionEnvironment, LOCAL_KUBECTL_PATH, type LocalResources, stateMachineArnVariable } from './environment.ts';
export { type ErrorPayload, errorPayload, functionArn } from './invocation.ts';
export type { Handler } from './loader.ts';
export { type LambdaOptions, type LambdaService, startLambda } from './server.ts';
