/**
 * Errors of the secret store (secrets.ts). Messages name the secret (its name or ARN, which
 * are not secret) and the operation, never a value: values are write-only, and an error
 * message ends up in logs, HTTP bodies and state machine causes. Adapters keep the vendor
 * exception out of `cause` for the same reason (see SecretStoreFailure).
 */
import { DeployError } from './errors.ts';

/** What a store was asked to do when it failed, for messages. */
export type SecretOperation = 'create' | 'put' | 'get' | 'describe' | 'delete';

/** A secret name or reference Conveyor does not accept: characters, length, prefix, ARN shape. */
export class InvalidSecretNameError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`invalid secret name or ARN "${subject}": ${reason}`);
    this.name = 'InvalidSecretNameError';
  }
}

/** A value Conveyor does not store (empty, too large) or tags it refuses; the message never holds the value. */
export class InvalidSecretValueError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly subject: string,
    readonly reason: string,
  ) {
    super(`invalid value for secret "${subject}": ${reason}`);
    this.name = 'InvalidSecretValueError';
  }
}

/**
 * No secret with this name or ARN (or no current value in it). Terminal: whatever refers to it
 * (an account, a sensitive variable) must be corrected or its value entered again.
 */
export class SecretNotFoundError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly subject: string,
    readonly operation: SecretOperation,
    options?: ErrorOptions,
  ) {
    super(`secret "${subject}" does not exist (${operation})`, options);
    this.name = 'SecretNotFoundError';
  }
}

/**
 * The secret is scheduled for deletion: it cannot be read or changed until it is restored or
 * the recovery window ends. A conflict with the secret's state rather than bad input.
 */
export class SecretDeletedError extends DeployError {
  readonly category = 'conflict' as const;
  constructor(
    readonly subject: string,
    readonly operation: SecretOperation,
    options?: ErrorOptions,
  ) {
    super(`secret "${subject}" is scheduled for deletion; restore it before ${operation === 'get' ? 'reading' : 'changing'} it`, options);
    this.name = 'SecretDeletedError';
  }
}

/** A secret with this name exists already (possibly scheduled for deletion, which still holds the name). */
export class SecretExistsError extends DeployError {
  readonly category = 'conflict' as const;
  constructor(
    readonly subject: string,
    readonly scheduledForDeletion: boolean,
    options?: ErrorOptions,
  ) {
    super(
      scheduledForDeletion ? `secret "${subject}" is scheduled for deletion and still holds its name; restore it or wait for the recovery window to end` : `secret "${subject}" already exists`,
      options,
    );
    this.name = 'SecretExistsError';
  }
}

/** The caller may not do this (IAM denied it, or the encryption key could not be used). */
export class SecretAccessError extends DeployError {
  readonly category = 'access' as const;
  constructor(
    readonly subject: string,
    readonly operation: SecretOperation,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`access to secret "${subject}" refused (${operation}): ${code}`, options);
    this.name = 'SecretAccessError';
  }
}

/** The service refused the request as invalid for another reason than the ones above; `code` is its error code. */
export class SecretRequestRejectedError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly subject: string,
    readonly operation: SecretOperation,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`the secret store rejected ${operation} of "${subject}": ${code}`, options);
    this.name = 'SecretRequestRejectedError';
  }
}

/** Throttling, 5xx, timeouts, a connection that failed: worth retrying with backoff. */
export class SecretsUnavailableError extends DeployError {
  readonly category = 'unavailable' as const;
  constructor(
    readonly subject: string,
    readonly operation: SecretOperation,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`the secret store is unavailable (${operation} of "${subject}"): ${code}; retry later`, options);
    this.name = 'SecretsUnavailableError';
  }
}

/** Anything else the store threw: reported as `internal`, never retried blindly. */
export class SecretStoreError extends DeployError {
  readonly category = 'internal' as const;
  constructor(
    readonly subject: string,
    readonly operation: SecretOperation,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`the secret store failed (${operation} of "${subject}"): ${code}`, options);
    this.name = 'SecretStoreError';
  }
}

/**
 * A sanitized stand-in for a vendor exception, kept as `cause`: its code, HTTP status and
 * request id (what support needs), nothing of the request or the response body.
 */
export class SecretStoreFailure extends Error {
  constructor(
    readonly code: string,
    readonly status?: number,
    readonly requestId?: string,
  ) {
    super(`${code}${status ? ` (HTTP ${status})` : ''}${requestId ? ` request ${requestId}` : ''}`);
    this.name = 'SecretStoreFailure';
  }
}
