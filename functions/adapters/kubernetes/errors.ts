/**
 * Turns what @kubernetes/client-node and the network throw into the engine's domain errors.
 * Client exceptions carry response bodies and headers, so nothing from them reaches a message
 * unfiltered: only the server's Status message is used, after every known secret and every
 * credential-shaped string has been replaced, and `cause` is a sanitized summary, never the
 * exception itself.
 */
import { ClusterAccessError, ClusterUnavailableError, DeployError, FieldConflictError, ObjectRejectedError } from '#domain/errors.ts';
import type { Account, ObjectRef } from '#domain/model.ts';
import { Redactor } from '#domain/redactor.ts';
import { NETWORK_ERROR_CODES } from '../network-errors.ts';

/** What an error message may say about where it happened; `secrets` are redacted from server text. */
export type ErrorContext = {
  target: string;
  accountKind: Account['kind'];
  /** API server URL, for TLS and connection messages (never carries credentials). */
  url?: string;
  /** Every secret value of the account (token, password, key, AWS keys) to redact from server text. */
  secrets: readonly string[];
};

/** The request that failed, for messages that name verb and object. */
export type Operation = { verb: string; ref?: ObjectRef };

/**
 * The API server's certificate could not be verified (self-signed, unknown CA, wrong host name).
 * Terminal: the fix is the target's CA bundle, never silently turning verification off.
 */
export class TlsVerificationError extends DeployError {
  readonly category = 'access' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TlsVerificationError';
  }
}

/** The target cannot be connected to as configured (no URL, for instance). Terminal. */
export class TargetConfigurationError extends DeployError {
  readonly category = 'input' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TargetConfigurationError';
  }
}

/** Discovery says the cluster does not serve this kind at this apiVersion (kubectl's "no matches for kind"). */
export class KindNotServedError extends Error {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`no matches for kind "${kind}" in version "${apiVersion}"`);
    this.name = 'KindNotServedError';
  }
}

/** A sanitized stand-in for the client exception, kept as `cause` (status and reason only). */
export class KubernetesApiFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly reason?: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'KubernetesApiFailure';
  }
}

/** Account secrets shorter than this are not searched for: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;
const MAX_SERVER_MESSAGE = 1_000;
const MIN_HTTP_STATUS = 100;
const MAX_HTTP_STATUS = 599;

/** Replaces known secret values and credential-shaped strings in text from outside, and bounds its length. */
export function redact(text: string, secrets: readonly string[]): string {
  const out = new Redactor(secrets, { minLength: MIN_SECRET_LENGTH }).text(text);
  return out.length > MAX_SERVER_MESSAGE ? `${out.slice(0, MAX_SERVER_MESSAGE)}…` : out;
}

/** Node/undici error codes of a connection that failed or broke: retrying may work. */
const TRANSIENT_CODES = new Set([...NETWORK_ERROR_CODES, 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_ABORTED']);
/** OpenSSL verification codes: the server's identity could not be established. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'INVALID_CA',
]);
const TRANSIENT_MESSAGES = /socket hang up|other side closed|fetch failed|network|terminated/i;
const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Entity', 429: 'Too Many Requests' };

/** A Kubernetes Status object, as far as the mapping needs it. */
type Status = { message?: string; reason?: string; details?: { causes?: { reason?: string; type?: string; field?: string; message?: string }[] } };

/** The HTTP status, Status body and Retry-After of an ApiException or a failed Watch, if it is one. */
export function httpFailure(error: unknown): { status: number; body: Status; retryAfter?: number } | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { code?: unknown; statusCode?: unknown; body?: unknown; headers?: Record<string, string> };
  // ApiException has a numeric `code` and a body; a failed Watch a `statusCode`. DOMException's
  // numeric `code` (23 for a timeout) is neither.
  const status = typeof e.code === 'number' && 'body' in e ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || status < MIN_HTTP_STATUS || status > MAX_HTTP_STATUS) return undefined;
  let body: Status = {};
  if (typeof e.body === 'string') {
    try {
      body = JSON.parse(e.body) as Status;
    } catch {
      body = {};
    }
  } else if (e.body && typeof e.body === 'object') body = e.body as Status;
  const header = e.headers?.['retry-after'] ?? e.headers?.['Retry-After'];
  const retryAfter = header !== undefined && /^\d+$/.test(String(header)) ? Number(header) : undefined;
  return { status, body, ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

/** Error codes and names along the cause chain (fetch wraps the socket error in `cause`). */
function causeChain(error: unknown): { codes: string[]; names: string[]; messages: string[] } {
  const codes: string[] = [];
  const names: string[] = [];
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 6; depth++) {
    const e = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.name === 'string') names.push(e.name);
    if (typeof e.message === 'string') messages.push(e.message);
    current = e.cause;
  }
  return { codes, names, messages };
}

