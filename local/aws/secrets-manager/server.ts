/**
 * The local Secrets Manager: an HTTP server on 127.0.0.1 speaking the service's JSON 1.1
 * protocol (`POST /`, `X-Amz-Target: secretsmanager.<Operation>`), so the real SDK client,
 * pointed at it through AWS_ENDPOINT_URL_SECRETS_MANAGER, works unchanged. Requests are signed
 * by the SDK; the signature is not checked (a local service has nobody to authenticate
 * against). Bodies are bounded, malformed JSON is a SerializationException, errors have AWS's
 * shape so the SDK raises its own exception classes. The server logs nothing: a request body
 * may hold a secret value, and so may a JSON parser's error message, which is never echoed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LOCAL_REGION, LOCAL_ACCOUNT } from '../defaults.ts';
import { HTTP, ServiceError, serialization } from './errors.ts';
import type { Input } from './input.ts';
import { listSecrets } from './list.ts';
import { createSecret, deleteSecret, describeSecret, getSecretValue, type Operation, putSecretValue, type ServiceContext } from './operations.ts';
import { SecretsState } from './state.ts';

export type SecretsManagerOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Where the key and the encrypted state live; in memory only when absent. */
  dataDir?: string;
  /** The region in ARNs (us-east-1 by default). */
  region?: string;
  /** Epoch milliseconds; tests move it to end a recovery window. */
  now?: () => number;
};

export type SecretsManagerService = {
  /** http://127.0.0.1:<port>, the value for AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  url: string;
  region: string;
  close(): Promise<void>;
};

const HOST = '127.0.0.1';
/** Far above the largest valid request (a 64 KiB value, base64 or JSON-escaped, plus tags). */
export const MAX_BODY_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'secretsmanager.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** By the name in X-Amz-Target. */
const OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  ['CreateSecret', createSecret],
  ['GetSecretValue', getSecretValue],
  ['PutSecretValue', putSecretValue],
  ['DescribeSecret', describeSecret],
  ['DeleteSecret', deleteSecret],
  ['ListSecrets', listSecrets],
]);

class BodyTooLarge extends ServiceError {
  constructor() {
    super('RequestEntityTooLargeException', `Request body exceeds ${MAX_BODY_BYTES} bytes.`, HTTP.tooLarge);
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parse(body: Buffer): Input {
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    // The parser's own message quotes the body, which may hold a secret value.
    throw serialization('The request body is not valid JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw serialization('The request body must be a JSON object.');
  return value as Input;
}

function send(response: ServerResponse, status: number, body: unknown, requestId: string, close = false): void {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  response.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': payload.length,
    'x-amzn-requestid': requestId,
    ...(close ? { connection: 'close' } : {}),
  });
  response.end(payload);
}

/** AWS's error body; Secrets Manager spells the field `Message`, other services `message`: both are set. */
function sendError(response: ServerResponse, error: ServiceError, requestId: string, close = false): void {
  send(response, error.status, { __type: error.type, message: error.message, Message: error.message }, requestId, close);
}

async function handle(request: IncomingMessage, response: ServerResponse, context: ServiceContext): Promise<void> {
  const requestId = randomUUID();
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? OPERATIONS.get(target.slice(TARGET_PREFIX.length)) : undefined;
    if (request.method !== 'POST' || (request.url ?? '/').split('?')[0] !== '/' || !operation) {
      request.resume();
      throw new ServiceError('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}.`);
    }
    const input = parse(await readBody(request));
    context.state.purgeExpired(context.now());
    send(response, HTTP.ok, operation(input, context), requestId);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      // The rest of the body is not read: answer and drop the connection.
      sendError(response, error, requestId, true);
      response.once('finish', () => request.destroy());
    } else if (error instanceof ServiceError) {
      sendError(response, error, requestId);
    } else {
      sendError(response, new ServiceError('InternalServiceError', 'An error occurred on the server side.', HTTP.internal), requestId);
    }
  }
}

/** Starts the service; it is ready when the promise resolves. Refuses to start on an unsafe key file. */
export async function startSecretsManager(options: SecretsManagerOptions = {}): Promise<SecretsManagerService> {
  const region = options.region ?? DEFAULT_LOCAL_REGION;
  const { state, vault } = SecretsState.open(options.dataDir);
  const context: ServiceContext = { state, vault, region, account: LOCAL_ACCOUNT, now: options.now ?? Date.now };
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
    region,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; close them so `close` does not wait for their timeout.
        server.closeAllConnections();
      }),
  };
}
