/**
 * Every error name that can end a Task of Conveyor's state machines, with its category: the
 * DeployError classes of the domain and the adapters (by the name they set, which is the
 * `errorType` Lambda reports and what ASL `ErrorEquals` matches), and the few names that are
 * no class here (raised by a Fail state, or sent by the API with SendTaskFailure).
 *
 * From this one table derive: the names the ASL Retry lists name (`RETRYABLE_ERROR_NAMES`, the
 * `unavailable` category; a unit test compares them with every Task of both state machines),
 * and how Finalize records an error it only knows by name (`categoryOfName`: Failed for a
 * failed check, Errored for a technical fault). ERROR_CATEGORIES (errors.ts) derives the rest
 * (exit code, HTTP status) from the category.
 *
 * Names, not imports: the adapters' classes are listed by name so the domain imports nothing
 * from the adapters; a unit test reads every `extends DeployError` class under functions/ and
 * fails when one is missing here or listed with another category.
 */
import { ERROR_CATEGORIES, type ErrorCategory } from './errors.ts';

/** An error's category; `cause` for PartialApplyError, whose category is its cause's. */
export type RegisteredCategory = ErrorCategory | 'cause';

/** Where an error comes from, so a person finds its class (or producer). */
export type ErrorSource = 'domain/errors' | 'domain/engine/errors' | 'domain/pipeline/errors' | 'domain/secret-errors' | 'adapters/kubernetes/errors' | 'app/tasks/errors' | 'app' | 'state machine';

export type RegisteredError = { name: string; category: RegisteredCategory; source: ErrorSource };

export const ERROR_REGISTRY: readonly RegisteredError[] = [
  // functions/domain/errors.ts
  { name: 'InvalidManifestError', category: 'input', source: 'domain/errors' },
  { name: 'MissingVariablesError', category: 'input', source: 'domain/errors' },
  { name: 'UnusedImagesError', category: 'input', source: 'domain/errors' },
  { name: 'AmbiguousVariableError', category: 'input', source: 'domain/errors' },
  { name: 'NamespaceBoundaryError', category: 'input', source: 'domain/errors' },
  { name: 'ClusterAccessError', category: 'access', source: 'domain/errors' },
  { name: 'ObjectRejectedError', category: 'input', source: 'domain/errors' },
  { name: 'FieldConflictError', category: 'conflict', source: 'domain/errors' },
  { name: 'ClusterUnavailableError', category: 'unavailable', source: 'domain/errors' },
  { name: 'RolloutFailedError', category: 'rollout', source: 'domain/errors' },
  { name: 'ObjectsRejectedError', category: 'input', source: 'domain/errors' },
  { name: 'DeadlineExceededError', category: 'unavailable', source: 'domain/errors' },
  // Never crosses a Task boundary: the tasks log what was applied and throw its cause (app/tasks/engine-errors.ts).
  { name: 'PartialApplyError', category: 'cause', source: 'domain/errors' },
  // functions/domain/engine/errors.ts
  { name: 'InvalidStepInputError', category: 'input', source: 'domain/engine/errors' },
  // functions/domain/pipeline/errors.ts
  { name: 'NotFoundError', category: 'not-found', source: 'domain/pipeline/errors' },
  { name: 'VersionConflictError', category: 'conflict', source: 'domain/pipeline/errors' },
  { name: 'DuplicateError', category: 'conflict', source: 'domain/pipeline/errors' },
  { name: 'ForbiddenError', category: 'access', source: 'domain/pipeline/errors' },
  { name: 'InvalidStateError', category: 'conflict', source: 'domain/pipeline/errors' },
  { name: 'TooLargeError', category: 'input', source: 'domain/pipeline/errors' },
  { name: 'ValidationError', category: 'input', source: 'domain/pipeline/errors' },
  { name: 'LockLostError', category: 'conflict', source: 'domain/pipeline/errors' },
  { name: 'StoreUnavailableError', category: 'unavailable', source: 'domain/pipeline/errors' },
  { name: 'CorruptDataError', category: 'internal', source: 'domain/pipeline/errors' },
  { name: 'StoreFaultError', category: 'internal', source: 'domain/pipeline/errors' },
  { name: 'ServiceUnavailableError', category: 'unavailable', source: 'domain/pipeline/errors' },
  { name: 'ServiceFaultError', category: 'internal', source: 'domain/pipeline/errors' },
  { name: 'UnknownReferenceError', category: 'input', source: 'domain/pipeline/errors' },
  // functions/domain/secret-errors.ts
  { name: 'InvalidSecretNameError', category: 'input', source: 'domain/secret-errors' },
  { name: 'InvalidSecretValueError', category: 'input', source: 'domain/secret-errors' },
  { name: 'SecretNotFoundError', category: 'input', source: 'domain/secret-errors' },
  { name: 'SecretDeletedError', category: 'conflict', source: 'domain/secret-errors' },
  { name: 'SecretExistsError', category: 'conflict', source: 'domain/secret-errors' },
  { name: 'SecretAccessError', category: 'access', source: 'domain/secret-errors' },
  { name: 'SecretRequestRejectedError', category: 'input', source: 'domain/secret-errors' },
  { name: 'SecretsUnavailableError', category: 'unavailable', source: 'domain/secret-errors' },
  { name: 'SecretStoreError', category: 'internal', source: 'domain/secret-errors' },
  // functions/adapters/kubernetes/errors.ts
  { name: 'TlsVerificationError', category: 'access', source: 'adapters/kubernetes/errors' },
  { name: 'TargetConfigurationError', category: 'input', source: 'adapters/kubernetes/errors' },
  // functions/app/tasks/errors.ts
  { name: 'NoTargetsError', category: 'input', source: 'app/tasks/errors' },
  { name: 'ScriptFailedError', category: 'rollout', source: 'app/tasks/errors' },
  { name: 'UnclassifiedTaskError', category: 'internal', source: 'app/tasks/errors' },
  // functions/app/*.ts: the API's use cases (they never end a Task, but are errors all the same)
  { name: 'ExportTooLargeError', category: 'input', source: 'app' },
  // Names without a class here: the API rejects an approval with SendTaskFailure, and the
  // deployment state machine's Fail state ends a deployment that did not succeed.
  { name: 'ApprovalRejectedError', category: 'rollout', source: 'state machine' },
  { name: 'DeploymentFailedError', category: 'rollout', source: 'state machine' },
];

