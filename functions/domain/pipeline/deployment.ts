/**
 * Deployments, their step × target results, task logs and approvals: the part of the
 * pipeline's vocabulary (model.ts) that changes while a release is being deployed.
 */
import type { PrincipalArn, SecretArn, Timestamp, Versioned } from './model.ts';

/**
 * Where a deployment is. `Failed`: a check failed (a rollout rule said Degraded, an approval
 * was rejected, the deadline passed). `Errored`: a technical fault (the cluster or AWS could not
 * be reached past every retry, a bug). Both leave the previous version live.
 */
export type DeploymentState = 'Queued' | 'Running' | 'WaitingForApproval' | 'Succeeded' | 'Failed' | 'Errored' | 'Cancelled';

/** States a deployment never leaves. */
export const FINAL_DEPLOYMENT_STATES: readonly DeploymentState[] = ['Succeeded', 'Failed', 'Errored', 'Cancelled'];

/** The states each state may follow; a store refuses any other transition. */
export const DEPLOYMENT_TRANSITIONS: Record<DeploymentState, readonly DeploymentState[]> = {
  Queued: [],
  Running: ['Queued', 'WaitingForApproval'],
  WaitingForApproval: ['Running'],
  Succeeded: ['Running'],
  Failed: ['Running', 'WaitingForApproval'],
  Errored: ['Queued', 'Running', 'WaitingForApproval'],
  Cancelled: ['Queued', 'Running', 'WaitingForApproval'],
};

export function isFinal(state: DeploymentState): boolean {
  return FINAL_DEPLOYMENT_STATES.includes(state);
}

/**
 * The states a deployment may be in before it is written in `next`: the transitions above, plus
 * `next` itself unless it is final (a running deployment records its execution ARN, for instance).
 */
export function allowedPreviousStates(next: DeploymentState): DeploymentState[] {
  return isFinal(next) ? [...DEPLOYMENT_TRANSITIONS[next]] : [next, ...DEPLOYMENT_TRANSITIONS[next]];
}

/** One release to one environment. */
export type Deployment = Versioned & {
  /** Unique; time-ordered ids are recommended (lists are ordered by `queuedAt`, then id). */
  id: string;
  projectId: string;
  releaseNumber: number;
  releaseVersion: string;
  environmentId: string;
  state: DeploymentState;
  /** Who asked for it; never allowed to approve it. */
  startedBy: PrincipalArn;
  /** The deployment state machine's execution, once started. */
  executionArn?: string;
  /** When it was asked for; it may wait for the project × environment lock before it runs. */
  queuedAt: Timestamp;
  startedAt?: Timestamp;
  finishedAt?: Timestamp;
  /** Why it ended Failed or Errored, redacted: what a person reads. */
  failure?: { category: string; message: string };
};

export type StepTargetState = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Errored' | 'Skipped';

/** One step on one target; each is written by its own branch of the state machine's Map. */
export type StepTargetResult = Versioned & {
  deploymentId: string;
  /** Position of the step in the release's process. */
  stepIndex: number;
  stepName: string;
  /** Target id (an approval step, which runs on no target, uses `-`). */
  targetId: string;
  state: StepTargetState;
  startedAt?: Timestamp;
  finishedAt?: Timestamp;
  /** Summary a person reads (applied objects, the rollout rule that failed), redacted. */
  message?: string;
};

/** One line of a deployment's task log, already redacted by whoever wrote it. */
export type TaskLogEntry = {
  time: Timestamp;
  level: 'info' | 'warn' | 'error';
  message: string;
  stepName?: string;
  targetId?: string;
};

/** A deployment with everything recorded about it: what "show deployment" returns. */
export type DeploymentDetail = {
  deployment: Deployment;
  results: StepTargetResult[];
  /** In time order. */
  log: TaskLogEntry[];
  approvals: Approval[];
};

/** One cell of the dashboard: the latest deployment of a project to an environment. */
export type MatrixCell = Pick<Deployment, 'projectId' | 'environmentId' | 'releaseNumber' | 'releaseVersion' | 'state' | 'queuedAt' | 'startedAt' | 'finishedAt'> & { deploymentId: string };

// ---------------------------------------------------------------------------------------
// Approvals

export type ApprovalDecision = 'Approved' | 'Rejected';

/** A wait inside a deployment for a person's decision. */
export type Approval = Versioned & {
  deploymentId: string;
  /** The approval step's position in the process. */
  stepIndex: number;
  stepName: string;
  environmentId: string;
  /**
   * Where the Step Functions task token is kept (a Secrets Manager secret ARN). A token lets its
   * holder end the wait, so it is kept like a secret, not in the table.
   */
  taskTokenRef: SecretArn;
  /** The deployment's starter, who may not approve. */
  requestedBy: PrincipalArn;
  requestedAt: Timestamp;
  /** Absent while pending; set once, never changed. */
  decision?: ApprovalDecision;
  decidedBy?: PrincipalArn;
  decidedAt?: Timestamp;
  comment?: string;
};
