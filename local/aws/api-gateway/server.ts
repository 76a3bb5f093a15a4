/**
 * The local API Gateway: an HTTP server on 127.0.0.1 that does what an HTTP API with IAM
 * authorization on every route and Lambda integrations (payload format 2.0) does, for the
 * routes of the catalog. A request is matched to a route (404 `{"message":"Not Found"}` when
 * none), its SigV4 signature is verified against local access keys (403 with API Gateway's
 * messages), it becomes the event with the caller in `requestContext.authorizer.iam`, and the
 * function's answer becomes the response. So the CLI, the SDK and `curl --aws-sigv4` work the
 * same against this server and against AWS.
 *
 * The server logs nothing: requests carry signatures and bodies may carry secrets.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import type { RouteSpec } from '#functions/catalog.ts';
import { DEFAULT_LOCAL_REGION, LOCAL_ACCOUNT } from '../defaults.ts';
import { answerOf, buildEvent, type HttpAnswer } from './event.ts';
import { RouteTable } from './routes.ts';
import { type Principals, verifySigV4 } from './sigv4.ts';

export { LOCAL_ACCOUNT };

/** Runs a function: the local Lambda's Invoke, or a handler called in-process. A throw is a function error. */
export type Invoke = (functionName: string, event: APIGatewayProxyEventV2WithIAMAuthorizer) => Promise<unknown>;

export type ApiGatewayOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The catalog's routes (functions/catalog.ts). */
  routes: readonly RouteSpec[];
  invoke: Invoke;
  /** Local access keys and whom they belong to. */
  principals: Principals;
  /** The region requests are signed for (us-east-1 by default). */
  region?: string;
  /** HTTP APIs accept bodies up to 10 MB. */
  maxBodyBytes?: number;
  /** How long a function may take before the client gets a 503, as HTTP APIs cut integrations at 30 s. */
  timeoutMs?: number;
  /** The API's account (requestContext.accountId). */
  accountId?: string;
  apiId?: string;
  /** The gateway's clock, for the signature's skew check. */
  now?: () => Date;
};

export type ApiGatewayService = {
  /** http://127.0.0.1:<port>: the value of CONVEYOR_API_URL. */
  url: string;
  region: string;
  close(): Promise<void>;
};

const HOST = '127.0.0.1';
const DEFAULT_API_ID = 'conveyor';
/** API Gateway HTTP APIs: a 10 MB payload, a 30 s integration timeout. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const INTEGRATION_TIMEOUT_MS = 30_000;
/** Bytes of a request id, base64-encoded as API Gateway's look (`JKJaXmPLvHcESHA=`). */
const REQUEST_ID_BYTES = 11;

const HTTP = { notFound: 404, forbidden: 403, tooLarge: 413, internal: 500, unavailable: 503 } as const;

/** API Gateway's own answers, as `{"message": ...}`. */
class GatewayAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayAnswer';
  }
}

const GATEWAY_MESSAGES: Record<number, string> = {
  [HTTP.notFound]: 'Not Found',
  [HTTP.tooLarge]: 'Request Entity Too Large',
  [HTTP.internal]: 'Internal Server Error',
  [HTTP.unavailable]: 'Service Unavailable',
};

const gatewayAnswer = (status: number) => new GatewayAnswer(status, GATEWAY_MESSAGES[status]!);

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) return Promise.reject(gatewayAnswer(HTTP.tooLarge));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.removeAllListeners('data');
        reject(gatewayAnswer(HTTP.tooLarge));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Header pairs in arrival order, names lower-case. */
function headerPairs(request: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) pairs.push([request.rawHeaders[i]!.toLowerCase(), request.rawHeaders[i + 1]!]);
  return pairs;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(gatewayAnswer(HTTP.unavailable)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function send(response: ServerResponse, answer: HttpAnswer, requestId: string, close = false): void {
  response.writeHead(answer.status, {
    ...answer.headers,
    'content-length': answer.body.length,
    'apigw-requestid': requestId,
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(answer.body);
}

const messageAnswer = (status: number, message: string): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ message }), 'utf8'),
});

type Context = Required<Omit<ApiGatewayOptions, 'port' | 'routes'>> & { table: RouteTable };

async function handle(request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  const requestId = randomBytes(REQUEST_ID_BYTES).toString('base64');
  const time = context.now();
  const [rawPath = '/', rawQuery = ''] = splitTarget(request.url ?? '/');
  const method = request.method ?? 'GET';
  try {
    const match = context.table.match(method, rawPath);
    if (!match) {
      request.resume();
      throw gatewayAnswer(HTTP.notFound);
    }
    const body = await readBody(request, context.maxBodyBytes);
    const headers = headerPairs(request);
    const verdict = await verifySigV4({ method, rawPath, rawQuery, headers, body }, { principals: context.principals, region: context.region, now: time });
    if (!verdict.ok) throw new GatewayAnswer(HTTP.forbidden, verdict.message);
    const event = buildEvent({
      match,
      method,
      rawPath,
      rawQuery,
      headers,
      body,
      sourceIp: request.socket.remoteAddress ?? HOST,
      requestId,
      time,
      caller: { accessKeyId: verdict.accessKeyId, principalArn: verdict.principal.principalArn },
      accountId: context.accountId,
      apiId: context.apiId,
    });
    let result: unknown;
    try {
      result = await withTimeout(context.invoke(match.route.function, event), context.timeoutMs);
    } catch (error) {
      // A function error (or a timeout) never reaches the client: API Gateway answers for it.
      throw error instanceof GatewayAnswer ? error : gatewayAnswer(HTTP.internal);
    }
    send(response, answerOf(result), requestId);
  } catch (error) {
    const answer = error instanceof GatewayAnswer ? error : gatewayAnswer(HTTP.internal);
    const tooLarge = answer.status === HTTP.tooLarge;
    send(response, messageAnswer(answer.status, answer.message), requestId, tooLarge);
    // The rest of a too-large body is not read: answer, then drop the connection.
    if (tooLarge) response.once('finish', () => request.destroy());
  }
}

function splitTarget(target: string): [string, string] {
  const index = target.indexOf('?');
  return index < 0 ? [target, ''] : [target.slice(0, index), target.slice(index + 1)];
}

/** Starts the gateway; it is ready when the promise resolves. Throws RouteDefinitionError for a bad route. */
export async function startApiGateway(options: ApiGatewayOptions): Promise<ApiGatewayService> {
  const context: Context = {
    table: new RouteTable(options.routes),
    invoke: options.invoke,
    principals: options.principals,
    region: options.region ?? DEFAULT_LOCAL_REGION,
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    timeoutMs: options.timeoutMs ?? INTEGRATION_TIMEOUT_MS,
    accountId: options.accountId ?? LOCAL_ACCOUNT,
    apiId: options.apiId ?? DEFAULT_API_ID,
    now: options.now ?? (() => new Date()),
  };
  const server = createServer((request, response) => void handle(request, response, context));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${port}`,
    region: context.region,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; close them so `close` does not wait for their timeout.
        server.closeAllConnections();
      }),
  };
}
