/**
 * The pipeline's vocabulary (docs/architecture.md, "Domain"): environments, lifecycles,
 * projects and their deployment process, accounts, targets, releases, deployments, approvals,
 * the audit chain, role bindings and deployment locks. Plain data, no vendor types.
 *
 * Two rules shape these types:
 * - No secret value is ever part of an entity. Account secrets and sensitive variable values
 *   live in Secrets Manager; entities hold the secret's ARN (`SecretArn`) and the deploy engine
 *   reads the value at run time only.
 * - Every mutable entity carries `version`: the number it had when it was read. A store writes
 *   it back only if nobody wrote in between (optimistic concurrency), and stores version + 1.
 *   New entities are written with version 1. Immutable records (releases, audit events) have none.
 */
import type { DeployContainersSpec } from '../containers/spec.ts';
import type { ManifestFile } from '../render/index.ts';

// Deployments, their results and approvals have a file of their own; they are part of this vocabulary.
export * from './deployment.ts';

/** ISO 8601 UTC timestamp with milliseconds (`2026-01-31T12:00:00.000Z`): sorts as text. */
export type Timestamp = string;
/** ARN of a Secrets Manager secret; the only form in which secret material appears in an entity. */
export type SecretArn = string;
/** ARN of an IAM principal (user, role, assumed-role session) as API Gateway's IAM authorizer reports it. */
export type PrincipalArn = string;

/** Identifiers that end up in keys and URLs: lower-case letters, digits and dashes, 1 to 63 long. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** What a secret reference must look like, so that a value pasted into an ARN field is refused, not stored. */
export const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/** Optimistic concurrency: the version the entity had when it was read (1 for a new entity). */
export type Versioned = { version: number };

// ---------------------------------------------------------------------------------------
// Environments and lifecycles

/** A named stage a release is deployed to (Development, Test, Production). */
export type Environment = Versioned & {
  /** Slug, unique; used in keys, URLs and `#{Conveyor.Environment.Id}`. */
  id: string;
  /** What people read: "Production". */
  name: string;
  /** Position on the dashboard and in lifecycles that do not say otherwise; lower comes first. */
  order: number;
  description?: string;
};

/** How a phase is entered once the previous phase is complete. */
export type PhaseEntry = 'automatic' | 'manual';

/** One stage of a lifecycle: the environments a release goes to together. */
export type Phase = {
  name: string;
  /** Environment ids of this phase; a release may be deployed to any of them once the phase is open. */
  environments: string[];
  /** `automatic`: deploy to every environment of the phase as soon as it opens; `manual`: wait for a promotion. */
  entry: PhaseEntry;
  /**
   * How many of the phase's environments must have a successful deployment of the release
   * before the next phase opens; 0 means all of them.
   */
  minimumEnvironmentsBeforePromotion: number;
};

/** The ordered phases a release moves through. */
export type Lifecycle = Versioned & {
  /** Slug, unique. */
  id: string;
  name: string;
  /** In order; the first phase is open as soon as a release exists. */
  phases: Phase[];
};

// ---------------------------------------------------------------------------------------
// Projects: the deployment process, variables and channels

export type StepKind = 'apply-manifests' | 'deploy-containers' | 'kubectl-script' | 'approval';

/** What every step has, whatever its kind. */
export type StepBase = {
  /** Unique within the process; names the step in logs, results and `#{Conveyor.Step.Name}`. */
  name: string;
  /** The step runs on the deployment environment's targets that carry at least one of these tags. Unused by approvals. */
  targetTags: string[];
  /** Environment ids the step runs in; every environment when absent. */
  environments?: string[];
  /** How long the step may take on one target, from its first request to a final health state. */
  timeoutSeconds: number;
};

/** Raw Kubernetes YAML/JSON, with `#{Variable}` substitution, applied with server-side apply. */
export type ApplyManifestsStep = StepBase & {
  kind: 'apply-manifests';
  /** The manifest files in apply order (the engine orders kinds within them). */
  manifests: ManifestFile[];
};

/**
 * Conveyor's opinionated Deployment + Service + Ingress + ConfigMap + Secret. Secret items
 * must be `#{Variable}` references to sensitive variables: the spec is stored with the project
 * and its releases, so a literal there would be a secret in the table.
 */
export type DeployContainersStep = StepBase & { kind: 'deploy-containers'; spec: DeployContainersSpec };

/** A script run with kubectl (and helm) against each target, with the target's credentials. */
export type KubectlScriptStep = StepBase & {
  kind: 'kubectl-script';
  /** Bash script text, with `#{Variable}` substitution; sensitive values are masked in the task log. */
  script: string;
};

