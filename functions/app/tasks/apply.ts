/**
 * The `apply` and `check-rollout` tasks: one step of a release on one target, as the engine's
 * one-shot steps (functions/domain/engine/apply-step.ts). Each invocation rebuilds what it needs
 * from ids (deployment, release snapshot, target, secrets), connects with a deadline that ends
 * before its Lambda does, records the engine's events in the task log and the step × target
 * result, renews the lock's lease, and returns the state for the next check.
 *
 * A rollout that failed or ran past the step's deadline is an answer, not an error: status
 * `failed` / `timeout` with the reason (the state machine's Fail state turns it into
 * RolloutFailedError). Nothing after a failed wait runs, so the previous version stays live.
 * Errors the engine throws are thrown: retryable ones are retried by the state machine,
 * terminal ones caught into Finalize.
 */
import { Deadline } from '#domain/deadline.ts';
import { applyStep, checkRollout, finalize, type StepOutcome, type StepRequest, type StepState } from '#domain/engine/apply-step.ts';
import type { CheckRolloutTaskInput, TargetTaskInput } from './inputs.ts';
import type { ConnectedCluster, Invocation, TaskDeps } from './ports.ts';
import { boundedState, clockMs, earliest, failureReason, type RolloutOutput, type RolloutStatus, waitSecondsAfter, watchSecondsFor, withCluster, withLog } from './rollout.ts';
import { engineVariables, stepRequest } from './step-request.ts';
import { loadStepWork, putResult, renewLock, resultOf, resumeAfterApproval, type StepWork } from './step-work.ts';
import { type ResolvedTarget, resolveTarget } from './targets.ts';
import { TaskLog } from './task-log.ts';

type Prepared = { work: StepWork; target: ResolvedTarget; request: StepRequest; log: TaskLog };

/** The step and its log: what both tasks load before anything can be logged. */
async function open(deps: TaskDeps, input: TargetTaskInput): Promise<{ work: StepWork; log: TaskLog }> {
  const work = await loadStepWork(deps, input.deploymentId, input.stepIndex);
  return { work, log: new TaskLog(deps, input.deploymentId, { stepName: work.step.name, targetId: input.targetId }) };
}

/** Everything both tasks work with, with the lock's lease renewed. */
async function prepare(deps: TaskDeps, input: TargetTaskInput, work: StepWork, log: TaskLog): Promise<Prepared> {
  await resumeAfterApproval(deps, work, log);
  await renewLock(deps, work.detail.deployment);
  const target = await resolveTarget(deps, input.targetId, work.deployment.environmentId);
  const request = stepRequest(work, target.engine, await engineVariables(deps, work.release.snapshot.variables));
  return { work, target, request, log };
}

/**
 * Applies the step's manifests to the target and watches the rollout briefly (applyWatchSeconds):
 * one that is done at once — a changed ConfigMap, pods that start in a moment — ends here, and the
 * target is done without a Wait and a check-rollout; a longer one is checked by check-rollout.
 */
export async function applyTarget(deps: TaskDeps, input: TargetTaskInput, invocation: Invocation): Promise<RolloutOutput> {
  const { work, log } = await open(deps, input);
  return withLog(log, async () => {
    const prepared = await prepare(deps, input, work, log);
    const { target, request } = prepared;
    const known = resultOf(work.detail, input.stepIndex, input.targetId);
    if (known) log.warn('applying again: an earlier attempt did not finish (server-side apply converges on the manifests)');
    await putResult(deps, work.detail, {
      deploymentId: work.deployment.id,
      stepIndex: input.stepIndex,
      stepName: work.step.name,
      targetId: input.targetId,
      state: 'Running',
      startedAt: deps.clock().toISOString(),
    });
    const clock = clockMs(deps);
    const stepDeadline = Deadline.after(request.timeoutMs, clock);
    const settled = await withCluster(deps, target.engine, earliest(stepDeadline, invocation.deadline, clock), async (cluster) => {
      const { state } = await applyStep({ ...request, deadline: stepDeadline, now: deps.clock }, cluster, log.event);
      const watchSeconds = watchSecondsFor(deps.config.applyWatchSeconds, invocation.deadline);
      const watched = state.state === 'progressing' && watchSeconds > 0 ? await checkRollout({ request, state }, cluster, { watchSeconds, onEvent: log.event, now: deps.clock }) : state;
      return settle(request, watched, cluster, log);
    });
    return record(deps, prepared, input, settled, 0);
  });
}

