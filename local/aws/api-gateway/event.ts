/**
 * The two conversions at the heart of an HTTP API with a Lambda integration (payload format
 * 2.0): a request becomes the event the function receives, with the IAM authorizer's view of the
 * caller, and the function's answer becomes the HTTP response — a structured answer (one with a
 * `statusCode`) as it says, anything else as a 200 JSON body, as API Gateway infers it.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type { RouteMatch } from './routes.ts';
import { decodeComponent } from './routes.ts';

/** The authorizer's view of the caller: who signed, under which key. */
export type CallerIdentity = { accessKeyId: string; principalArn: string };

export type RequestFacts = {
  match: RouteMatch;
  method: string;
  rawPath: string;
  rawQuery: string;
  /** Header names lower-case, in arrival order, repeated headers as several entries. */
  headers: readonly (readonly [string, string])[];
  body: Buffer;
  sourceIp: string;
  requestId: string;
  time: Date;
  caller: CallerIdentity;
  /** The API's own account and id (requestContext.accountId, apiId). */
  accountId: string;
  apiId: string;
};

/** Bodies API Gateway passes as text; every other body arrives base64-encoded. */
const TEXT_TYPES = [/^text\//, /^application\/(.+\+)?json\b/, /^application\/(.+\+)?xml\b/, /^application\/javascript\b/, /^application\/x-www-form-urlencoded\b/, /^application\/x-ndjson\b/];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/[^/]+\/(.+)$/;
const ACCOUNT_IN_ARN = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/;
const USER_ID_LENGTH = 17;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `31/Jan/2026:12:00:00 +0000`, the form of requestContext.time. */
function clfTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

/**
 * IAM's unique id of a principal (AIDA… for users, AROA…:session for role sessions): locally
 * there is no IAM, so it is derived from the ARN, stable across restarts.
 */
export function userIdOf(principalArn: string): string {
  const digest = createHash('sha256').update(principalArn).digest();
  const id = Array.from(digest.subarray(0, USER_ID_LENGTH), (byte) => BASE32[byte % BASE32.length]).join('');
  const session = ASSUMED_ROLE.exec(principalArn);
  return session ? `AROA${id}:${session[2]}` : `AIDA${id}`;
}

function isText(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_TYPES.some((pattern) => pattern.test(contentType.toLowerCase()));
}

/** Repeated headers and query parameters are joined with "," in payload 2.0; cookies go to `cookies`. */
function joined(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of pairs) out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  return out;
}

function queryPairs(rawQuery: string): [string, string][] {
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const index = pair.indexOf('=');
      const decode = (text: string) => decodeComponent(text.replace(/\+/g, ' '));
      return index < 0 ? [decode(pair), ''] : [decode(pair.slice(0, index)), decode(pair.slice(index + 1))];
    });
}

/** The event API Gateway sends the route's function. */
export function buildEvent(facts: RequestFacts): APIGatewayProxyEventV2WithIAMAuthorizer {
  const cookies = facts.headers.filter(([name]) => name === 'cookie').flatMap(([, value]) => value.split(/;\s*/).filter(Boolean));
  const headers = joined(facts.headers.filter(([name]) => name !== 'cookie'));
  const query = queryPairs(facts.rawQuery);
  const text = isText(headers['content-type']);
  const host = headers.host ?? '';
  const userId = userIdOf(facts.caller.principalArn);
  return {
    version: '2.0',
    routeKey: facts.match.routeKey,
    rawPath: facts.rawPath,
    rawQueryString: facts.rawQuery,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(query.length ? { queryStringParameters: joined(query) } : {}),
    ...(Object.keys(facts.match.pathParameters).length ? { pathParameters: facts.match.pathParameters } : {}),
    ...(facts.body.length ? { body: text ? facts.body.toString('utf8') : facts.body.toString('base64') } : {}),
    isBase64Encoded: facts.body.length > 0 && !text,
    requestContext: {
      accountId: facts.accountId,
      apiId: facts.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: { method: facts.method, path: facts.rawPath, protocol: 'HTTP/1.1', sourceIp: facts.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: facts.requestId,
      routeKey: facts.match.routeKey,
      stage: '$default',
      time: clfTime(facts.time),
      timeEpoch: facts.time.getTime(),
      authorizer: {
        iam: {
          accessKey: facts.caller.accessKeyId,
          accountId: ACCOUNT_IN_ARN.exec(facts.caller.principalArn)?.[1] ?? facts.accountId,
          callerId: userId,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: facts.caller.principalArn,
          userId,
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}

/** What goes back to the client. */
export type HttpAnswer = { status: number; headers: Record<string, string | string[]>; body: Buffer };

const JSON_TYPE = 'application/json';
const OK = 200;

/** A function's answer as API Gateway turns it into a response (payload format 2.0). */
export function answerOf(result: unknown): HttpAnswer {
  const structured = typeof result === 'object' && result !== null && 'statusCode' in result;
  if (!structured) {
    // No statusCode: API Gateway assumes a 200 whose JSON body is the whole answer.
    return { status: OK, headers: { 'content-type': JSON_TYPE }, body: Buffer.from(JSON.stringify(result ?? null) ?? 'null', 'utf8') };
  }
  const answer = result as { statusCode: number; headers?: Record<string, unknown>; body?: unknown; isBase64Encoded?: boolean; cookies?: unknown };
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(answer.headers ?? {})) if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  if (Array.isArray(answer.cookies) && answer.cookies.length) headers['set-cookie'] = answer.cookies.map(String);
  const text = typeof answer.body === 'string' ? answer.body : answer.body === undefined || answer.body === null ? '' : JSON.stringify(answer.body);
  const body = answer.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { status: Number(answer.statusCode), headers, body };
}
