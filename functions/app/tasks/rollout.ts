/**
 * What apply and check-rollout share: the output the deployment state machine's rollout loop
 * reads (status for its Choice, waitSeconds for its Wait, the engine's state to pass on), the
 * growing wait, the time each invocation may use, and how engine errors cross the Task boundary.
 *
 * Waits grow 2, 4, 8, 16 s and stay at 30 s: a fast rollout is seen within seconds, a slow one
 * costs three transitions (Wait, CheckRollout, Choice) per 30 s plus the watch. The wait follows
 * from the number of checks so far, which the output carries, so a retried check waits the same.
 */
import { Deadline } from '#domain/deadline.ts';
import type { StepOutcome, StepState } from '#domain/engine/apply-step.ts';
import { describe } from '#domain/engine/events.ts';
import { PartialApplyError } from '#domain/errors.ts';
import type { Target as EngineTarget, ObjectRef } from '#domain/model.ts';
import { TooLargeError } from '#domain/pipeline/errors.ts';
import type { ConnectedCluster, TaskDeps } from './ports.ts';
import type { TaskLog } from './task-log.ts';

export const FIRST_WAIT_SECONDS = 2;
export const MAX_WAIT_SECONDS = 30;
/**
 * The engine's state travels in the execution, whose state is limited to 256 KiB: half of that
 * leaves room for the rest of the Map iteration's state. About 1,000 objects fit.
 */
export const MAX_ROLLOUT_STATE_BYTES = 128 * 1024;
/** Time a check keeps for reading before and writing after its watch. */
export const CHECK_READ_ALLOWANCE_MS = 10_000;
const MS_PER_SECOND = 1000;

export type RolloutStatus = 'progressing' | 'done' | 'failed' | 'timeout';

/** What apply and check-rollout return (docs/state-machines.md). */
export type RolloutOutput = {
  deploymentId: string;
  stepIndex: number;
  targetId: string;
  status: RolloutStatus;
  /** Checks done so far; the next wait follows from it. */
  checks: number;
  /** How long the state machine waits before the next check. */
  waitSeconds: number;
  /** The engine's step state: plain JSON, no secrets, no manifests. */
  rollout: StepState;
  /** Why the rollout failed or timed out, redacted: the Fail state's Cause. */
  reason?: string;
};

/** The wait after `checks` checks: 2, 4, 8, 16, then 30 s. */
export function waitSecondsAfter(checks: number): number {
  return Math.min(FIRST_WAIT_SECONDS * 2 ** Math.min(checks, MAX_WAIT_SECONDS), MAX_WAIT_SECONDS);
}

/** The engine's state, refused when it would not fit the execution's state. */
export function boundedState(state: StepState, where: string): StepState {
  const bytes = Buffer.byteLength(JSON.stringify(state));
  if (bytes > MAX_ROLLOUT_STATE_BYTES) throw new TooLargeError(`the rollout state of ${where}`, bytes, MAX_ROLLOUT_STATE_BYTES, 'rollout state carried by the state machine: split the step');
  return state;
}

/** The earlier of two deadlines, on the tasks' clock. */
export function earliest(a: Deadline, b: Deadline, clock: () => number): Deadline {
  const first = a.at <= b.at ? a : b;
  return new Deadline(first.at, first.budgetMs, clock);
}

/** A deadline on the tasks' clock. */
export function clockMs(deps: Pick<TaskDeps, 'clock'>): () => number {
  return () => deps.clock().getTime();
}

/** How long a task may watch: the configured time, less what reading and writing need of the invocation. */
export function watchSecondsFor(configuredSeconds: number, invocation: Deadline): number {
  const available = (invocation.remainingMs() - CHECK_READ_ALLOWANCE_MS) / MS_PER_SECOND;
  return Math.max(0, Math.min(configuredSeconds, available));
}

/** Connects to `target`, runs `work`, closes the connection. */
export async function withCluster<T>(deps: Pick<TaskDeps, 'clusters'>, target: EngineTarget, deadline: Deadline, work: (cluster: ConnectedCluster) => Promise<T>): Promise<T> {
  const cluster = await deps.clusters.connect(target, deadline);
  try {
    return await work(cluster);
  } finally {
    await cluster.close();
  }
}

const refs = (list: ObjectRef[]) => (list.length ? list.map(describe).join(', ') : 'none');

/**
 * An engine error as the task throws it. A PartialApplyError has its cause's category, but the
 * ASL matches names: its lists go to the task log and the cause is thrown, with the partial
 * apply's message, so a retryable cause (ClusterUnavailableError, DeadlineExceededError) is
 * retried by the ASL (server-side apply converges) and a terminal one is caught as what it is.
 */
export function acrossTaskBoundary(error: unknown, log: TaskLog): unknown {
  if (!(error instanceof PartialApplyError) || !(error.cause instanceof Error)) return error;
  log.error(`stopped part-way: applied (${error.applied.length}): ${refs(error.applied)}; not applied (${error.notApplied.length}): ${refs(error.notApplied)}`);
  const cause = error.cause;
  cause.message = error.message;
  return cause;
}

/** The reason a failed or timed-out rollout gives, with what a blue/green or rolling plan left as it was. */
export function failureReason(state: StepState, outcome: StepOutcome | undefined): string {
  const failure = outcome?.failure ?? state.failure;
  const what = failure ? (failure.message ?? `${describe(failure.ref)}: ${failure.status}${failure.reason ? ` (${failure.reason})` : ''}`) : 'no object reported why';
  const note = outcome?.note ? `; ${outcome.note}` : '';
  if (state.state === 'timeout') return `the step did not finish within ${state.deadline.budgetMs / MS_PER_SECOND} s: ${what}${note}`;
  return `${what}${note}`;
}

/** Runs `work`, then writes the collected log lines; on failure the lines are written too (a failed write then loses to the error). */
export async function withLog<T>(log: TaskLog, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    const thrown = acrossTaskBoundary(error, log);
    await log.flush().catch(() => undefined);
    throw thrown;
  }
  await log.flush();
  return result;
}
