/**
 * What the pipeline needs from storage, one small interface per entity, shaped by the access
 * patterns of docs/data-model.md. The DynamoDB adapter (functions/adapters/dynamodb) implements
 * them; every method throws the errors of ./errors.ts, never a vendor exception:
 * - NotFoundError when the entity named does not exist;
 * - VersionConflictError when `version` is not the stored one (someone wrote in between):
 *   read again, redo the change, write again;
 * - DuplicateError when creating something that exists;
 * - StoreUnavailableError when the store could not be reached or stayed busy: retry later.
 * Writes return the entity as stored (version + 1 for updates, 1 for creates).
 */
import type { ChainVerification } from './audit.ts';
import type {
  Account,
  Approval,
  ApprovalDecision,
  AuditEntry,
  AuditEvent,
  AuditHead,
  Deployment,
  DeploymentDetail,
  DeploymentLock,
  DeploymentState,
  Environment,
  Lifecycle,
  MatrixCell,
  NewRelease,
  PrincipalArn,
  Project,
  ProjectSummary,
  Release,
  ReleaseSummary,
  RoleBinding,
  StepTargetResult,
  Target,
  TaskLogEntry,
  Timestamp,
} from './model.ts';

/** One page of a list and the cursor of the next one (absent on the last page). */
export type Page<T> = { items: T[]; cursor?: string };

/**
 * Which page: `cursor` is what the previous page returned, opaque to callers; a cursor that
 * this listing did not make is a ValidationError. `limit` is at most the store's maximum.
 */
export type PageRequest = { limit?: number; cursor?: string };

/** An entity about to be created: the store sets version 1. Distributes over unions (Account kinds). */
export type New<T extends { version: number }> = T extends unknown ? Omit<T, 'version'> : never;

/**
 * Small configuration entities (environments, lifecycles, accounts, targets, role bindings):
 * read by key, listed whole, written with optimistic concurrency.
 */
export interface ConfigStore<T extends { version: number }> {
  /** @throws NotFoundError */
  get(id: string): Promise<T>;
  /** Every entity (a few hundred at most), in id order unless the interface says otherwise. */
  list(): Promise<T[]>;
  /** Writes version 1. @throws DuplicateError when the id exists, ValidationError */
  create(entity: New<T>): Promise<T>;
  /** Replaces the entity read at `entity.version`. @throws NotFoundError, VersionConflictError */
  update(entity: T): Promise<T>;
  /** Deletes the entity read at `version`. @throws NotFoundError, VersionConflictError */
  delete(id: string, version: number): Promise<void>;
}

/** Environments, listed by `order` (then id). */
export type EnvironmentStore = ConfigStore<Environment>;

export type LifecycleStore = ConfigStore<Lifecycle>;

/** Accounts; secret material is refused unless it is a secret ARN (ValidationError naming the field). */
export type AccountStore = ConfigStore<Account>;

export interface TargetStore extends ConfigStore<Target> {
  /** The targets of an environment that carry `tag`, in id order: one key lookup per (environment, tag). */
  listByEnvironmentAndTag(environmentId: string, tag: string): Promise<Target[]>;
}

/** Role bindings by principal ARN (the `id` of ConfigStore). */
export interface RoleStore extends ConfigStore<RoleBinding> {
  /** The principal's binding, or undefined: no binding means no role. */
  find(principalArn: PrincipalArn): Promise<RoleBinding | undefined>;
}

export interface ProjectStore {
  /** The project with its process and variables. @throws NotFoundError */
  get(id: string): Promise<Project>;
  /** Every project without process and variables, in id order. */
  list(): Promise<ProjectSummary[]>;
  /** Writes version 1 and release counter 0. @throws DuplicateError, TooLargeError (process and variables) */
  create(project: New<Omit<Project, 'releaseCounter'>>): Promise<Project>;
  /**
   * Replaces everything but the release counter (which only the release store moves, so an
   * edit never races release numbering). @throws NotFoundError, VersionConflictError, TooLargeError
   */
  update(project: Project): Promise<Project>;
  /** @throws NotFoundError, VersionConflictError */
  delete(id: string, version: number): Promise<void>;
}

