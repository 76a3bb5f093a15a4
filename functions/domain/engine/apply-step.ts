/**
 * The apply-manifests step (and deploy-containers specs found among the manifests) as the
 * engine's one-shot steps, whose state is plain JSON passed between them (step-state.ts):
 * - `applyStep`: render, boundary, pre-flight dry run, apply by phase, plans up to their first
 *   wait (apply.ts);
 * - `checkRollout`: read once, watch for at most `watchSeconds`, return the updated state
 *   (check-rollout.ts); a state machine calls it in a Wait loop;
 * - `finalize`: blue/green switch and clean-up when done; nothing on failure (finalize.ts).
 * `runApplyStep` (`conveyor apply`, with or without `--wait`) is a loop over the same three.
 *
 * Each step checks its input at its edge (step-input.ts) and keeps two guarantees there,
 * whatever happens inside:
 * - secrets: every event, the state, the result and any error leave through the step's
 *   Redactor, which every step rebuilds from the request (context.ts); the state never holds a
 *   secret value, so it is also safe to store and show;
 * - time: the step's one Deadline bounds all of it, requests and waits alike; it is carried in
 *   the state, so a later check ends the rollout at the same moment. A failure after the first
 *   write says which objects were applied and which not (PartialApplyError).
 */
import { Deadline } from '../deadline.ts';
import type { Manifest } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { FIELD_MANAGER, type ObjectResult } from './applier.ts';
import { type Applied, applyObjects } from './apply.ts';
import { checkState, untilSettled } from './check-rollout.ts';
import { StepContext } from './context.ts';
import type { EventSink } from './events.ts';
import { finalizeState, type StepOutcome } from './finalize.ts';
import { type CheckRolloutInput, checkRolloutInputSchema, type FinalizeInput, finalizeInputSchema, parseStepInput, type StepRequest } from './step-input.ts';
import type { StepState } from './step-state.ts';

export { type Applied, type CheckRolloutInput, FIELD_MANAGER, type FinalizeInput, type ObjectResult, type StepOutcome, type StepRequest, type StepState };

/** The request, plus what a caller in one process may share with its cluster client. */
export type ApplyStepRequest = StepRequest & {
  /** When the step must be over (the caller's, shared with its cluster client); wins over `timeoutMs`. */
  deadline?: Deadline;
  now?: () => Date;
};

export type ApplyStepResult = StepOutcome & {
  /** The rendered manifests with sensitive values as `***`: safe to store and show. */
  rendered: Manifest[];
};

const STEP = { apply: 'apply', check: 'check-rollout', finalize: 'finalize' } as const;
const systemClock = () => new Date();

/** Runs the whole step in one process: apply, check until settled, finalize. */
export async function runApplyStep(request: ApplyStepRequest, cluster: ClusterClient, onEvent: EventSink): Promise<ApplyStepResult> {
  const ctx = StepContext.of(request, STEP.apply);
  const now = request.now ?? systemClock;
  const sink = ctx.sink(onEvent);
  const { state: applied, rendered } = await apply(ctx, request, cluster, sink, now);
  const settled = await untilSettled(applied, now, (state, watchSeconds) => ctx.edge(() => checkState(ctx, state, cluster, { watchSeconds, onEvent: sink, now })));
  const outcome = await ctx.edge(() => finalizeState(ctx, settled, cluster, sink));
  return { ...outcome, rendered };
}

/** The apply step on its own: the state for check-rollout, and the rendered manifests to store. */
export async function applyStep(request: ApplyStepRequest, cluster: ClusterClient, onEvent: EventSink): Promise<Applied> {
  const ctx = StepContext.of(request, STEP.apply);
  return apply(ctx, request, cluster, ctx.sink(onEvent), request.now ?? systemClock);
}

/** One check of the rollout (see check-rollout.ts); `input.state` is what the previous step returned. */
export async function checkRollout(
  input: Omit<CheckRolloutInput, 'watchSeconds'>,
  cluster: ClusterClient,
  options: { watchSeconds: number; onEvent: EventSink; now?: () => Date },
): Promise<StepState> {
  const { request, state, watchSeconds } = parseStepInput(checkRolloutInputSchema, { ...input, watchSeconds: options.watchSeconds }, STEP.check);
  const ctx = rebuild(request);
  return ctx.edge(() => checkState(ctx, state, cluster, { watchSeconds, onEvent: ctx.sink(options.onEvent), now: options.now ?? systemClock }));
}

/** The last step: switch and clean up when the rollout is done, or say what was left as it was. */
export async function finalize(input: FinalizeInput, cluster: ClusterClient, onEvent: EventSink): Promise<StepOutcome> {
  const { request, state } = parseStepInput(finalizeInputSchema, input, STEP.finalize);
  const ctx = rebuild(request);
  return ctx.edge(() => finalizeState(ctx, state, cluster, ctx.sink(onEvent)));
}

async function apply(ctx: StepContext, request: ApplyStepRequest, cluster: ClusterClient, sink: EventSink, now: () => Date): Promise<Applied> {
  const deadline = request.deadline ?? Deadline.after(request.timeoutMs, () => now().getTime());
  let rendered: Manifest[] = [];
  const state = await ctx.edge(async () => {
    const applied = await applyObjects(ctx, cluster, sink, deadline, now);
    rendered = applied.rendered;
    return applied.state;
  });
  // The rendered copies are redacted by structure already (and may be large): kept as they are.
  return { state, rendered };
}

/**
 * A later step's context: the request rendered again, so its Redactor knows the exact values
 * behind `***` as the apply step's did. Rendering the request that apply rendered cannot fail
 * differently; if it does, the error leaves redacted.
 */
function rebuild(request: StepRequest): StepContext {
  const ctx = new StepContext(request);
  try {
    ctx.rendered();
  } catch (error) {
    throw ctx.redactor.error(error);
  }
  return ctx;
}
