/**
 * The finalize step's work, the last of the engine's one-shot steps: when the rollout is done,
 * every plan's actions after its last wait run (the blue/green switch, then the deletion of
 * older colours and config); when it failed or timed out nothing is written, so the previous
 * version stays live, and the note says what each unfinished plan left as it was. The outcome
 * has the shape the apply step's result always had (state, objects with health, failure, note).
 */
import type { ObjectHealth } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import type { ObjectResult } from './applier.ts';
import { runActions, waitsAhead } from './containers-step.ts';
import type { StepContext } from './context.ts';
import { InvalidStepInputError } from './errors.ts';
import type { EventSink } from './events.ts';
import { actionRunner, laterApplier, partialFailure, recordResults } from './state-writes.ts';
import { objectHealthOf, type StepState } from './step-state.ts';

/** How the step ended, for the task log and the CLI. */
export type StepOutcome = {
  /** validated: dry run; applied: no wait asked; done/failed/timeout: the rollout's end. */
  state: 'validated' | 'applied' | 'done' | 'failed' | 'timeout';
  objects: ObjectResult[];
  failure?: ObjectHealth;
  /** What a failed blue/green or rolling step left as it was, for the task log. */
  note?: string;
};

/** Between two plans' notes. */
const NOTE_SEPARATOR = '; ';

export async function finalizeState(ctx: StepContext, input: StepState, cluster: ClusterClient, onEvent: EventSink): Promise<StepOutcome> {
  const state = structuredClone(input);
  const outcome = (phase: StepOutcome['state'], note?: string): StepOutcome => ({
    state: phase,
    objects: state.objects.map((o) => {
      const health = objectHealthOf(o);
      return { ref: o.ref, ...(o.outcome ? { outcome: o.outcome } : {}), ...(health ? { health } : {}) };
    }),
    ...(state.failure ? { failure: state.failure } : {}),
    ...(note ? { note } : {}),
  });
  switch (state.state) {
    case 'validated':
    case 'applied':
      return outcome(state.state);
    case 'progressing':
      throw new InvalidStepInputError('finalize', [{ field: 'state.state', message: 'the rollout is still progressing: finalize comes after check-rollout says done, failed or timeout' }]);
    case 'failed':
    case 'timeout': {
      // Nothing after a failed wait runs: no switch, no deletion; the previous version stays live.
      const unfinished = state.plans.filter((p) => p.next < p.steps.length);
      return outcome(state.state, unfinished.map((p) => p.onFailure).join(NOTE_SEPARATOR) || undefined);
    }
    case 'done': {
      const waiting = state.plans.findIndex(waitsAhead);
      if (waiting >= 0) {
        throw new InvalidStepInputError('finalize', [{ field: `state.plans[${waiting}].next`, message: 'the plan has a wait ahead, so the rollout cannot be done' }]);
      }
      ctx.checkPlans(state.plans);
      const applier = laterApplier(ctx, state, cluster, onEvent);
      const runner = actionRunner(ctx, cluster, applier, onEvent);
      try {
        for (const plan of state.plans) recordResults(state, await runActions(plan, plan.steps.length, runner));
      } catch (error) {
        throw partialFailure(state, applier, error);
      }
      // A blue/green plan waits even when the caller did not ask to; the step then reports applied.
      return outcome(ctx.request.wait ? 'done' : 'applied');
    }
  }
}
