/**
 * The local API Gateway of the embedded default: the catalog's HTTP routes with IAM (SigV4)
 * authorization against local access keys, as API Gateway HTTP API payload 2.0 events for the
 * same handlers. See local/aws/api-gateway/server.ts. `invoke` fits the local Lambda service's
 * invoker (local/aws/stepfunctions/lambda-invoker.ts lambdaServiceInvoker), which throws on a
 * function error as this gateway expects.
 */

export {
  CREDENTIALS_FILE_MODE,
  credentialsFileText,
  DEMO_PROFILES,
  type DemoCredential,
  type DemoUser,
  demoUsers,
  generateAccessKeyId,
  generateDemoCredentials,
  generateSecretAccessKey,
  loadOrCreateDemoCredentials,
  principalsOf,
  readDemoCredentials,
  writeCredentialsFile,
} from './credentials.ts';
export { RouteDefinitionError, type RouteMatch, RouteTable } from './routes.ts';
export { type ApiGatewayOptions, type ApiGatewayService, INTEGRATION_TIMEOUT_MS, type Invoke, LOCAL_ACCOUNT, MAX_BODY_BYTES, startApiGateway } from './server.ts';
export { MAX_CLOCK_SKEW_MS, type Principal, type Principals, verifySigV4 } from './sigv4.ts';