/** A wait for a person allowed to approve in the deployment's environment (never the deployment's starter). */
export type ApprovalStep = StepBase & {
  kind: 'approval';
  /** What the approver is asked to check, shown with the request. */
  instructions: string;
};

export type Step = ApplyManifestsStep | DeployContainersStep | KubectlScriptStep | ApprovalStep;

/** Where a variable value applies; an absent list means "any" (the engine's VariableScope). */
export type VariableScope = { environments?: string[]; targetTags?: string[]; targets?: string[]; steps?: string[] };

/**
 * One scoped value of a project variable: plain text, or a reference to a Secrets Manager
 * secret for a sensitive value (read at deployment time, masked in every log).
 */
export type ProjectVariableValue = { value: string; scope?: VariableScope } | { secretArn: SecretArn; scope?: VariableScope };

/** A named variable with one or more scoped values; the most specific scope wins at render time. */
export type ProjectVariable = { name: string; values: ProjectVariableValue[] };

/** Which image versions a channel accepts for one repository; both conditions must hold when both are given. */
export type ChannelRule = {
  /** Image repository without tag or digest (`123456789012.dkr.ecr.eu-west-1.amazonaws.com/web`). */
  repository: string;
  /** npm-style semver range the tag must satisfy (`>=2.0.0 <3.0.0`); pre-releases only when the range names one. */
  versionRange?: string;
  /** Regular expression the whole tag must match (`^main-[0-9a-f]{7}$`). */
  tagPattern?: string;
};

/** A release stream (stable, hotfix, preview) with its image version rules. */
export type Channel = {
  /** Slug, unique within the project. */
  name: string;
  /** Lifecycle this channel's releases follow; the project's when absent. */
  lifecycleId?: string;
  /** Rules per repository; a repository without a rule accepts any version. */
  rules: ChannelRule[];
};

/** One deployable application. */
export type Project = Versioned & {
  /** Slug, unique. */
  id: string;
  name: string;
  description?: string;
  /** The lifecycle releases follow unless their channel names another. */
  lifecycleId: string;
  /** The deployment process: steps run in this order. */
  process: Step[];
  variables: ProjectVariable[];
  channels: Channel[];
  /** Name of the channel a release goes to when its creator names none (an image push, for instance). */
  defaultChannel: string;
  /**
   * Number of the latest release; the next one gets this + 1. Kept by the release store
   * (never written by a project update), so editing a project never races release numbering.
   */
  releaseCounter: number;
};

/** What lists of projects show (no process, no variables: those may be megabytes). */
export type ProjectSummary = Omit<Project, 'process' | 'variables'>;

// ---------------------------------------------------------------------------------------
// Accounts and targets

/**
 * How Conveyor authenticates to a cluster. Non-secret fields are inline; the secret material
 * (token, password, client key, or the role to assume for EKS) is one JSON secret in Secrets
 * Manager, referenced by `secretArn`.
 */
export type AccountCredentials =
  | { kind: 'token' }
  | { kind: 'basic'; username: string }
  | { kind: 'certificate' /** Client certificate, PEM: public, so it may be inline. */; certificatePem: string }
  | { kind: 'eks'; clusterName: string; region: string };

export type Account = Versioned &
  AccountCredentials & {
    /** Slug, unique. */
    id: string;
    name: string;
    /**
     * Secret holding the secret material as JSON: `{token}`, `{password}`, `{privateKeyPem}`, or
     * for EKS an optional `{roleArn}` to assume. Absent only for an EKS account that uses the
     * pipeline's own role.
     */
    secretArn?: SecretArn;
  };

/** A permission boundary: a cluster, a namespace, and the account Conveyor uses there. */
export type Target = Versioned & {
  /** Slug, unique; the name results and logs use. */
  id: string;
  /** API server URL; for EKS accounts it may be omitted and read from DescribeCluster. */
  url?: string;
  /** Namespace objects are confined to; absent only for an admin target. */
  namespace?: string;
  /** An admin target may create cluster-scoped objects and use any namespace. */
  admin?: boolean;
  /** Account id. */
  accountId: string;
  /** PEM CA bundle of the API server; system roots when absent. */
  caPem?: string;
  /** Only when the target explicitly says so: TLS verification is on otherwise. */
  skipTlsVerify?: boolean;
  /** Environment ids this target serves. */
  environments: string[];
  /** Steps pick targets by tag (`web`, `db-migrations`). */
  tags: string[];
};

// ---------------------------------------------------------------------------------------
// Releases

