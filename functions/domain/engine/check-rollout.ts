/**
 * The check-rollout step's work: one look at the rollout a state describes. It rebuilds the
 * RolloutTracker from the state's memory, reads the tracked objects once, and, while the
 * rollout is still progressing, watches them for at most `watchSeconds` (never past the
 * step's deadline), returning as soon as a change settles it. It returns the state updated:
 * health per object, the tracker's memory, and done / progressing / failed (with the
 * diagnosis) / timeout. When a plan's wait is done it moves the plan on (step-state.ts says
 * which actions run here); a failure part-way through those writes is a PartialApplyError.
 *
 * Read failures are thrown as they are (the cluster's category: a state machine retries the
 * check); nothing is written by a check unless a plan has actions between two waits.
 *
 * `untilSettled` is `conveyor apply --wait`: the same check in a loop, each watching a few
 * seconds, so the CLI and the state machine run one code path.
 */
import { Deadline } from '../deadline.ts';
import type { ObjectHealth } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { refKey } from '../rollout/status.ts';
import { type Evaluation, RolloutTracker } from '../rollout/tracker.ts';
import { passWait, waitsAhead } from './containers-step.ts';
import type { StepContext } from './context.ts';
import { InvalidStepInputError } from './errors.ts';
import type { EventSink } from './events.ts';
import { healthFingerprint, RolloutObserver } from './observe.ts';
import { actionRunner, laterApplier, partialFailure, recordResults } from './state-writes.ts';
import { currentWait, type PlanProgress, type StepState, setTrackerMemory, trackerMemory } from './step-state.ts';

const MS_PER_SECOND = 1000;
/** How long each check of the `--wait` loop watches before the next one reads afresh. */
export const LOOP_WATCH_MS = 5_000;

export type CheckOptions = {
  /** How long the check may watch after its read; 0 reads once. */
  watchSeconds: number;
  onEvent: EventSink;
  now: () => Date;
};

/** The step's deadline as the state carries it, on the given clock. */
export function deadlineOf(state: StepState, now: () => Date): Deadline {
  return new Deadline(state.deadline.at, state.deadline.budgetMs, () => now().getTime());
}

export async function checkState(ctx: StepContext, input: StepState, cluster: ClusterClient, options: CheckOptions): Promise<StepState> {
  const state = structuredClone(input);
  if (state.state !== 'progressing') return state;
  if (!state.rollout) throw new InvalidStepInputError('check-rollout', [{ field: 'state.rollout', message: 'a progressing state must say what is tracked' }]);
  const { now } = options;
  const deadline = deadlineOf(state, now);
  const memory = trackerMemory(state);
  const tracker = RolloutTracker.restore(memory, {
    timeoutMs: deadline.budgetMs,
    // The tracker measures from the step's start, so its timeout is the step's deadline.
    now: new Date(deadline.at - deadline.budgetMs),
    ...(state.rollout.waitForJobs !== undefined ? { waitForJobs: state.rollout.waitForJobs } : {}),
  });
  const reported = new Map(state.objects.flatMap((o) => (o.health ? [[refKey(o.ref), healthFingerprint(o.health)] as const] : [])));
  const refs = memory.map((t) => t.ref);
  const observer = new RolloutObserver(tracker, refs, { onEvent: options.onEvent, now, concurrency: ctx.concurrency, reported });

  await observer.read(cluster);
  // A check ends early when the verdict is in, or when a plan can move on to its next wait.
  const settled = (e: Evaluation) => e.state !== 'progressing' || state.plans.some((p) => waitDone(p, e.objects) && hasLaterWait(p));
  let evaluation = observer.evaluate();
  const windowMs = Math.min(options.watchSeconds * MS_PER_SECOND, deadline.remainingMs());
  if (!settled(evaluation) && windowMs > 0) evaluation = await observer.watch(cluster, now().getTime() + windowMs, settled);

  setTrackerMemory(state, tracker.snapshot(), state.rollout.waitForJobs);
  attachHealth(state, evaluation.objects);
  if (evaluation.state === 'failed' || evaluation.state === 'timeout') {
    state.state = evaluation.state;
    if (evaluation.failure) state.failure = evaluation.failure;
    return state;
  }
  await movePlansOn(ctx, state, cluster, evaluation.objects, options.onEvent);
  const waiting = state.plans.some((p) => currentWait(p));
  state.state = evaluation.state === 'done' && !waiting ? 'done' : 'progressing';
  return state;
}

/**
 * `conveyor apply --wait`: checks until the rollout is no longer progressing. Each check
 * watches LOOP_WATCH_MS, or up to the deadline when less than two of those are left, so no
 * check starts with almost no time (its read could not finish) and the last one ends exactly
 * at the deadline.
 */
export async function untilSettled(state: StepState, now: () => Date, check: (state: StepState, watchSeconds: number) => Promise<StepState>): Promise<StepState> {
  let current = state;
  while (current.state === 'progressing') {
    const remaining = deadlineOf(current, now).remainingMs();
    const windowMs = remaining <= 2 * LOOP_WATCH_MS ? remaining : LOOP_WATCH_MS;
    current = await check(current, windowMs / MS_PER_SECOND);
  }
  return current;
}

/** Whether every ref of the wait the plan stands at is Healthy. */
function waitDone(plan: PlanProgress, objects: ObjectHealth[]): boolean {
  const refs = currentWait(plan);
  if (!refs) return false;
  const healthy = new Set(objects.filter((o) => o.status === 'Healthy').map((o) => refKey(o.ref)));
  return refs.every((r) => healthy.has(refKey(r)));
}

/** Whether a wait follows the one the plan stands at (so its in-between actions run in a check). */
function hasLaterWait(plan: PlanProgress): boolean {
  return waitsAhead({ ...plan, next: plan.next + 1 });
}

/** Moves every plan whose wait is done past it, running what lies before its next wait, which is then tracked too. */
async function movePlansOn(ctx: StepContext, state: StepState, cluster: ClusterClient, objects: ObjectHealth[], onEvent: EventSink): Promise<void> {
  const ready = state.plans.filter((p) => waitDone(p, objects));
  if (!ready.length) return;
  ctx.checkPlans(ready);
  const applier = laterApplier(ctx, state, cluster, onEvent);
  const runner = actionRunner(ctx, cluster, applier, onEvent);
  try {
    for (const plan of ready) {
      recordResults(state, await passWait(plan, runner));
      const memory = trackerMemory(state);
      const tracked = new Set(memory.map((t) => refKey(t.ref)));
      const added = (currentWait(plan) ?? []).filter((ref) => !tracked.has(refKey(ref)));
      setTrackerMemory(state, [...memory, ...added.map((ref) => ({ ref }))], state.rollout?.waitForJobs);
    }
  } catch (error) {
    throw partialFailure(state, applier, error);
  }
}

/** The last health of every tracked object onto the state's objects. */
function attachHealth(state: StepState, objects: ObjectHealth[]): void {
  const byKey = new Map(objects.map((h) => [refKey(h.ref), h]));
  state.objects = state.objects.map((o) => {
    const health = byKey.get(refKey(o.ref));
    if (!health) return o;
    const { ref: _ref, ...status } = health;
    return { ...o, health: status };
  });
}
