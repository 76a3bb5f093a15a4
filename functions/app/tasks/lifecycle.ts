/**
 * The release-lifecycle state machine's tasks: its plan (the lifecycle's phases), the deployments
 * of an automatic phase, the wait for a promotion at a manual phase (or at a phase whose gate
 * stayed closed), and the gate that says whether the next phase may open (lifecycle.ts's rule:
 * enough of the phase's environments have a succeeded deployment of the release).
 *
 * A release is named `"<projectId>/<releaseNumber>"` (inputs.ts). Deployments of an automatic
 * phase are queued here and run by the lifecycle itself (nested `.sync:2`), so they are not
 * started here. A retried start-deployments queues nothing twice: each deployment's id follows
 * from the execution, the phase and the environment (lifecycleDeploymentId), and an environment
 * where the release already succeeded gets none (the gate counts it).
 */

import { createHash } from 'node:crypto';
import { DuplicateError, NotFoundError } from '#domain/pipeline/errors.ts';
import { newId } from '#domain/pipeline/ids.ts';
import { lifecycleProgress, requiredSuccesses } from '#domain/pipeline/lifecycle.ts';
import type { Deployment, Lifecycle, Release } from '#domain/pipeline/model.ts';
import { SecretDeletedError, SecretNotFoundError } from '#domain/secret-errors.ts';
import { queueDeployment } from '../deployment-queue.ts';
import type { AwaitPromotionInput, LifecycleGateInput, LifecyclePlanInput, ReleaseKey, StartDeploymentsInput } from './inputs.ts';
import type { TaskDeps } from './ports.ts';

/** Where lifecycle wait tokens are kept, under the secret prefix. */
export const LIFECYCLE_TOKEN_SECRETS = 'task-tokens/lifecycles';

/** One phase as the lifecycle state machine walks it. */
export type PlannedPhase = { index: number; name: string; automatic: boolean; environments: string[]; minimumSuccessful: number };

async function releaseAndLifecycle(deps: TaskDeps, key: ReleaseKey): Promise<{ release: Release; lifecycle: Lifecycle }> {
  const release = await deps.stores.releases.get(key.projectId, key.number);
  const lifecycle = await deps.stores.lifecycles.get(release.snapshot.lifecycleId);
  return { release, lifecycle };
}

function phaseOf(lifecycle: Lifecycle, index: number, key: ReleaseKey) {
  const phase = lifecycle.phases[index];
  if (!phase) throw new NotFoundError(`phase ${index} of lifecycle ${lifecycle.id} (release ${key.number} of project ${key.projectId}; it has ${lifecycle.phases.length})`);
  return phase;
}

export async function planLifecycle(deps: TaskDeps, input: LifecyclePlanInput): Promise<{ phases: PlannedPhase[] }> {
  const { lifecycle } = await releaseAndLifecycle(deps, input.releaseId);
  return {
    phases: lifecycle.phases.map((phase, index) => ({
      index,
      name: phase.name,
      automatic: phase.entry === 'automatic',
      environments: [...phase.environments],
      minimumSuccessful: requiredSuccesses(phase),
    })),
  };
}

export async function startDeployments(deps: TaskDeps, input: StartDeploymentsInput): Promise<{ deploymentIds: string[] }> {
  const key = input.releaseId;
  const { release, lifecycle } = await releaseAndLifecycle(deps, key);
  const phase = phaseOf(lifecycle, input.phaseIndex, key);
  const existing = await deps.stores.deployments.listByRelease(key.projectId, key.number);
  const deploymentIds: string[] = [];
  for (const environmentId of phase.environments) {
    if (latest(existing.filter((d) => d.environmentId === environmentId))?.state === 'Succeeded') continue;
    const id = lifecycleDeploymentId(release, input.executionArn, input.phaseIndex, environmentId);
    try {
      // The release's creator asked for it: they may not approve its deployments.
      await queueDeployment({ ...deps, newId: () => id }, { release, environmentId, actorArn: release.createdBy, requestId: input.executionArn });
    } catch (error) {
      // An earlier attempt of this task queued it: the same deployment, not a second one.
      if (!(error instanceof DuplicateError)) throw error;
    }
    deploymentIds.push(id);
  }
  return { deploymentIds };
}

