/**
 * The deploy step's state between its one-shot steps, `apply` → `check-rollout`* →
 * `finalize`: plain JSON that a state machine carries from one Lambda to the next (and that
 * `conveyor apply --wait` passes around its loop), so no step keeps anything in memory that a
 * later invocation could not restore.
 *
 * What it holds: what was applied (references, outcomes, last health), the step's deadline,
 * the rollout tracker's memory (latches, Deployment progress clocks), and where each
 * deploy-containers plan stands. What it never holds: manifests (a later step that must write,
 * such as a blue/green switch, renders them again from the request) and secret values
 * (everything in it has passed the step's Redactor on its way out). It stays small: a Step
 * Functions payload is limited to 256 KB.
 *
 * Where each plan action runs, so that every action happens in exactly one step:
 * - `apply` before the plan's first `wait`: the apply step;
 * - `wait`: check-rollout, which tracks the plan's refs with the rest of the rollout;
 * - any action between two waits: check-rollout, as soon as the earlier wait is done;
 * - actions after the last wait (blue/green `switch`, `cleanup` of older config): finalize,
 *   and only when the whole rollout is done; after a failure or timeout they never run, so the
 *   previous version stays live.
 * A plan that does not wait (a rolling plan when the caller did not ask to wait) runs its
 * applies in the apply step and skips its cleanup, as older config may still be in use.
 */

import type { Strategy } from '../containers/spec.ts';
import type { ObjectHealth, ObjectRef } from '../model.ts';
import { refKey } from '../rollout/status.ts';
import type { TrackedMemory } from '../rollout/tracker.ts';
import type { ApplyOutcome } from './events.ts';

/** Bumped when the shape changes, so a step refuses a state it does not understand. */
export const STEP_STATE_VERSION = 1;

/**
 * validated: dry run only; applied: written, nothing to wait for; progressing: the rollout is
 * being checked; done / failed / timeout: how the rollout ended.
 */
export type StepPhase = 'validated' | 'applied' | 'progressing' | 'done' | 'failed' | 'timeout';

/** An object a plan step writes, with what the pre-flight dry run saw of it. */
export type PlannedObject = {
  ref: ObjectRef;
  /** The resourceVersion the dry run saw ('' for a new object), to tell created / configured / unchanged. */
  before?: string;
};

/** One step of a deploy-containers plan (containers/plan.ts) by reference. */
export type PlanStepRef =
  | { action: 'apply'; objects: PlannedObject[] }
  | { action: 'wait'; refs: ObjectRef[] }
  | { action: 'switch'; from?: string; to: string; objects: PlannedObject[] }
  | { action: 'cleanup'; delete: ObjectRef[] };

/** Where one deploy-containers plan stands. */
export type PlanProgress = {
  /** Which deploy-containers document of the request the plan is for (0-based, in render order). */
  spec: number;
  /** The spec's name: a later step checks that the request it was given renders the same plan. */
  name: string;
  strategy: Strategy;
  steps: PlanStepRef[];
  /** Index of the next step to run; `steps.length` when nothing is left. */
  next: number;
  /** Whether the plan waits for its objects: blue/green always (the switch depends on it), others when asked. */
  waits: boolean;
  /** What a failed or timed-out rollout leaves of this plan, for the note. */
  onFailure: string;
};

/** An object's health without its ref (the object it belongs to names it). */
export type ObjectStatus = Omit<ObjectHealth, 'ref'>;

/** One object the step wrote. */
export type AppliedObject = {
  ref: ObjectRef;
  outcome?: ApplyOutcome;
  /** Its health as last reported, once a check has read it. */
  health?: ObjectStatus;
};

/** The tracker's memory of one object (TrackedMemory), naming the object by its index in `objects`. */
export type TrackedObject = Omit<TrackedMemory, 'ref'> & {
  /** Index in the state's `objects`. */
  object: number;
};

/** The rollout being checked: the tracker's memory and its options. */
export type RolloutMemory = {
  /** Wait for Jobs to complete (step option). */
  waitForJobs?: boolean;
  /** One entry per tracked object: the applied objects (when the caller waits) and the plans' current waits. */
  tracked: TrackedObject[];
};

export type StepState = {
  version: typeof STEP_STATE_VERSION;
  state: StepPhase;
  /** When the whole step must be over (epoch ms), and its budget for messages ("timed out after 20s"). */
  deadline: { at: number; budgetMs: number };
  /** Every object written, in order, with its outcome and (once checked) its last reported health. */
  objects: AppliedObject[];
  /** Namespaces this step created, so a failure can say what the cluster now holds. */
  createdNamespaces: string[];
  /** Absent when nothing is waited for. */
  rollout?: RolloutMemory;
  /** The deploy-containers plans, in the request's order. */
  plans: PlanProgress[];
  /** For failed, the first Degraded object; for timeout, the worst unfinished one. */
  failure?: ObjectHealth;
  /** What a failed blue/green or rolling plan left as it was, for the task log. */
  note?: string;
};

/** The tracker's memory from the state (refs from `objects`). */
export function trackerMemory(state: StepState): TrackedMemory[] {
  return (state.rollout?.tracked ?? []).map(({ object, ...memory }) => ({ ref: state.objects[object]!.ref, ...memory }));
}

/** The tracker's memory into the state, each ref by its index in `objects` (a ref not among them is added). */
export function setTrackerMemory(state: StepState, memory: TrackedMemory[], waitForJobs: boolean | undefined): void {
  const index = new Map(state.objects.map((o, i) => [refKey(o.ref), i]));
  const tracked = memory.map(({ ref, ...rest }) => {
    let at = index.get(refKey(ref));
    if (at === undefined) {
      at = state.objects.push({ ref }) - 1;
      index.set(refKey(ref), at);
    }
    return { object: at, ...rest };
  });
  state.rollout = { ...(waitForJobs !== undefined ? { waitForJobs } : {}), tracked };
}

/** The health of an object as the outcome shows it (with its ref). */
export function objectHealthOf(object: AppliedObject): ObjectHealth | undefined {
  return object.health ? { ref: object.ref, ...object.health } : undefined;
}

/** The refs of a plan step that writes or deletes, for "applied / not applied" lists. */
export function writtenBy(step: PlanStepRef): ObjectRef[] {
  return step.action === 'apply' || step.action === 'switch' ? step.objects.map((o) => o.ref) : [];
}

/** The refs a plan waits for now, if it stands at a wait. */
export function currentWait(plan: PlanProgress): ObjectRef[] | undefined {
  const step = plan.steps[plan.next];
  return step?.action === 'wait' ? step.refs : undefined;
}

/** Whether the plan has a wait at or after `from`. */
export function waitsAfter(plan: PlanProgress, from: number): boolean {
  return plan.steps.slice(from).some((s) => s.action === 'wait');
}