const BY_NAME = new Map(ERROR_REGISTRY.map((e) => [e.name, e]));

/**
 * The names worth retrying, in name order: the `unavailable` category (throttling, 5xx,
 * timeouts of the cluster, the table, Secrets Manager, Step Functions or EventBridge). The
 * ASL Retry lists name exactly these, plus Lambda's own service faults.
 */
export const RETRYABLE_ERROR_NAMES: readonly string[] = ERROR_REGISTRY.filter((e) => e.category !== 'cause' && ERROR_CATEGORIES[e.category].retryable)
  .map((e) => e.name)
  .sort();

/** Lambda service faults Step Functions reports for a Lambda Task (AWS's recommended Retry list). */
export const LAMBDA_SERVICE_ERROR_NAMES: readonly string[] = ['Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.ServiceException', 'Lambda.TooManyRequestsException'];

/** States.Timeout: a callback Task (an approval) that got no answer in time. */
export const STATES_TIMEOUT = 'States.Timeout';

/**
 * The category of an error known by name only (a Catch's `Error`): the registry's, `rollout`
 * for an approval nobody answered in time, and `internal` for anything else (States.TaskFailed,
 * States.Runtime, a Lambda timeout, an unclassified exception): reported, never retried blindly.
 */
export function categoryOfName(name: string): ErrorCategory {
  if (name === STATES_TIMEOUT) return 'rollout';
  const registered = BY_NAME.get(name);
  if (!registered || registered.category === 'cause') return 'internal';
  return registered.category;
}

/** Whether an error of this category is a technical fault (Errored) rather than a failed check (Failed). */
export function isTechnicalFault(category: ErrorCategory): boolean {
  return category === 'unavailable' || category === 'internal';
}
