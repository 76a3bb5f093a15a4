/**
 * A bare wait for a rollout (the rollout-detection benchmark uses it): the `--wait` loop of
 * check-rollout.ts over a state that tracks `refs` and has no plans, so it measures exactly
 * what `conveyor apply --wait` does between the apply and the verdict.
 */
import type { Deadline } from '../deadline.ts';
import type { ObjectRef } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import type { Evaluation } from '../rollout/tracker.ts';
import { checkState, untilSettled } from './check-rollout.ts';
import { StepContext } from './context.ts';
import type { EventSink } from './events.ts';
import { objectHealthOf, STEP_STATE_VERSION, type StepState, setTrackerMemory } from './step-state.ts';

/** `deadline`: the step's; the wait ends with it (a rollout not done by then has timed out). */
export type WaitOptions = { deadline: Deadline; waitForJobs?: boolean; now: () => Date; onEvent: EventSink };

/** The context of a wait that renders nothing and has no plans: only its defaults matter. */
const NOTHING_TO_RENDER = {
  files: [],
  variables: [],
  context: { environment: '', project: '', releaseNumber: '', deploymentId: '', step: 'wait', target: { name: '', tags: [] } },
  images: {},
  target: { name: '' },
  force: false,
  dryRun: false,
  wait: true,
};

export async function waitForRollout(cluster: ClusterClient, refs: ObjectRef[], options: WaitOptions): Promise<Evaluation> {
  const { deadline, now } = options;
  const ctx = new StepContext({ ...NOTHING_TO_RENDER, timeoutMs: deadline.budgetMs });
  const state: StepState = {
    version: STEP_STATE_VERSION,
    state: 'progressing',
    deadline: { at: deadline.at, budgetMs: deadline.budgetMs },
    objects: refs.map((ref) => ({ ref })),
    createdNamespaces: [],
    plans: [],
  };
  setTrackerMemory(
    state,
    refs.map((ref) => ({ ref })),
    options.waitForJobs,
  );
  const settled = await untilSettled(state, now, (current, watchSeconds) => checkState(ctx, current, cluster, { watchSeconds, onEvent: options.onEvent, now }));
  const objects = settled.objects.flatMap((o) => objectHealthOf(o) ?? []);
  const verdict = settled.state === 'done' || settled.state === 'failed' || settled.state === 'timeout' ? settled.state : 'progressing';
  return { state: verdict, objects, ...(settled.failure ? { failure: settled.failure } : {}) };
}
