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
  type SecretOperation,
  SecretRequestRejectedError,
  SecretStoreError,
  SecretStoreFailure,
  SecretsUnavailableError,
} from '#domain/secret-errors.ts';
import { awsFailure } from '../aws-errors.ts';

/** Error codes of requests the service refused as invalid. */
const REJECTED_CODES = new Set([
  'InvalidParameterException',
  'ValidationException',
  'LimitExceededException',
  'PreconditionNotMetException',
  'MalformedPolicyDocumentException',
  'InvalidRequestException',
  'SerializationException',
  'InvalidNextTokenException',
]);
/** How a secret scheduled for deletion shows in an InvalidRequestException's message. */
const DELETION_MESSAGE = /delet/i;

/** The domain error for a failed `operation` on `subject` (a secret's name or ARN). */
export function toSecretError(error: unknown, operation: SecretOperation, subject: string): DeployError {
  const { code, status, requestId, kind } = awsFailure(error);
  const options = { cause: new SecretStoreFailure(code, status, requestId) };

  if (code === 'ResourceNotFoundException') return new SecretNotFoundError(subject, operation, options);
  if (code === 'ResourceExistsException') return new SecretExistsError(subject, false, options);
  // Secrets Manager answers InvalidRequestException for a secret scheduled for deletion; its
  // message, read here only to tell that case apart, never goes further.
  const message = error && typeof error === 'object' ? (error as { message?: unknown }).message : undefined;
  if (code === 'InvalidRequestException' && typeof message === 'string' && DELETION_MESSAGE.test(message)) {
    return operation === 'create' ? new SecretExistsError(subject, true, options) : new SecretDeletedError(subject, operation, options);
  }
  if (kind === 'retryable') return new SecretsUnavailableError(subject, operation, code, options);
  if (kind === 'access') return new SecretAccessError(subject, operation, code, options);
  if (REJECTED_CODES.has(code)) return new SecretRequestRejectedError(subject, operation, code, options);
  return new SecretStoreError(subject, operation, code, options);
}