function describe(ref: ObjectRef | undefined): string {
  if (!ref) return '';
  return ` ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** `.spec.replicas` owned by `kubectl-client-side-apply`, from the 409's Status causes. */
export function parseConflicts(body: Status): { field: string; manager: string }[] {
  return (body.details?.causes ?? [])
    .filter((c) => (c.reason ?? c.type) === 'FieldManagerConflict')
    .map((c) => ({ field: c.field ?? '', manager: /conflict with "([^"]+)"/.exec(c.message ?? '')?.[1] ?? 'unknown' }));
}

/**
 * The domain error for anything a cluster call threw. Domain errors pass through unchanged,
 * so layers can map early without double wrapping.
 */
export function toDomainError(error: unknown, ctx: ErrorContext, op: Operation): DeployError {
  if (error instanceof DeployError) return error;
  const where = `target "${ctx.target}"`;
  const ref = op.ref ?? { apiVersion: '', kind: '', name: '' };
  if (error instanceof KindNotServedError) return new ObjectRejectedError(ref, `${where}: ${error.message}`, 404);

  const http = httpFailure(error);
  if (http) return fromStatus(http, ctx, op, where, ref);

  const { codes, names, messages } = causeChain(error);
  const tls = codes.find((c) => TLS_CODES.has(c) || c.startsWith('ERR_TLS') || c.startsWith('ERR_SSL'));
  if (tls) {
    return new TlsVerificationError(`${where}: TLS verification failed for ${ctx.url ?? 'the API server'} (${tls}); the server's certificate is not trusted by the target's CA bundle`, {
      cause: new KubernetesApiFailure('TLS verification failed', undefined, undefined, tls),
    });
  }
  if (names.includes('TimeoutError')) {
    return new ClusterUnavailableError(`${where}: ${op.verb}${describe(op.ref)} timed out`, undefined, { cause: new KubernetesApiFailure('timeout', undefined, undefined, 'TimeoutError') });
  }
  const transient = codes.find((c) => TRANSIENT_CODES.has(c));
  if (transient || messages.some((m) => TRANSIENT_MESSAGES.test(m))) {
    const what = transient ?? 'connection failed';
    return new ClusterUnavailableError(`${where}: ${op.verb}${describe(op.ref)} failed: cannot reach ${ctx.url ?? 'the API server'} (${what})`, undefined, {
      cause: new KubernetesApiFailure('connection failed', undefined, undefined, transient),
    });
  }
  // Unknown: say what failed without echoing text we did not vet beyond redaction.
  const text = redact(messages[0] ?? String(error), ctx.secrets);
  return new ClusterUnavailableError(`${where}: ${op.verb}${describe(op.ref)} failed: ${text}`, undefined, { cause: new KubernetesApiFailure(text) });
}

const TYPED_PATCH_FAILURE = 'failed to create typed patch object';

function fromStatus(http: NonNullable<ReturnType<typeof httpFailure>>, ctx: ErrorContext, op: Operation, where: string, ref: ObjectRef): DeployError {
  const { status, body } = http;
  const server = body.message ? redact(body.message, ctx.secrets) : '';
  const cause = new KubernetesApiFailure(`HTTP ${status}${body.reason ? ` ${body.reason}` : ''}`, status, body.reason);
  const statusText = `${status} ${STATUS_TEXT[status] ?? body.reason ?? 'error'}`;
  if (status === 401) {
    return new ClusterAccessError(`${where}: the cluster rejected the credentials of the ${ctx.accountKind} account (${statusText})`, 401, { cause });
  }
  if (status === 403) {
    const what = server || `cannot ${op.verb}${describe(op.ref)}`;
    return new ClusterAccessError(`${where}: the ${ctx.accountKind} account is not allowed to ${op.verb}${describe(op.ref)}: ${what}`, 403, { cause });
  }
  if (status === 409) {
    const conflicts = parseConflicts(body);
    if (conflicts.length > 0) {
      const list = conflicts.map((c) => `${c.field} (managed by "${c.manager}")`).join(', ');
      return new FieldConflictError(ref, conflicts, `${where}: apply of${describe(op.ref)} conflicts with fields owned by other managers: ${list}; apply with force to take them`);
    }
  }
  // kube-apiserver answers a server-side apply naming a field its schema lacks with a plain
  // 500 (kubernetes#122480); that is the object's fault, not the cluster's: never retry it.
  if (status === 500 && server.startsWith(TYPED_PATCH_FAILURE)) {
    return new ObjectRejectedError(ref, `${where}: ${op.verb}${describe(op.ref)} was rejected: ${server}`, status, { cause });
  }
  if (status === 429 || status >= 500) {
    return new ClusterUnavailableError(`${where}: ${op.verb}${describe(op.ref)} failed: the API server answered ${statusText}${server ? `: ${server}` : ''}`, http.retryAfter, { cause });
  }
  return new ObjectRejectedError(ref, `${where}: ${op.verb}${describe(op.ref)} was rejected (${statusText})${server ? `: ${server}` : ''}`, status, { cause });
}
