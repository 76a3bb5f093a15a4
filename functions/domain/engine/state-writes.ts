/**
 * Writes made by the steps that come after the apply step (check-rollout between two waits of
 * a plan, finalize's switch and cleanup): the same Applier, with outcomes judged from what the
 * apply step's dry run saw (kept in the state), and a failure part-way that names what the
 * cluster now holds, as the apply step's does (PartialApplyError).
 */
import { PartialApplyError } from '../errors.ts';
import type { Manifest, ObjectRef } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { refKey } from '../rollout/status.ts';
import { Applier } from './applier.ts';
import type { ActionRunner } from './containers-step.ts';
import type { StepContext } from './context.ts';
import type { ApplyOutcome, EventSink } from './events.ts';
import { objectKey } from './preflight.ts';
import { type StepState, writtenBy } from './step-state.ts';

/** A server's creationTimestamp has second precision: an object created this second counts as created. */
const CREATION_SLACK_MS = 1000;

/** Created, changed or left as it was, from the resourceVersion the dry run saw (`existing`, by object key). */
export function outcomeOf(object: Manifest, live: Manifest, existing: Map<string, string>, started: Date): ApplyOutcome {
  const before = existing.get(objectKey(object));
  if (before === undefined) {
    // Not dry-run (new namespace or kind): judge by when the server created it.
    const created = Date.parse(String(live.metadata?.creationTimestamp ?? ''));
    return created >= started.getTime() - CREATION_SLACK_MS ? 'created' : 'configured';
  }
  if (before === '') return 'created';
  return String(live.metadata?.resourceVersion) === before ? 'unchanged' : 'configured';
}

/** When the apply step started: its deadline less its budget. */
export const stepStart = (state: StepState) => new Date(state.deadline.at - state.deadline.budgetMs);

/** An Applier for plan objects written after the apply step. */
export function laterApplier(ctx: StepContext, state: StepState, cluster: ClusterClient, onEvent: EventSink): Applier {
  const before = new Map<string, string>();
  for (const plan of state.plans) {
    for (const step of plan.steps) if ('objects' in step) for (const o of step.objects) if (o.before !== undefined) before.set(refKey(o.ref), o.before);
  }
  const started = stepStart(state);
  return new Applier(cluster, { force: ctx.request.force, concurrency: ctx.concurrency, onEvent, outcomeOf: (object, live) => outcomeOf(object, live, before, started) });
}

/** Runs plan actions through `applier`, with the objects of each step from the context. */
export function actionRunner(ctx: StepContext, cluster: ClusterClient, applier: Applier, onEvent: EventSink): ActionRunner {
  return {
    apply: (plan, index) => applier.apply(ctx.objectsOf(plan, index)),
    delete: (ref) => cluster.delete(ref),
    onEvent,
  };
}

/**
 * A failure while writing after the apply step: applied is everything the state says was
 * written plus what this step wrote; not applied is what the plans still had to write.
 */
export function partialFailure(state: StepState, applier: Applier, error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const written = new Map<string, ObjectRef>();
  const add = (ref: ObjectRef) => written.set(refKey(ref), ref);
  for (const name of state.createdNamespaces) add({ apiVersion: 'v1', kind: 'Namespace', name });
  for (const o of state.objects) add(o.ref);
  for (const ref of applier.written.values()) add(ref);
  const planned = state.plans.flatMap((p) => p.steps.slice(p.next).flatMap(writtenBy));
  return new PartialApplyError(
    [...written.values()],
    planned.filter((ref) => !written.has(refKey(ref))),
    error,
  );
}

/** `results` into the state's objects by ref: a new one at the end, a known one replaced where it stands. */
export function recordResults(state: StepState, results: { ref: ObjectRef }[]): void {
  const index = new Map(state.objects.map((o, i) => [refKey(o.ref), i]));
  for (const result of results) {
    const at = index.get(refKey(result.ref));
    if (at === undefined) {
      index.set(refKey(result.ref), state.objects.length);
      state.objects.push(result);
    } else {
      state.objects[at] = result;
    }
  }
}
