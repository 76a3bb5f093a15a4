/** Errors of the command line. */

/** Bad flags or arguments: the command prints the message and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}