export interface ReleaseStore {
  /**
   * Creates the release with the next number (project counter + 1, without gaps or duplicates
   * however many creates race), in one transaction with the counter. With `sourceDigest`, the
   * same digest for the same project makes one release: a second create returns the first
   * release with `created: false`, also when both race.
   * @throws NotFoundError (project), DuplicateError (version taken by another release),
   *   TooLargeError (snapshot over the documented limit, naming it)
   */
  create(release: NewRelease): Promise<{ release: Release; created: boolean }>;
  /** The release with its snapshot. @throws NotFoundError */
  get(projectId: string, number: number): Promise<Release>;
  /** The release with that version string. @throws NotFoundError */
  getByVersion(projectId: string, version: string): Promise<Release>;
  /** The project's releases, newest first, without snapshots. */
  list(projectId: string, page?: PageRequest): Promise<Page<ReleaseSummary>>;
}

export interface DeploymentStore {
  /**
   * Writes a new deployment (version 1) and makes it the dashboard cell of its project ×
   * environment unless a newer one is there. @throws DuplicateError
   */
  create(deployment: New<Deployment>): Promise<Deployment>;
  /** The deployment with its results, task log and approvals. @throws NotFoundError */
  get(id: string): Promise<DeploymentDetail>;
  /**
   * Writes the deployment read at `deployment.version`, in one transaction with its dashboard
   * cell while the cell shows it. @throws NotFoundError, VersionConflictError,
   *   InvalidStateError (a transition DEPLOYMENT_TRANSITIONS does not allow)
   */
  update(deployment: Deployment): Promise<Deployment>;
  /** Records one step × target result: version 1 if new, else the stored version must match. @throws VersionConflictError */
  putResult(result: StepTargetResult): Promise<StepTargetResult>;
  /** Appends task log lines (callers redact them first); order is by time. @throws NotFoundError */
  appendLog(deploymentId: string, entries: TaskLogEntry[]): Promise<void>;
  /** The dashboard: the latest deployment of every project × environment, in one query. */
  matrix(): Promise<MatrixCell[]>;
  /** Deployments in a state that is not final (Queued, Running, WaitingForApproval), oldest first. */
  listByState(state: Exclude<DeploymentState, 'Succeeded' | 'Failed' | 'Errored' | 'Cancelled'>, page?: PageRequest): Promise<Page<Deployment>>;
  /** Deployments of a project to an environment, newest first. */
  listByProjectEnvironment(projectId: string, environmentId: string, page?: PageRequest): Promise<Page<Deployment>>;
  /** Every deployment of one release (all environments), oldest first: what lifecycle progress is computed from. */
  listByRelease(projectId: string, releaseNumber: number): Promise<Deployment[]>;
}

export interface ApprovalStore {
  /** Records a pending approval. @throws DuplicateError (one per deployment and step) */
  request(approval: New<Approval>): Promise<Approval>;
  /** @throws NotFoundError */
  get(deploymentId: string, stepIndex: number): Promise<Approval>;
  /**
   * Records the decision on the approval read at `version`. @throws NotFoundError,
   * VersionConflictError, InvalidStateError (already decided: a decision is never changed)
   */
  decide(
    key: { deploymentId: string; stepIndex: number; version: number },
    decision: { decision: ApprovalDecision; decidedBy: PrincipalArn; decidedAt: Timestamp; comment?: string },
  ): Promise<Approval>;
}

export interface AuditLog {
  /**
   * Appends an event after the current head: sequence, id, time and hashes are the log's.
   * Concurrent appends serialize on the head and never fork the chain.
   * @throws StoreUnavailableError when the head stayed contended past the retries
   */
  append(entry: AuditEntry): Promise<AuditEvent>;
  /** The end of the chain; undefined while the log is empty. */
  head(): Promise<AuditHead | undefined>;
  /** Events between two times (inclusive, either may be open), oldest first unless `newestFirst`. */
  listByTime(range: { from?: Timestamp; to?: Timestamp; newestFirst?: boolean }, page?: PageRequest): Promise<Page<AuditEvent>>;
  /** Events about one subject (`project/web`), oldest first. */
  listBySubject(subject: string, page?: PageRequest): Promise<Page<AuditEvent>>;
  /** Reads the chain in sequence order and checks every link and the head (audit.ts). */
  verify(): Promise<ChainVerification>;
}

/** Identifies one lock. */
export type LockKey = { projectId: string; environmentId: string };

export type LockRequest = LockKey & {
  deploymentId: string;
  /** How long the lock (or a place in the queue) is kept without the deployment asking again. */
  leaseSeconds: number;
};

/** The answer to acquire: the lock is the caller's, or it waits at `position` (1 = next). */
export type LockStatus = { held: true; leaseExpiresAt: Timestamp; version: number } | { held: false; position: number; holder?: string };

