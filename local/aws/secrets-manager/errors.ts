/**
 * Errors of the local Secrets Manager, in AWS's shapes: the `__type` is the exception's name,
 * which is what the SDK turns into its exception classes (ResourceNotFoundException, ...).
 * Messages are AWS's wording where it is known, and never quote a secret value.
 */

/** HTTP statuses the service answers with. */
export const HTTP = { ok: 200, badRequest: 400, notFound: 404, tooLarge: 413, internal: 500 } as const;

export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number = HTTP.badRequest,
  ) {
    super(message);
    this.name = type;
  }
}

export const secretNotFound = () => new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

export const versionNotFound = (what: string) => new ServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${what}.`);

/** What AWS answers for any use of a secret scheduled for deletion except Describe, List and a forced Delete. */
export const markedForDeletion = () => new ServiceError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");

export const invalidParameter = (message: string) => new ServiceError('InvalidParameterException', message);

export const serialization = (message: string) => new ServiceError('SerializationException', message);

/** Encrypted data that does not authenticate: tampered with, or another key file. */
export const decryptionFailure = () => new ServiceError('DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided key.");
