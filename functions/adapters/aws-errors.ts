/**
 * What kind of failure an AWS SDK exception is, from its error code and HTTP status only —
 * never from the service's message or the raw response, which the exception carries and which
 * must not reach a log or another message. Each adapter turns the kind into its domain error.
 */

import { NETWORK_ERROR_CODES } from './network-errors.ts';

/** Error codes of requests the caller may not make: IAM, signatures, or a KMS key. */
const ACCESS_CODES = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'DecryptionFailure',
  'EncryptionFailure',
  'KMSAccessDeniedException',
]);
/** Error codes AWS uses for throttling across services (the SDK's own list, and a few services' own). */
const THROTTLING_CODES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'BandwidthLimitExceeded',
]);
/** Errors of the connection rather than the service: the SDK's timeouts and Node's socket codes. */
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', ...NETWORK_ERROR_CODES, 'EADDRNOTAVAIL']);
const TOO_MANY_REQUESTS = 429;
const FIRST_SERVER_STATUS = 500;

/**
 * - `retryable`: throttling, a broken connection, a server fault: try again later;
 * - `access`: the credentials or the IAM policy refused it;
 * - `other`: the request itself (a missing resource, a bad parameter): the adapter decides.
 */
export type AwsFailureKind = 'retryable' | 'access' | 'other';

export type AwsFailure = { code: string; status?: number; requestId?: string; kind: AwsFailureKind };

type SdkErrorShape = { name?: unknown; code?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: number; requestId?: string } };

/** The error code of anything thrown: the exception's name, or a socket error's code. */
function codeOf(error: SdkErrorShape): string {
  if (typeof error.code === 'string' && TRANSIENT_CODES.has(error.code)) return error.code;
  return typeof error.name === 'string' && error.name !== 'Error' ? error.name : typeof error.code === 'string' ? error.code : 'UnknownError';
}

export function awsFailure(error: unknown): AwsFailure {
  const shape: SdkErrorShape = error && typeof error === 'object' ? (error as SdkErrorShape) : {};
  const code = codeOf(shape);
  const status = shape.$metadata?.httpStatusCode;
  const requestId = shape.$metadata?.requestId;
  const serverFault =
    code === 'InternalServiceError' || code === 'InternalServerError' || code === 'ServiceUnavailable' || shape.$fault === 'server' || (status !== undefined && status >= FIRST_SERVER_STATUS);
  const kind: AwsFailureKind = THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code) || status === TOO_MANY_REQUESTS || serverFault ? 'retryable' : ACCESS_CODES.has(code) ? 'access' : 'other';
  return { code, ...(status !== undefined ? { status } : {}), ...(requestId ? { requestId } : {}), kind };
}

/** A sanitized stand-in for the SDK exception, kept as `cause`: code, status and request id only. */
export class AwsFailureCause extends Error {
  constructor(readonly failure: AwsFailure) {
    super(`${failure.code}${failure.status ? ` (HTTP ${failure.status})` : ''}${failure.requestId ? `, request ${failure.requestId}` : ''}`);
    this.name = 'AwsFailureCause';
  }
}
