/**
 * Errors raised by the schema side of the sandbox. Each carries enough for the HTTP layer to
 * map it to a Kubernetes `Status` without parsing messages.
 */

/** A CustomResourceDefinition that cannot be served (missing names, no served version...). */
export class InvalidCustomResourceDefinitionError extends Error {
  readonly crdName: string;

  constructor(crdName: string, message: string, options?: { cause?: unknown }) {
    super(`CustomResourceDefinition "${crdName}" cannot be served: ${message}`, options);
    this.name = 'InvalidCustomResourceDefinitionError';
    this.crdName = crdName;
  }
}

/** Two definitions claim the same group/version/plural (or kind) in the registry. */
export class ResourceConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResourceConflictError';
  }
}

/** A fieldValidation query value other than Ignore, Warn or Strict. */
export class InvalidFieldValidationError extends Error {
  readonly value: string;

  constructor(value: string, options?: { cause?: unknown }) {
    super(`fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Strict", "Warn"`, options);
    this.name = 'InvalidFieldValidationError';
    this.value = value;
  }
}