export interface LockStore {
  /**
   * Takes the lock when it is free (or its lease expired) and nobody is queued ahead; otherwise
   * queues the deployment (once) and renews its place. A waiting deployment calls this again
   * (from a Wait loop) until it holds the lock; the lock may also be handed to it by `release`.
   */
  acquire(request: LockRequest): Promise<LockStatus>;
  /** Extends the caller's lease. @throws LockLostError when another deployment holds the lock now */
  renew(request: LockRequest): Promise<LockStatus & { held: true }>;
  /**
   * Gives the lock up and hands it to the first live queued deployment, which holds it from
   * then on; returns that deployment's id so the caller can wake it. Releasing a lock the caller
   * does not hold changes nothing (a retried release is harmless).
   */
  release(key: LockKey & { deploymentId: string }): Promise<{ handedTo?: string }>;
  /** Removes a waiting deployment from the queue (it was cancelled). Absent entries are fine. */
  leave(key: LockKey & { deploymentId: string }): Promise<void>;
  /** The lock with its queue; a free lock with an empty queue when it was never taken. */
  get(key: LockKey): Promise<DeploymentLock>;
}

/** An image version pushed to a repository, as the ECR push event reported it. */
export type PushedImage = { repository: string; tag: string; digest: string; pushedAt: Timestamp };

/** The image versions the pipeline has seen pushed, per repository (to pick "the latest the channel accepts"). */
export interface ImageStore {
  /** Records a push; the same repository, tag and digest again changes nothing. */
  record(image: PushedImage): Promise<void>;
  /** The repository's pushed versions, newest push first (at most `limit`, default the store's maximum). */
  list(repository: string, limit?: number): Promise<PushedImage[]>;
}

/**
 * A release lifecycle waiting at a phase for a promotion (the state machine's task token, kept
 * in the secret store: `tokenRef` is the secret's ARN). The promotion API finds it by release
 * and phase, answers it, and removes it.
 */
export type LifecycleWait = { projectId: string; releaseNumber: number; phaseIndex: number; tokenRef: string; since: Timestamp };

export interface LifecycleWaitStore {
  /** Records (or replaces) the wait of a release at a phase. */
  put(wait: LifecycleWait): Promise<void>;
  /** The wait of the release at `phaseIndex`, if the lifecycle is waiting there. */
  get(projectId: string, releaseNumber: number, phaseIndex: number): Promise<LifecycleWait | undefined>;
  /** Removes it once answered; an absent wait is fine. */
  remove(projectId: string, releaseNumber: number, phaseIndex: number): Promise<void>;
}

/** Every store the pipeline uses, as one object the composition root builds once. */
export type PipelineStores = {
  environments: EnvironmentStore;
  lifecycles: LifecycleStore;
  projects: ProjectStore;
  accounts: AccountStore;
  targets: TargetStore;
  releases: ReleaseStore;
  deployments: DeploymentStore;
  approvals: ApprovalStore;
  audit: AuditLog;
  roles: RoleStore;
  locks: LockStore;
  images: ImageStore;
  lifecycleWaits: LifecycleWaitStore;
};

/** The state machines the pipeline starts, by their catalog name. */
export type WorkflowName = 'deployment' | 'release-lifecycle';

/**
 * Step Functions as the pipeline uses it (functions/adapters/sfn implements it). Task tokens
 * are secrets in all but name: whoever holds one ends the wait, so callers read them from the
 * secret store and never log them.
 */
export interface Workflows {
  /**
   * Starts an execution. `name` makes the start idempotent: starting the same name with the
   * same input again returns the first execution (as StartExecution does).
   */
  start(workflow: WorkflowName, name: string, input: Record<string, unknown>): Promise<{ executionArn: string }>;
  /** Ends a `.waitForTaskToken` wait successfully with `output`. @throws InvalidStateError when the token is no longer waiting */
  sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void>;
  /** Ends such a wait with an error the state machine's Catch sees by `error` name. */
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  /** Stops a running execution (a cancelled deployment); a finished one is left as it is. */
  stop(executionArn: string, cause: string): Promise<void>;
}

/** The events Conveyor publishes (EventBridge detail-type) for other systems to react to. */
export type PipelineEventType = 'ReleaseCreated' | 'DeploymentStarted' | 'DeploymentSucceeded' | 'DeploymentFailed' | 'ApprovalRequested';

/** EventBridge PutEvents on the pipeline's bus (functions/adapters/events). Details carry ids and names, never secrets. */
export interface EventPublisher {
  publish(type: PipelineEventType, detail: Record<string, unknown>): Promise<void>;
}
