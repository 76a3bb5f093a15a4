/**
 * The Conveyor API client every command uses: requests signed with SigV4 for `execute-api`
 * (@smithy/signature-v4, the SDK's own signer, with credentials from the standard AWS chain),
 * retried with exponential backoff and jitter where a retry is safe, and failures turned into
 * ApiError/ConnectionError with the exit code they end the command with.
 *
 * What is retried: 429 always (API Gateway refused it before any function ran); 5xx, resets and
 * timeouts only for GET, PUT and DELETE — a PUT or DELETE carries the version it read, so a
 * retry of one that took effect fails visibly instead of acting twice, while a POST (a
 * promotion, a creation) that may have taken effect is not sent again. Every attempt is signed
 * anew (X-Amz-Date must be fresh). `Retry-After` is waited at least.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ApiError, apiErrorOf, ConnectionError } from './errors.ts';
import { nodeTransport, type Transport, type WireRequest } from './transport.ts';

export const SERVICE = 'execute-api';

export type RetryPolicy = {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
};

/** Four attempts over about five seconds: enough for a throttle or a cold start to pass. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 4_000 };
/** API Gateway ends an integration at 30 s; a little more for the network. */
const REQUEST_TIMEOUT_MS = 35_000;
const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE']);
const THROTTLED = 429;
const SERVER_ERROR = 500;
const NO_CONTENT = 204;
const NOT_FOUND = 404;
/** Socket failures worth another attempt; a refused connection means nothing listens there. */
const RETRYABLE_SOCKET_ERRORS = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN']);
const MS_PER_SECOND = 1000;
const USER_AGENT = 'conveyor-cli';

export type ClientOptions = {
  endpoint: URL;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  retry?: RetryPolicy;
  transport?: Transport;
  sleep?: (ms: number) => Promise<void>;
  /** 0..1; tests make backoff deterministic. */
  random?: () => number;
};

export type Query = Record<string, string | number | undefined>;

/** RFC 3986 encoding (SigV4 canonicalizes to it, so what is sent is what is signed). */
export const encode = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `/projects/{projectId}/releases` with `{ projectId: 'web' }`; a `{name+}` parameter keeps its "/". */
export function pathOf(template: string, parameters: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)(\+?)\}/g, (_, name: string, greedy: string) => {
    const value = parameters[name];
    if (value === undefined) throw new Error(`no value for {${name}} of ${template}`);
    return greedy ? value.split('/').map(encode).join('/') : encode(value);
  });
}

function queryText(query: Query | undefined): string {
  return Object.entries(query ?? {})
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${encode(key)}=${encode(String(value))}`)
    .join('&');
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ApiClient {
  private readonly signer: SignatureV4;
  private readonly retry: RetryPolicy;
  private readonly transport: Transport;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: ClientOptions) {
    this.signer = new SignatureV4({ service: SERVICE, region: options.region, credentials: options.credentials, sha256: Sha256 });
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.transport = options.transport ?? nodeTransport;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  get endpoint(): URL {
    return this.options.endpoint;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  /** A GET that answers undefined when the API says the thing does not exist (not when no route matched). */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof ApiError && error.status === NOT_FOUND && !error.fromGateway) return undefined;
      throw error;
    }
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>('POST', path, { body: body ?? {} });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', path, { body });
  }

  async delete(path: string, query?: Query): Promise<void> {
    await this.send('DELETE', path, { query });
  }

  /** A body that is not JSON (the NDJSON audit export), as text. */
  async text(path: string, query?: Query): Promise<string> {
    return (await this.send('GET', path, { query })).body;
  }

  private async json<T>(method: string, path: string, request: { query?: Query; body?: unknown }): Promise<T> {
    const answer = await this.send(method, path, request);
    return (answer.status === NO_CONTENT || answer.body === '' ? undefined : JSON.parse(answer.body)) as T;
  }

  /** The signed request for one attempt: what goes on the wire. */
  private async sign(method: string, path: string, request: { query?: Query; body?: unknown } = {}): Promise<WireRequest> {
    const base = this.options.endpoint;
    // An endpoint with a path (a stage, a custom domain's base path) prefixes every route.
    const fullPath = `${base.pathname.replace(/\/$/, '')}${path}`;
    const query = queryText(request.query);
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string> = { host: base.host, accept: 'application/json', 'user-agent': USER_AGENT, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) };
    const signed = await this.signer.sign({
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      ...(base.port ? { port: Number(base.port) } : {}),
      path: fullPath,
      query: Object.fromEntries(
        Object.entries(request.query ?? {})
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      ),
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const url = new URL(`${base.origin}${fullPath}${query ? `?${query}` : ''}`);
    return { url, method, headers: signed.headers as Record<string, string>, ...(body !== undefined ? { body } : {}), timeoutMs: REQUEST_TIMEOUT_MS };
  }

  private async send(method: string, path: string, request: { query?: Query; body?: unknown }): Promise<{ status: number; body: string }> {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.retry.attempts;
      const wire = await this.sign(method, path, request);
      let answer;
      try {
        answer = await this.transport(wire);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        if (!last && IDEMPOTENT.has(method) && RETRYABLE_SOCKET_ERRORS.has(code)) {
          await this.sleep(this.backoff(attempt));
          continue;
        }
        throw new ConnectionError(this.options.endpoint.origin, code === 'ECONNREFUSED' ? 'connection refused (is the API running there?)' : (error as Error).message, { cause: error });
      }
      if (answer.status < 300) return answer;
      const retryable = answer.status === THROTTLED || (answer.status >= SERVER_ERROR && IDEMPOTENT.has(method));
      if (!last && retryable) {
        await this.sleep(Math.max(this.backoff(attempt), retryAfterMs(answer.headers['retry-after'])));
        continue;
      }
      const requestId = answer.headers['apigw-requestid'];
      throw apiErrorOf(answer.status, answer.body, typeof requestId === 'string' ? requestId : undefined);
    }
  }

  /** Full jitter: a random wait up to base × 2^(attempt-1), capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(this.random() * ceiling);
  }
}

function retryAfterMs(header: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * MS_PER_SECOND : 0;
}
