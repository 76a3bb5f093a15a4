/**
 * Errors of the deploy engine. Every one carries a category, and everything that reacts to
 * an error derives from that one table (ERROR_CATEGORIES): the CLI exit code, the HTTP status,
 * whether a state machine retries it. `input` errors are the user's to fix (a rejected
 * manifest, a missing variable, a forbidden namespace): nothing was applied when they come
 * from rendering. `unavailable` errors are the cluster's (throttling, 5xx, timeouts, resets)
 * and the only ones worth retrying. An error nobody classified is `internal`.
 */
import type { ObjectRef, SourceLocation } from './model.ts';

/** What kind of failure an error is; see ERROR_CATEGORIES for what each one means downstream. */
export type ErrorCategory = 'input' | 'access' | 'not-found' | 'conflict' | 'rollout' | 'unavailable' | 'internal';

/** The one table every consumer of errors derives from. */
export const ERROR_CATEGORIES: Record<ErrorCategory, { exitCode: number; httpStatus: number; retryable: boolean }> = {
  /** Bad input: exit 2, nothing applied. */
  input: { exitCode: 2, httpStatus: 400, retryable: false },
  /** Credentials or permissions refused by the cluster. */
  access: { exitCode: 3, httpStatus: 403, retryable: false },
  /** A project, release, deployment... that does not exist: the name in the request is the user's to fix. */
  'not-found': { exitCode: 2, httpStatus: 404, retryable: false },
  /** Fields owned by another manager, a lock held elsewhere. */
  conflict: { exitCode: 2, httpStatus: 409, retryable: false },
  /** The rollout failed a check or ran past its deadline. */
  rollout: { exitCode: 1, httpStatus: 422, retryable: false },
  /** The cluster could not be reached or answered 429/5xx: retry with backoff. */
  unavailable: { exitCode: 3, httpStatus: 503, retryable: true },
  /** A bug or an unclassified failure: reported, never retried blindly. */
  internal: { exitCode: 3, httpStatus: 500, retryable: false },
};

export abstract class DeployError extends Error {
  abstract readonly category: ErrorCategory;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
  /** Retrying cannot help: the input, the account or the rollout must change first. */
  get terminal(): boolean {
    return !ERROR_CATEGORIES[this.category].retryable;
  }
}

/** The category of anything thrown: a DeployError's own, `internal` for everything else. */
export function categoryOf(error: unknown): ErrorCategory {
  return error instanceof DeployError ? error.category : 'internal';
}

/** One problem in the input, located precisely. */
export type InputProblem = { message: string; source?: SourceLocation };

function where(source?: SourceLocation): string {
  return source ? `${source.file}: document ${source.document}, line ${source.line}: ` : '';
}

/** Bad input: unparsable YAML/JSON, a document that is not an object, an unknown kind... */
export class InvalidManifestError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly problems: InputProblem[],
    options?: ErrorOptions,
  ) {
    super(problems.map((p) => `${where(p.source)}${p.message}`).join('\n'), options);
    this.name = 'InvalidManifestError';
  }
}

/**
 * Image map entries that matched no container: with a map typed by hand (`conveyor apply
 * --image`), that is a typo, and a typo must not deploy the old image silently. Names each
 * unused entry and the repositories the manifests do use, so the right spelling is in view.
 */
export class UnusedImagesError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly unused: { key: string; value: string; repository: string }[],
    readonly used: string[],
  ) {
    const entries = unused.map((u) => `"${u.key}=${u.value}" (repository ${u.repository})`).join(', ');
    const inUse = used.length ? `the manifests use: ${used.join(', ')}` : 'the manifests name no container image';
    super(`image ${unused.length === 1 ? 'entry' : 'entries'} ${entries} ${unused.length === 1 ? 'matches' : 'match'} no container (init containers and every pod template included); ${inUse}`);
    this.name = 'UnusedImagesError';
  }
}

