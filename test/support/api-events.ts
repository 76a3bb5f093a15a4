/**
 * API Gateway HTTP API (payload 2.0) events as the IAM authorizer delivers them to a handler:
 * the route key, the path with its parameters filled in, query string, JSON body, and the
 * caller's ARN in `requestContext.authorizer.iam`. Plus a Lambda context, and `call`, which
 * runs a handler on such an event and parses the answer.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export type ApiRequest = {
  /** The caller's ARN; none: the authorizer context is left out (a request without IAM). */
  callerArn?: string;
  path?: Record<string, string>;
  query?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as it is (malformed JSON, for instance). */
  body?: unknown;
  requestId?: string;
};

const ACCOUNT_ID = '123456789012';
const API_ID = 'conveyorapi';
const REGION = 'eu-west-1';

/** `/roles/{principalArn+}` with `{ principalArn: 'arn:…/x' }` → `/roles/arn:…/x`. */
function fillPath(template: string, parameters: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\+?\}/g, (_, name: string) => {
    const value = parameters[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${template}`);
    return value;
  });
}

/** The event API Gateway sends for `routeKey` (`PUT /projects/{projectId}`). */
export function apiEvent(routeKey: string, request: ApiRequest = {}): APIGatewayProxyEventV2WithIAMAuthorizer {
  const [method, template] = routeKey.split(' ') as [string, string];
  const rawPath = fillPath(template, request.path ?? {});
  const rawQueryString = new URLSearchParams(request.query ?? {}).toString();
  const requestId = request.requestId ?? randomUUID();
  const body = request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  const iam = request.callerArn
    ? {
        accessKey: 'AKIDEXAMPLE',
        accountId: ACCOUNT_ID,
        callerId: 'AIDAEXAMPLE',
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: request.callerArn,
        userId: 'AIDAEXAMPLE',
      }
    : undefined;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers: { 'content-type': 'application/json', host: `${API_ID}.execute-api.${REGION}.amazonaws.com` },
    ...(request.query ? { queryStringParameters: request.query } : {}),
    ...(request.path ? { pathParameters: request.path } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName: `${API_ID}.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: API_ID,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'conveyor-test' },
      requestId,
      routeKey,
      stage: '$default',
      time: '31/Jan/2026:12:00:00 +0000',
      timeEpoch: Date.parse('2026-01-31T12:00:00Z'),
      ...(iam ? { authorizer: { iam } } : {}),
    },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

/** A Lambda context with the fields Powertools reads. */
export function lambdaContext(functionName = 'conveyor-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** What a test reads of an answer: status, parsed JSON body (undefined for none), and the raw text. */
export type ApiAnswer<T = any> = { status: number; body: T; text: string; headers: Record<string, unknown> };

export type ApiHandler = (event: APIGatewayProxyEventV2WithIAMAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | unknown>;

/** Runs `handler` on the event for `routeKey` and parses the answer. */
export async function call<T = any>(handler: ApiHandler, routeKey: string, request: ApiRequest = {}): Promise<ApiAnswer<T>> {
  const result = (await handler(apiEvent(routeKey, request), lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const text = result.body ?? '';
  return { status: result.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, text, headers: result.headers ?? {} };
}
