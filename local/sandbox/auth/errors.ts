/**
 * Error classes of the sandbox's authentication, certificate and authorization code.
 *
 * Messages never carry secret material (keys, tokens, passwords, signatures): they may end up
 * in logs or, for request-validation errors, in API responses.
 */

/** Generating, reading or writing the sandbox PKI failed (bad files on disk, unparsable PEM). */
export class PkiError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PkiError';
  }
}

/**
 * A TokenRequest was invalid, the way kube-apiserver's validation rejects it. The API layer turns
 * this into a 422 Invalid Status with one cause `{ field, message }`.
 */
export class TokenRequestInvalidError extends Error {
  readonly field: string;
  readonly value: unknown;
  /** The validation detail alone, e.g. `may not specify a duration less than 10 minutes`. */
  readonly detail: string;
  constructor(field: string, value: unknown, detail: string, options?: { cause?: unknown }) {
    super(`${field}: Invalid value: ${JSON.stringify(value)}: ${detail}`, options);
    this.name = 'TokenRequestInvalidError';
    this.field = field;
    this.value = value;
    this.detail = detail;
  }
}

/**
 * A presented token (ServiceAccount JWT, legacy secret token, EKS token) was rejected. The reason
 * is for logs and tests only; clients just see 401 so they cannot probe which check failed.
 */
export class TokenInvalidError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'TokenInvalidError';
  }
}

/** The authentication configuration handed to a constructor is unusable (duplicate user, bad ARN). */
export class AuthConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthConfigError';
  }
}