/**
 * The id of the deployment a lifecycle execution queues for an environment of a phase: the same
 * on every attempt of the task, so a retry meets its own deployment (DuplicateError) instead of
 * queueing another, whatever an index shows. Shaped like every deployment id (a ULID, which the
 * API's routes expect): the release's creation time, then 80 bits of a hash of execution, phase
 * and environment.
 */
export function lifecycleDeploymentId(release: Pick<Release, 'createdAt'>, executionArn: string, phaseIndex: number, environmentId: string): string {
  const digest = createHash('sha256').update(`${executionArn}\n${phaseIndex}\n${environmentId}`).digest();
  return newId(new Date(release.createdAt), (bytes) => digest.subarray(0, bytes));
}

function latest(deployments: Deployment[]): Deployment | undefined {
  return deployments.reduce<Deployment | undefined>((newest, d) => (!newest || d.queuedAt > newest.queuedAt ? d : newest), undefined);
}

/**
 * Keeps the task token (a secret, its ARN in the LifecycleWait item) for the promotion API,
 * which answers it with `{deploymentIds}` and removes the wait. A wait already recorded at the
 * phase (an earlier, unanswered one) is replaced and its token secret deleted.
 */
export async function awaitPromotion(deps: TaskDeps, input: AwaitPromotionInput): Promise<{ waiting: true }> {
  const key = input.releaseId;
  const { lifecycle } = await releaseAndLifecycle(deps, key);
  phaseOf(lifecycle, input.phaseIndex, key);
  const previous = await deps.stores.lifecycleWaits.get(key.projectId, key.number, input.phaseIndex);
  const name = `${LIFECYCLE_TOKEN_SECRETS}/${key.projectId}/${key.number}/${input.phaseIndex}/${deps.newId()}`;
  const tokenRef = await deps.secrets.create(name, input.taskToken, { conveyor: 'task-token', release: `${key.projectId}-${key.number}` });
  await deps.stores.lifecycleWaits.put({ projectId: key.projectId, releaseNumber: key.number, phaseIndex: input.phaseIndex, tokenRef, since: deps.clock().toISOString() });
  if (previous && previous.tokenRef !== tokenRef) await deleteSecret(deps, previous.tokenRef);
  return { waiting: true };
}

/**
 * Whether the phase is complete, so the next one may open. A wait still recorded at the phase
 * was answered (the lifecycle has moved past it): it is removed with its token secret.
 */
export async function lifecycleGate(deps: TaskDeps, input: LifecycleGateInput): Promise<{ open: boolean }> {
  const key = input.releaseId;
  const { lifecycle } = await releaseAndLifecycle(deps, key);
  const wait = await deps.stores.lifecycleWaits.get(key.projectId, key.number, input.phaseIndex);
  if (wait) {
    await deleteSecret(deps, wait.tokenRef);
    await deps.stores.lifecycleWaits.remove(key.projectId, key.number, input.phaseIndex);
  }
  const phase = phaseOf(lifecycle, input.phaseIndex, key);
  const deployments = await currentStates(deps, await deps.stores.deployments.listByRelease(key.projectId, key.number), phase.environments);
  const succeeded = new Set(deployments.filter((d) => d.state === 'Succeeded').map((d) => d.environmentId));
  return { open: lifecycleProgress(lifecycle, succeeded)[input.phaseIndex]!.complete };
}

/**
 * The release's deployments to `environments` as they are now: the release index is eventually
 * consistent, so one it does not show Succeeded yet is read again from the table (the nested
 * deployment has just finished when the gate asks).
 */
async function currentStates(deps: TaskDeps, listed: Deployment[], environments: string[]): Promise<Deployment[]> {
  return Promise.all(listed.map(async (d) => (environments.includes(d.environmentId) && d.state !== 'Succeeded' ? (await deps.stores.deployments.get(d.id)).deployment : d)));
}

async function deleteSecret(deps: TaskDeps, arn: string): Promise<void> {
  try {
    await deps.secrets.delete(arn, { force: true });
  } catch (error) {
    if (!(error instanceof SecretNotFoundError || error instanceof SecretDeletedError)) throw error;
  }
}