/** Every `#{Name}` that has no value, with where each is used. Nothing is applied. */
export class MissingVariablesError extends DeployError {
  readonly category = 'input' as const;
  constructor(readonly missing: { name: string; source: SourceLocation }[]) {
    super(`missing variables:\n${missing.map((m) => `  #{${m.name}} at ${where(m.source).replace(/: $/, '')}`).join('\n')}`);
    this.name = 'MissingVariablesError';
  }
}

/** Two values of one variable match with equal specificity; the engine refuses to guess. */
export class AmbiguousVariableError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly variable: string,
    readonly scopes: string[],
  ) {
    super(`variable "${variable}" has ${scopes.length} equally specific values for this deployment: ${scopes.join(' and ')}`);
    this.name = 'AmbiguousVariableError';
  }
}

/** An object outside the target's namespace, or cluster-scoped on a namespaced target. */
export class NamespaceBoundaryError extends DeployError {
  readonly category = 'input' as const;
  constructor(readonly problems: InputProblem[]) {
    super(problems.map((p) => `${where(p.source)}${p.message}`).join('\n'));
    this.name = 'NamespaceBoundaryError';
  }
}

/** The cluster rejected the credentials (401) or the action (403): which account, verb, resource. */
export class ClusterAccessError extends DeployError {
  readonly category = 'access' as const;
  constructor(
    message: string,
    readonly status: 401 | 403,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ClusterAccessError';
  }
}

/** The cluster refused an object (422 invalid, 400 bad request, 404 kind not served). */
export class ObjectRejectedError extends DeployError {
  readonly category = 'input' as const;
  constructor(
    readonly ref: ObjectRef,
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ObjectRejectedError';
  }
}

/** Server-side apply found fields owned by another manager; `force` would take them. */
export class FieldConflictError extends DeployError {
  readonly category = 'conflict' as const;
  constructor(
    readonly ref: ObjectRef,
    readonly conflicts: { field: string; manager: string }[],
    message: string,
  ) {
    super(message);
    this.name = 'FieldConflictError';
  }
}

/** Throttling, 5xx, timeouts, connection resets: worth retrying with backoff. */
export class ClusterUnavailableError extends DeployError {
  readonly category = 'unavailable' as const;
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ClusterUnavailableError';
  }
}

/** The rollout failed a check (a rule said Degraded) or ran past its deadline. */
export class RolloutFailedError extends DeployError {
  readonly category = 'rollout' as const;
  constructor(
    readonly ref: ObjectRef,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'RolloutFailedError';
  }
}

/**
 * The server refused objects during the pre-flight dry run (invalid fields, conflicts with
 * other field managers, ...): nothing was applied, so this is bad input, not a cluster fault.
 */
export class ObjectsRejectedError extends DeployError {
  readonly category = 'input' as const;
  constructor(readonly problems: InputProblem[]) {
    super(`the cluster rejected ${problems.length} object${problems.length === 1 ? '' : 's'}; nothing was applied:\n${problems.map((p) => `  ${where(p.source)}${p.message}`).join('\n')}`);
    this.name = 'ObjectsRejectedError';
  }
}

/**
 * The step's deadline passed before a request could succeed (the cluster did not answer, or
 * kept failing). The cluster's fault, so `unavailable`; the message names the last failure.
 */
export class DeadlineExceededError extends DeployError {
  readonly category = 'unavailable' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Applying stopped part-way (the cluster failed past every retry, or the deadline passed):
 * which objects were applied and which not, so a person knows what the cluster holds. Server-
 * side apply is idempotent, so running the same step again converges. The category is the
 * cause's.
 */
export class PartialApplyError extends DeployError {
  readonly category: ErrorCategory;
  constructor(
    readonly applied: ObjectRef[],
    readonly notApplied: ObjectRef[],
    cause: Error,
  ) {
    const name = (r: ObjectRef) => `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
    const list = (refs: ObjectRef[]) => (refs.length ? refs.map(name).join(', ') : 'none');
    super(
      `${cause.message}\napplied (${applied.length}): ${list(applied)}\nnot applied (${notApplied.length}): ${list(notApplied)}\n` +
        'applying again is safe: server-side apply converges on what the manifests say',
      { cause },
    );
    this.category = categoryOf(cause);
    this.name = 'PartialApplyError';
  }
}
