/**
 * What `conveyor up` does for a deployment whose execution the local Step Functions service
 * found interrupted by a restart (its `onInterrupted` hook, local/aws/stepfunctions/recovery.ts).
 * On AWS an execution does not die with a process; locally it does, and nobody would run the
 * deployment's Finalize: it would stay Running, and its project × environment lock held until
 * the lease ends. So, with the pipeline's own stores:
 * - the deployment is recorded Errored (a technical fault, not a failed check), with the failure
 *   "interrupted by restart", its Running results Errored, and a line in its task log;
 * - its lock is released (handed to the next queued deployment) and its queue entry left.
 * Only what the execution owned is touched: a deployment that another execution runs, or that
 * already ended, keeps its state (the lock is released again, which is harmless). Idempotent:
 * a hook run twice for one execution (a crash in between) finds the deployment final.
 * Approval token secrets stay where they are (this hook has the stores only); no execution is
 * left to answer, so they answer nothing.
 */

import { type Deployment, type DeploymentDetail, isFinal } from '#domain/pipeline/deployment.ts';
import { NotFoundError, VersionConflictError } from '#domain/pipeline/errors.ts';
import type { PipelineStores } from '#domain/pipeline/ports.ts';
import type { ExecutionRecord } from './aws/sfn/types.ts';
import { INTERRUPTED_CAUSE } from './aws/stepfunctions/recovery.ts';

export type InterruptedDeploymentDeps = { stores: Pick<PipelineStores, 'deployments' | 'locks'>; clock: () => Date };

/** The failure recorded on the deployment: a technical fault (Errored), in the words the execution reports. */
export const INTERRUPTED_FAILURE = { category: 'internal', message: INTERRUPTED_CAUSE } as const;
/** Writes tried when a concurrent write moved the deployment's version. */
const RECORD_ATTEMPTS = 3;

/** What the hook did, for its caller's log. */
export type InterruptedOutcome = 'errored' | 'already-final' | 'another-execution' | 'not-a-deployment';

/** The `onInterrupted` hook: deployments of the deployment state machine are settled, other executions ignored. */
export function interruptedDeploymentHook(deps: InterruptedDeploymentDeps, deploymentStateMachineArn: string): (execution: ExecutionRecord) => Promise<void> {
  return async (execution) => {
    if (execution.stateMachineArn === deploymentStateMachineArn) await settleInterruptedDeployment(deps, execution);
  };
}

export async function settleInterruptedDeployment(deps: InterruptedDeploymentDeps, execution: Pick<ExecutionRecord, 'executionArn' | 'input'>): Promise<InterruptedOutcome> {
  const deploymentId = deploymentIdOf(execution.input);
  if (!deploymentId) return 'not-a-deployment';
  let detail: DeploymentDetail;
  try {
    detail = await deps.stores.deployments.get(deploymentId);
  } catch (error) {
    if (error instanceof NotFoundError) return 'not-a-deployment';
    throw error;
  }
  // Plan refused this execution: another one runs the deployment and settles it.
  if (detail.deployment.executionArn && detail.deployment.executionArn !== execution.executionArn) return 'another-execution';
  const outcome = isFinal(detail.deployment.state) ? 'already-final' : await recordErrored(deps, detail);
  await releaseLock(deps, detail.deployment);
  return outcome;
}

/** The deployment id in a deployment execution's input (`{deploymentId}`), if it is one. */
function deploymentIdOf(input: string): string | undefined {
  try {
    const parsed = JSON.parse(input) as { deploymentId?: unknown };
    return typeof parsed?.deploymentId === 'string' ? parsed.deploymentId : undefined;
  } catch {
    return undefined;
  }
}

async function recordErrored(deps: InterruptedDeploymentDeps, detail: DeploymentDetail): Promise<InterruptedOutcome> {
  const finishedAt = deps.clock().toISOString();
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.stores.deployments.update({ ...detail.deployment, state: 'Errored', finishedAt, failure: { ...INTERRUPTED_FAILURE } });
      break;
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= RECORD_ATTEMPTS) throw error;
      detail = await deps.stores.deployments.get(detail.deployment.id);
      if (isFinal(detail.deployment.state)) return 'already-final';
    }
  }
  for (const result of detail.results.filter((r) => r.state === 'Running' || r.state === 'Pending')) {
    await deps.stores.deployments.putResult({ ...result, state: 'Errored', finishedAt, message: `stopped: ${INTERRUPTED_CAUSE}` });
  }
  await deps.stores.deployments.appendLog(detail.deployment.id, [{ time: finishedAt, level: 'error', message: `deployment errored: ${INTERRUPTED_CAUSE}` }]);
  return 'errored';
}

/** Gives the lock up (to the next queued deployment) and leaves the queue; both harmless when there is nothing to do. */
async function releaseLock(deps: InterruptedDeploymentDeps, deployment: Deployment): Promise<void> {
  const key = { projectId: deployment.projectId, environmentId: deployment.environmentId, deploymentId: deployment.id };
  await deps.stores.locks.release(key);
  await deps.stores.locks.leave(key);
}
