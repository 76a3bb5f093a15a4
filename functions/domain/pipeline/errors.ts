/**
 * Errors of the pipeline's stores and rules. Like the deploy engine's, each carries a category
 * (ERROR_CATEGORIES in ../errors.ts derives exit code, HTTP status and retry from it). Messages
 * name what and where (`release 1.4.2 of project web`) and never a value that could be secret:
 * a field that should have held a secret ARN is named, its content is not repeated.
 */
import { DeployError } from '../errors.ts';
import { formatBytes } from '../render/limits.ts';

/** The thing a message is about: `project web`, `release 7 of project web`, `deployment 01J...`. */
export type Subject = string;

/** The project, release, deployment... does not exist (HTTP 404). */
export class NotFoundError extends DeployError {
  readonly category = 'not-found' as const;
  constructor(readonly subject: Subject) {
    super(`${subject} does not exist`);
    this.name = 'NotFoundError';
  }
}

/**
 * Someone wrote the entity after the caller read it (or the caller's copy is stale): read it
 * again and redo the change. `actual` is the stored version when known.
 */
export class VersionConflictError extends DeployError {
  readonly category = 'conflict' as const;
  constructor(
    readonly subject: Subject,
    readonly expected: number,
    readonly actual?: number,
  ) {
    super(`${subject} was changed by someone else: expected version ${expected}` + `${actual === undefined ? '' : `, found version ${actual}`}; read it again and retry`);
    this.name = 'VersionConflictError';
  }
}

/** An entity with that id (or that unique value: a release version) exists already. */
export class DuplicateError extends DeployError {
  readonly category = 'conflict' as const;
  constructor(
    readonly subject: Subject,
    detail = 'exists already',
  ) {
    super(`${subject} ${detail}`);
    this.name = 'DuplicateError';
  }
}

/** The caller may not do this (a role it lacks, approving its own deployment). */
export class ForbiddenError extends DeployError {
  readonly category = 'access' as const;
  constructor(
    readonly subject: Subject,
    message: string,
  ) {
    super(`${subject}: ${message}`);
    this.name = 'ForbiddenError';
  }
}

/** A state change the entity's current state does not allow (a decided approval, a finished deployment). */
export class InvalidStateError extends DeployError {
  readonly category = 'conflict' as const;
  constructor(
    readonly subject: Subject,
    message: string,
  ) {
    super(`${subject}: ${message}`);
    this.name = 'InvalidStateError';
  }
}

/** Something is larger than a documented limit; the message names both sizes and the limit's name. */
export class TooLargeError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly subject: Subject,
    readonly size: number,
    readonly limit: number,
    readonly limitName: string,
  ) {
    super(`${subject} is ${formatBytes(size)}; the limit (${limitName}) is ${formatBytes(limit)}`);
    this.name = 'TooLargeError';
  }
}

/** A field the stores refuse: a bad slug, a secret field that is not a secret ARN, a bad cursor. */
export class ValidationError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly subject: Subject,
    readonly problems: string[],
  ) {
    super(`${subject}: ${problems.join('; ')}`);
    this.name = 'ValidationError';
  }
}

/**
 * The deployment does not hold the project × environment lock (any more): its lease expired
 * and another deployment took it over. The deployment must stop; it is no longer alone.
 */
export class LockLostError extends DeployError {
  readonly category = 'conflict' as const;
  constructor(
    readonly subject: Subject,
    readonly deploymentId: string,
    readonly holder?: string,
  ) {
    super(`deployment ${deploymentId} does not hold the lock of ${subject}${holder ? `; deployment ${holder} does` : ''}`);
    this.name = 'LockLostError';
  }
}

/** The store could not be reached, throttled, or stayed contended past every retry: retry later. */
export class StoreUnavailableError extends DeployError {
  readonly category = 'unavailable' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** Stored data is not what was written (a snapshot whose hash does not match): a fault, never retried blindly. */
export class CorruptDataError extends DeployError {
  readonly category = 'internal' as const;
  constructor(
    readonly subject: Subject,
    message: string,
  ) {
    super(`${subject}: ${message}`);
    this.name = 'CorruptDataError';
  }
}

/** The store refused a request for a reason that is ours to fix (a missing table, a denied permission). */
export class StoreFaultError extends DeployError {
  readonly category = 'internal' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreFaultError';
  }
}

/** An AWS service the pipeline calls (Step Functions, EventBridge) could not be reached or throttled: retry later. */
export class ServiceUnavailableError extends DeployError {
  readonly category = 'unavailable' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServiceUnavailableError';
  }
}

/** An AWS service refused a request for a reason that is ours to fix (a missing permission, a bad ARN). */
export class ServiceFaultError extends DeployError {
  readonly category = 'internal' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ServiceFaultError';
  }
}

/**
 * A request names something that does not exist (a lifecycle's environment, a project's
 * lifecycle, a target's account): bad input, so 400, not the 404 of a missing path resource.
 * `known` lists the ids that do exist, by kind, where that helps the caller correct the request.
 */
export class UnknownReferenceError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly subject: Subject,
    readonly problems: string[],
    readonly known: Record<string, string[]>,
  ) {
    super(`${subject}: ${problems.join('; ')}`);
    this.name = 'UnknownReferenceError';
  }
}