/** One check of the rollout: read, watch for a bounded time, and finalize the target when it is done. */
export async function checkTargetRollout(deps: TaskDeps, input: CheckRolloutTaskInput, invocation: Invocation): Promise<RolloutOutput> {
  const { work, log } = await open(deps, input);
  return withLog(log, async () => {
    const prepared = await prepare(deps, input, work, log);
    const { target, request } = prepared;
    const watchSeconds = watchSecondsFor(deps.config.checkWatchSeconds, invocation.deadline);
    // Reads must work past the step's deadline too: the tracker then says `timeout`, with why.
    const settled = await withCluster(deps, target.engine, invocation.deadline, async (cluster) => {
      const state = await checkRollout({ request, state: input.rollout }, cluster, { watchSeconds, onEvent: log.event, now: deps.clock });
      return settle(request, state, cluster, log);
    });
    return record(deps, prepared, input, settled, input.checks + 1);
  });
}

type Settled = { state: StepState; outcome?: StepOutcome };

/** A state that is no longer progressing goes through the engine's finalize: switch and clean up when done, the note when not. */
async function settle(request: StepRequest, state: StepState, cluster: ConnectedCluster, log: TaskLog): Promise<Settled> {
  if (state.state === 'progressing') return { state };
  const outcome = await finalize({ request, state }, cluster, log.event);
  return { state, outcome };
}

function statusOf(state: StepState): RolloutStatus {
  switch (state.state) {
    case 'progressing':
      return 'progressing';
    case 'failed':
      return 'failed';
    case 'timeout':
      return 'timeout';
    default:
      return 'done';
  }
}

/** The result, the last log line and the task's output for a settled or progressing rollout. */
async function record(deps: TaskDeps, prepared: Prepared, input: TargetTaskInput, settled: Settled, checks: number): Promise<RolloutOutput> {
  const { work, log } = prepared;
  const where = `step "${work.step.name}" on target ${input.targetId}`;
  const status = statusOf(settled.state);
  const output: RolloutOutput = {
    deploymentId: input.deploymentId,
    stepIndex: input.stepIndex,
    targetId: input.targetId,
    status,
    checks,
    waitSeconds: waitSecondsAfter(checks),
    rollout: boundedState(settled.state, where),
  };
  if (status === 'progressing') return output;
  const base = { deploymentId: work.deployment.id, stepIndex: input.stepIndex, stepName: work.step.name, targetId: input.targetId, finishedAt: deps.clock().toISOString() };
  const started = work.detail.results.find((r) => r.stepIndex === input.stepIndex && r.targetId === input.targetId)?.startedAt;
  if (status === 'done') {
    const objects = settled.outcome?.objects.length ?? settled.state.objects.length;
    const message = `${objects} object${objects === 1 ? '' : 's'} applied and healthy`;
    await putResult(deps, work.detail, { ...base, ...(started ? { startedAt: started } : {}), state: 'Succeeded', message });
    log.info(`${where}: done, ${message}`);
    return output;
  }
  const reason = failureReason(settled.state, settled.outcome);
  await putResult(deps, work.detail, { ...base, ...(started ? { startedAt: started } : {}), state: 'Failed', message: reason });
  log.error(`${where}: ${status === 'timeout' ? 'timed out' : 'failed'}: ${reason}`);
  return { ...output, reason };
}