/** The image chosen for one repository the process names. */
export type ImageReference = {
  /** Repository without tag or digest. */
  repository: string;
  /** The version that was chosen (by the channel rules or the release's creator). */
  tag: string;
  /** `sha256:...` when known: deployments then pin the image, so a re-pushed tag changes nothing. */
  digest?: string;
};

/** The process, variables and images exactly as they were when the release was created. */
export type ReleaseSnapshot = {
  process: Step[];
  variables: ProjectVariable[];
  images: ImageReference[];
  /** The lifecycle the release follows (the channel's, else the project's). */
  lifecycleId: string;
  /** The project version the snapshot was taken from. */
  projectVersion: number;
};

/** An immutable release without its snapshot: what release lists show. */
export type ReleaseSummary = {
  projectId: string;
  /** Assigned by the store: 1, 2, 3... per project, without gaps or duplicates. */
  number: number;
  /** The user-facing version (`1.4.2`, `2026.01.31-3`); unique per project. */
  version: string;
  channel: string;
  /** Also in the snapshot; here so that lists show them without reading the snapshot. */
  images: ImageReference[];
  createdBy: PrincipalArn;
  createdAt: Timestamp;
  /**
   * The image digest whose push created the release: one push makes one release, however
   * many times the event is delivered.
   */
  sourceDigest?: string;
  notes?: string;
};

export type Release = ReleaseSummary & { snapshot: ReleaseSnapshot };

/** What creating a release needs; the store assigns `number`. */
export type NewRelease = Omit<Release, 'number'>;

// ---------------------------------------------------------------------------------------
// Audit

/** Detail values of an audit event: plain JSON data (no secret values: names and ARNs only). */
export type AuditValue = string | number | boolean | null | AuditValue[] | { [key: string]: AuditValue };

/** What the caller says happened; the audit log adds sequence, id, time and the hashes. */
export type AuditEntry = {
  /** Who did it: the IAM principal, or the pipeline's own role for automatic actions. */
  actorArn: PrincipalArn;
  /** `release.create`, `deployment.start`, `approval.decide`, `target.update`... */
  action: string;
  /** What it was done to: `project/web`, `deployment/01J...`, `target/prod-eu`. */
  subject: string;
  /** API Gateway request id or Step Functions execution ARN: ties the event to logs and history. */
  requestId: string;
  details: { [key: string]: AuditValue };
};

/** One link of the append-only audit chain. */
export type AuditEvent = AuditEntry & {
  /** 1, 2, 3... without gaps: the position in the chain. */
  sequence: number;
  /** Unique id (random), for references from elsewhere. */
  id: string;
  /** When it was appended; never earlier than the previous event's time. */
  time: Timestamp;
  /** `hash` of the previous event (GENESIS_HASH for the first). */
  previousHash: string;
  /** SHA-256 over the previous hash and this event's canonical form (audit.ts). */
  hash: string;
};

/** The end of the chain: what the next event links to. */
export type AuditHead = { sequence: number; hash: string; time: Timestamp };

// ---------------------------------------------------------------------------------------
// Authorization

export type Role = 'Admin' | 'ReleaseManager' | 'Deployer' | 'Approver' | 'Auditor';

/** Roles whose grant may be limited to some environments. */
export const ENVIRONMENT_SCOPED_ROLES: readonly Role[] = ['Deployer', 'Approver'];

/** One role of a principal; `environments` (Deployer and Approver only) limits where it applies. */
export type RoleGrant = { role: Role; environments?: string[] };

/** The roles of one IAM principal. A principal without a binding may do nothing. */
export type RoleBinding = Versioned & { principalArn: PrincipalArn; roles: RoleGrant[] };

// ---------------------------------------------------------------------------------------
// Deployment locks

/** A deployment waiting for the lock, in the order it asked. */
export type LockQueueEntry = {
  deploymentId: string;
  /** Position taken when it first asked; lower goes first. */
  ticket: number;
  queuedAt: Timestamp;
  /**
   * A waiting deployment renews this each time it asks again; a queue entry past it belongs
   * to a deployment that stopped asking (its execution died) and is skipped.
   */
  expiresAt: Timestamp;
  /** Lease the deployment asked for, used when the lock is handed to it. */
  leaseSeconds: number;
};

/** One deployment at a time per project × environment. */
export type DeploymentLock = Versioned & {
  projectId: string;
  environmentId: string;
  /** The deployment that runs, until its lease expires; absent when free. */
  holder?: { deploymentId: string; acquiredAt: Timestamp; leaseExpiresAt: Timestamp };
  /** Waiting deployments, in ticket order (expired entries included, marked by `expiresAt`). */
  queue: LockQueueEntry[];
};
