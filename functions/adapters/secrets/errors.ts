/**
 * Turns what the Secrets Manager client throws into the domain's secret errors. Only the
 * exception's name (its error code), HTTP status and request id are used: the service's own
 * message is dropped, and `cause` is a SecretStoreFailure, never the SDK exception (which
 * carries the raw response), so a value can reach neither a message nor a log through here.
 */
import type { DeployError } from '#domain/errors.ts';
import {
  SecretAccessError,
  SecretDeletedError,
  SecretExistsError,
  SecretNotFoundError,
  SecretRequestRejectedError,
  SecretStoreError,
  SecretStoreFailure,
  SecretsUnavailableError,
  type SecretOperation,
} from '#domain/secret-errors.ts';

/** Error codes of requests the caller may not make: IAM, or the KMS key behind the secret. */
const ACCESS_CODES = new Set([
  'AccessDeniedException', 'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException',
  'ExpiredTokenException', 'SignatureDoesNotMatch', 'DecryptionFailure', 'EncryptionFailure',
]);
/** Error codes of requests the service refused as invalid. */
const REJECTED_CODES = new Set([
  'InvalidParameterException', 'ValidationException', 'LimitExceededException', 'PreconditionNotMetException',
  'MalformedPolicyDocumentException', 'InvalidRequestException', 'SerializationException', 'InvalidNextTokenException',
]);
/** Error codes AWS uses for throttling across services (the SDK's own list, plus Secrets Manager's). */
const THROTTLING_CODES = new Set([
  'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'RequestLimitExceeded', 'RequestThrottled', 'ProvisionedThroughputExceededException', 'SlowDown', 'BandwidthLimitExceeded',
]);
/** Errors of the connection rather than of the service: the SDK's timeouts and Node's socket codes. */
const TRANSIENT_CODES = new Set([
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE',
  'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EADDRNOTAVAIL',
]);
/** How a secret scheduled for deletion shows in an InvalidRequestException's message. */
const DELETION_MESSAGE = /delet/i;
const TOO_MANY_REQUESTS = 429;
const FIRST_SERVER_STATUS = 500;

type SdkErrorShape = {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
};

/** The error code of anything thrown: the exception's name, or a socket error's code. */
function codeOf(error: SdkErrorShape): string {
  if (typeof error.code === 'string' && TRANSIENT_CODES.has(error.code)) return error.code;
  return typeof error.name === 'string' && error.name !== 'Error' ? error.name : typeof error.code === 'string' ? error.code : 'UnknownError';
}

/** The domain error for a failed `operation` on `subject` (a secret's name or ARN). */
export function toSecretError(error: unknown, operation: SecretOperation, subject: string): DeployError {
  const shape: SdkErrorShape = error && typeof error === 'object' ? (error as SdkErrorShape) : {};
  const code = codeOf(shape);
  const status = shape.$metadata?.httpStatusCode;
  const cause = new SecretStoreFailure(code, status, shape.$metadata?.requestId);
  const options = { cause };

  if (code === 'ResourceNotFoundException') return new SecretNotFoundError(subject, operation, options);
  if (code === 'ResourceExistsException') return new SecretExistsError(subject, false, options);
  // Secrets Manager answers InvalidRequestException for a secret scheduled for deletion; its
  // message, read here only to tell that case apart, never goes further.
  if (code === 'InvalidRequestException' && typeof shape.message === 'string' && DELETION_MESSAGE.test(shape.message)) {
    return operation === 'create' ? new SecretExistsError(subject, true, options) : new SecretDeletedError(subject, operation, options);
  }
  if (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code) || status === TOO_MANY_REQUESTS) {
    return new SecretsUnavailableError(subject, operation, code, options);
  }
  if (code === 'InternalServiceError' || shape.$fault === 'server' || (status !== undefined && status >= FIRST_SERVER_STATUS)) {
    return new SecretsUnavailableError(subject, operation, code, options);
  }
  if (ACCESS_CODES.has(code)) return new SecretAccessError(subject, operation, code, options);
  if (REJECTED_CODES.has(code)) return new SecretRequestRejectedError(subject, operation, code, options);
  return new SecretStoreError(subject, operation, code, options);
}
