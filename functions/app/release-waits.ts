/**
 * A promotion answering a release lifecycle that waits for it. When the lifecycle reached a
 * manual phase (or a phase whose gate stayed closed), its `await-promotion` task stored a task
 * token in the secret store and a LifecycleWait (release, phase, the token's secret ARN). A
 * promotion to an environment of that phase sends the token `{deploymentIds: [id]}`: the
 * lifecycle then runs the deployment itself, nested (`startExecution.sync:2`), and its phase
 * gate sees the outcome. Without a wait (an automatic phase still running, a lifecycle that
 * ended), the caller starts the deployment on its own.
 */
import { InvalidStateError } from '#domain/pipeline/errors.ts';
import { lifecycleProgress } from '#domain/pipeline/lifecycle.ts';
import type { Deployment } from '#domain/pipeline/model.ts';
import type { LifecycleWait } from '#domain/pipeline/ports.ts';
import { SecretDeletedError, SecretNotFoundError } from '#domain/secret-errors.ts';
import type { AppDeps } from './context.ts';
import { deleteTokenSecret } from './release-lookups.ts';

/**
 * Answers the wait of the deployment's release at `phaseIndex` with the deployment; true when
 * the lifecycle took it, false when nothing was waiting (anymore) and the caller must start it.
 */
export async function answerLifecycleWait(deps: AppDeps, deployment: Pick<Deployment, 'id' | 'projectId' | 'releaseNumber'>, phaseIndex: number): Promise<boolean> {
  return answerWait(deps, deployment, phaseIndex, [deployment.id]);
}

/**
 * After a deployment succeeded on its own (started without a wait — a promotion that raced the
 * lifecycle, a redeploy): if that completed a phase the release's lifecycle now waits at, the
 * wait is answered with no deployment, so the lifecycle's gate sees the phase complete and goes
 * on, instead of waiting for a promotion nobody will send. Returns the phases answered.
 */
export async function answerCompletedPhases(deps: AppDeps, deployment: Pick<Deployment, 'id' | 'projectId' | 'releaseNumber' | 'environmentId'>): Promise<number[]> {
  const release = await deps.stores.releases.get(deployment.projectId, deployment.releaseNumber);
  const lifecycle = await deps.stores.lifecycles.get(release.snapshot.lifecycleId);
  const succeeded = new Set((await deps.stores.deployments.listByRelease(deployment.projectId, deployment.releaseNumber)).filter((d) => d.state === 'Succeeded').map((d) => d.environmentId));
  const answered: number[] = [];
  for (const phase of lifecycleProgress(lifecycle, succeeded)) {
    if (!phase.complete || !phase.environments.includes(deployment.environmentId)) continue;
    if (await answerWait(deps, deployment, phase.index, [])) answered.push(phase.index);
  }
  return answered;
}

async function answerWait(deps: AppDeps, deployment: Pick<Deployment, 'projectId' | 'releaseNumber'>, phaseIndex: number, deploymentIds: string[]): Promise<boolean> {
  const { projectId, releaseNumber } = deployment;
  const wait = await deps.stores.lifecycleWaits.get(projectId, releaseNumber, phaseIndex);
  if (!wait) return false;
  let token: string;
  try {
    token = await deps.secrets.get(wait.tokenRef);
  } catch (error) {
    // The token's secret is gone: the wait was answered or cleaned up meanwhile.
    if (error instanceof SecretNotFoundError || error instanceof SecretDeletedError) return false;
    throw error;
  }
  try {
    await deps.workflows.sendTaskSuccess(token, { deploymentIds });
  } catch (error) {
    // Another promotion answered first, or the lifecycle stopped: this deployment runs on its own.
    if (error instanceof InvalidStateError) return false;
    throw error;
  }
  await forgetWait(deps, wait);
  return true;
}

/**
 * Removes the answered wait and deletes its token's secret — unless the lifecycle already
 * waits again at the same phase (its gate stayed closed) under a record this one must not
 * clobber: the same secret with a newer `since` (a reused secret) is left alone; another
 * secret means only ours is deleted.
 */
async function forgetWait(deps: AppDeps, answered: LifecycleWait): Promise<void> {
  const { projectId, releaseNumber, phaseIndex } = answered;
  const current = await deps.stores.lifecycleWaits.get(projectId, releaseNumber, phaseIndex);
  const same = current?.tokenRef === answered.tokenRef;
  if (same && current.since !== answered.since) return;
  if (same) await deps.stores.lifecycleWaits.remove(projectId, releaseNumber, phaseIndex);
  await deleteTokenSecret(deps.secrets, answered.tokenRef);
}
