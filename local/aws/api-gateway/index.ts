/**
 * The local API Gateway of the embedded default: the catalog's HTTP routes with IAM (SigV4)
 * authorization against local access keys, as API Gateway HTTP API payload 2.0 events for the
 * same handlers. See local/aws/api-gateway/server.ts. `invoke` fits the local Lambda service's
 * invoker (local/aws/stepfunctions/lambda-invoker.ts lambdaServiceInvoker), which throws on a
 * function error as this gateway expects.
 */
export { startApiGateway, INTEGRATION_TIMEOUT_MS, LOCAL_ACCOUNT, MAX_BODY_BYTES, type ApiGatewayOptions, type ApiGatewayService, type Invoke } from './server.ts';
export {
  CREDENTIALS_FILE_MODE,
  credentialsFileText,
  DEMO_PROFILES,
  demoUsers,
  generateAccessKeyId,
  generateDemoCredentials,
  generateSecretAccessKey,
  loadOrCreateDemoCredentials,
  principalsOf,
  readDemoCredentials,
  writeCredentialsFile,
  type DemoCredential,
  type DemoUser,
} from './credentials.ts';
export { MAX_CLOCK_SKEW_MS, verifySigV4, type Principal, type Principals } from './sigv4.ts';
export { RouteTable, RouteDefinitionError, type RouteMatch } from './routes.ts';
