/**
 * The HTTP side shared by the local services that speak an AWS JSON protocol (Step Functions:
 * JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`; EventBridge: JSON 1.1,
 * `AWSEvents.<Operation>`): one `POST /` per call, the operation named by X-Amz-Target, a
 * bounded body, and errors in AWS's shape (`{"__type": "<Code>", "message": ...}`), which is
 * what the SDK turns into its own exception classes. Signatures are not checked: a local
 * service has nobody to authenticate against. Nothing here logs a body (it may carry a task
 * token or an event's detail), and a JSON parser's message, which quotes the body, is never
 * echoed. The local Lambda service (REST JSON) uses the body reader and the listener too.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Loopback only: these services are for the machine they run on. */
export const HOST = '127.0.0.1';

export const HTTP = { ok: 200, accepted: 202, noContent: 204, badRequest: 400, notFound: 404, tooLarge: 413, internal: 500 } as const;

/** An AWS error answer: `code` is the exception's name as the SDK knows it. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = HTTP.badRequest,
  ) {
    super(message);
    this.name = code;
  }
}

/** The request body is larger than the service takes: answered, then the connection is dropped. */
export class BodyTooLargeError extends ServiceError {
  constructor(limit: number, code = 'RequestEntityTooLargeException') {
    super(code, `Request body exceeds ${limit} bytes.`, HTTP.tooLarge);
  }
}

/** Reads a body of at most `limit` bytes; BodyTooLargeError past it. */
export function readBody(request: IncomingMessage, limit: number, tooLarge: () => ServiceError = () => new BodyTooLargeError(limit)): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The body as a JSON object; SerializationException otherwise (without the parser's message). */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ServiceError('SerializationException', 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

/** Answers with `body` as JSON; `close` drops the connection afterwards (a body left unread). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, close = false): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  response.writeHead(status, { 'content-length': payload.length, ...headers, ...(close ? { connection: 'close' } : {}) });
  response.end(payload);
}

/** One operation of a JSON-protocol service: the parsed input, its answer (JSON-serializable). */
export type JsonOperation = (input: Record<string, unknown>) => unknown | Promise<unknown>;

export type JsonProtocol = {
  /** `AWSStepFunctions.` or `AWSEvents.`: what X-Amz-Target starts with. */
  targetPrefix: string;
  /** `application/x-amz-json-1.0` or `-1.1`. */
  contentType: string;
  maxBodyBytes: number;
  operations: ReadonlyMap<string, JsonOperation>;
  /** Other paths the service answers itself (local inspection endpoints); undefined when it does not. */
  fallback?: (request: IncomingMessage, response: ServerResponse) => boolean;
};

/** The request handler of a JSON-protocol service. */
export function jsonProtocolHandler(protocol: JsonProtocol): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const requestId = randomUUID();
    const headers = { 'content-type': protocol.contentType, 'x-amzn-requestid': requestId };
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(protocol.targetPrefix) ? protocol.operations.get(target.slice(protocol.targetPrefix.length)) : undefined;
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'POST' || path !== '/' || !operation) {
        if (protocol.fallback?.(request, response)) return;
        request.resume();
        throw new ServiceError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}.`);
      }
      const input = parseJsonObject(await readBody(request, protocol.maxBodyBytes));
      sendJson(response, HTTP.ok, (await operation(input)) ?? {}, headers);
    } catch (error) {
      const known = error instanceof ServiceError ? error : new ServiceError('InternalServerError', 'An error occurred on the server side.', HTTP.internal);
      const tooLarge = error instanceof BodyTooLargeError;
      sendJson(response, known.status, { __type: known.code, message: known.message }, headers, tooLarge);
      // The rest of an oversized body is not read: answer, then drop the connection.
      if (tooLarge) response.once('finish', () => request.destroy());
    }
  };
}

/** A started HTTP service: its URL and how to stop it. */
export type Listening = { server: Server; url: string; port: number; close(): Promise<void> };

/** Listens on HOST:`port` (0: a free port) and resolves once it accepts connections. */
export async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>, port = 0): Promise<Listening> {
  const server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    url: `http://${HOST}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; close them so `close` does not wait for their timeout.
        server.closeAllConnections();
      }),
  };
}
