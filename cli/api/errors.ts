/**
 * Errors of talking to the Conveyor API, each with the exit code it ends the command with and,
 * where there is one, what to do about it. The API answers `{"error": {code, message,
 * details}}` with the status of the error's category; API Gateway itself answers
 * `{"message": ...}` (a refused signature, an unknown route). The exit code derives from the
 * status through the one table of categories (ERROR_CATEGORIES), as the HTTP status did.
 * Nothing here holds a header or a credential: only what the API said.
 */
import { ERROR_CATEGORIES } from '#domain/errors.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit.ts';

/** HTTP status → exit code, from the categories' table (400, 404, 409 → 2; 403, 5xx → 3; 422 → 1). */
const EXIT_BY_STATUS = new Map<number, number>(Object.values(ERROR_CATEGORIES).map((category) => [category.httpStatus, category.exitCode]));
const CLIENT_ERROR = 400;
const SERVER_ERROR = 500;
const UNAUTHORIZED = 401;
const THROTTLED = 429;

/** The API (or API Gateway in front of it) refused or failed a request. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The API's error class (`NotFoundError`, `ValidationError`...), or `Gateway` for API Gateway's own answers. */
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Whether API Gateway answered, not the function: a signature refused, a route unknown. */
  get fromGateway(): boolean {
    return this.code === GATEWAY_CODE;
  }

  get exitCode(): number {
    const mapped = EXIT_BY_STATUS.get(this.status);
    if (mapped !== undefined) return mapped;
    if (this.status === UNAUTHORIZED || this.status === THROTTLED || this.status >= SERVER_ERROR) return EXIT.unavailable;
    return this.status >= CLIENT_ERROR ? EXIT.badInput : EXIT.unavailable;
  }

  /** The problems a ValidationError lists, one per field. */
  get problems(): string[] {
    const problems = this.details.problems;
    return Array.isArray(problems) ? problems.map(String) : [];
  }
}

export const GATEWAY_CODE = 'Gateway';

/** The error an answer with status `status` and body `text` stands for. */
export function apiErrorOf(status: number, text: string, requestId?: string): ApiError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const record = (body ?? {}) as { error?: { code?: unknown; message?: unknown; details?: unknown }; message?: unknown };
  if (record.error && typeof record.error === 'object') {
    const { code, message, details } = record.error;
    return new ApiError(status, String(code ?? 'Error'), String(message ?? `HTTP ${status}`), details && typeof details === 'object' ? (details as Record<string, unknown>) : {}, requestId);
  }
  if (typeof record.message === 'string') return new ApiError(status, GATEWAY_CODE, record.message, {}, requestId);
  return new ApiError(status, 'Error', `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, {}, requestId);
}

/** No endpoint was given anywhere: bad input (exit 2), with where one can come from. */
export class EndpointError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointError';
  }
}

/** The API could not be reached at all (refused, reset, timed out): exit 3. */
export class ConnectionError extends Error {
  readonly exitCode = EXIT.unavailable;
  constructor(
    readonly endpoint: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot reach the Conveyor API at ${endpoint}: ${reason}`, options);
    this.name = 'ConnectionError';
  }
}

/** No credentials to sign with, or a profile that does not exist: exit 3. */
export class CredentialsError extends Error {
  readonly exitCode = EXIT.unavailable;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CredentialsError';
  }
}

const SIGNATURE_HINT =
  "the API did not accept the request's signature: sign with credentials of this stack (--profile, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE; for the local stack, `source .conveyor/local.env`)";

/** What to do about an API error, when something can be said beyond its message. */
export function hintFor(error: ApiError): string | undefined {
  if (error.fromGateway) {
    if (error.status === 404) return 'the API has no such route: is the endpoint a Conveyor API, and this CLI as new as the API?';
    if (/^Signature (expired|not yet current)/.test(error.message)) return "this machine's clock is off by more than 5 minutes: correct it and retry";
    if (error.status === 403) return SIGNATURE_HINT;
    if (error.status >= SERVER_ERROR) return 'the API failed to answer; try again in a moment';
    return undefined;
  }
  switch (error.code) {
    case 'ForbiddenError':
      return 'your role does not allow this: an Admin can grant one (conveyor roles grant ARN --role ROLE); conveyor roles list shows the bindings';
    case 'VersionConflictError':
      return 'someone changed it meanwhile: run the command again (it reads the current version first)';
    case 'DuplicateError':
      return 'it exists already: change it with update (or apply), or pick another id';
    case 'ServiceUnavailable':
      return 'the service is busy or a dependency is down; try again in a moment';
    case 'InternalError':
      return `the API failed${error.requestId ? ` (request ${error.requestId})` : ''}; its logs have the cause`;
  }
  if (error.status === THROTTLED) return 'the API is throttling requests; try again in a moment';
  return undefined;
}
