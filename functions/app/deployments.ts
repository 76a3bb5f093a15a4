/**
 * Deployments through the API: promote a release to an environment, deploy a deployment's
 * release again, cancel one, show one, list a project's deployments to an environment.
 *
 * A promotion is checked before anything is stored or started: the caller may deploy there
 * (scoped roles), the environment exists, and the release's lifecycle allows it (the
 * environment belongs to an open phase: phase N+1 opens once phase N has enough succeeded
 * deployments of this release). Then the Queued deployment is written (deployment-queue.ts)
 * and either handed to the release lifecycle waiting at that phase (release-waits.ts) or
 * started on its own. DeploymentStarted is published by the state machine's plan, when the
 * deployment really starts (it may wait for the project × environment lock first).
 */
import { InvalidStateError, VersionConflictError } from '#domain/pipeline/errors.ts';
import { mayDeploy } from '#domain/pipeline/lifecycle.ts';
import { type Deployment, isFinal, type Release, type StepTargetResult, type TaskLogEntry } from '#domain/pipeline/model.ts';
import type { Page, PageRequest } from '#domain/pipeline/ports.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { queueDeployment, startDeployment } from './deployment-queue.ts';
import { deleteTokenSecret, environmentOf, type PublicApproval, publicApproval } from './release-lookups.ts';
import { answerLifecycleWait } from './release-waits.ts';

/** How a queued deployment got going: handed to its release lifecycle, or started on its own. */
export type StartedBy = 'release-lifecycle' | 'deployment';

/** What a promotion or a redeploy answers (HTTP 202). */
export type DeploymentAccepted = { deployment: Deployment; startedBy: StartedBy };

/** Attempts at cancelling while the state machine writes the same deployment. */
const CANCEL_ATTEMPTS = 3;
const CANCEL_CAUSE = 'cancelled through the API';

const deploymentSubject = (id: string) => `deployment/${id}`;

/**
 * The checks and the start every deployment request shares, once the caller is authorized to
 * deploy to `environmentId`; nothing is stored before they pass.
 */
async function deployRelease(deps: AppDeps, caller: Caller, release: Release, environmentId: string): Promise<DeploymentAccepted> {
  await environmentOf(deps, environmentId, `deployment of release ${release.version} of project ${release.projectId}`);
  const [lifecycle, deployments] = await Promise.all([deps.stores.lifecycles.get(release.snapshot.lifecycleId), deps.stores.deployments.listByRelease(release.projectId, release.number)]);
  const succeeded = new Set(deployments.filter((d) => d.state === 'Succeeded').map((d) => d.environmentId));
  const decision = mayDeploy(lifecycle, succeeded, environmentId);
  if (!decision.allowed) throw new InvalidStateError(`release ${release.version} of project ${release.projectId}`, `cannot be deployed to ${environmentId}: ${decision.reason}`);
  const deployment = await queueDeployment(deps, { release, environmentId, actorArn: caller.callerArn, requestId: caller.requestId });
  if (await answerLifecycleWait(deps, deployment, decision.phaseIndex)) return { deployment, startedBy: 'release-lifecycle' };
  await startDeployment(deps, deployment);
  return { deployment, startedBy: 'deployment' };
}

/** `POST /projects/{projectId}/releases/{version}/deployments`: promotes a release to an environment. */
export async function promote(deps: AppDeps, caller: Caller, projectId: string, version: string, environmentId: string): Promise<DeploymentAccepted> {
  // Authorized before the release is read: a caller who may not deploy there learns nothing.
  await authorize(deps, caller, 'deploy', `project/${projectId}`, environmentId);
  const release = await deps.stores.releases.getByVersion(projectId, version);
  return deployRelease(deps, caller, release, environmentId);
}

/** `POST /deployments/{id}/redeploy`: the same release to the same environment again, with the same checks. */
export async function redeploy(deps: AppDeps, caller: Caller, deploymentId: string): Promise<DeploymentAccepted> {
  const { deployment: previous } = await deps.stores.deployments.get(deploymentId);
  await authorize(deps, caller, 'deploy', deploymentSubject(deploymentId), previous.environmentId);
  const release = await deps.stores.releases.get(previous.projectId, previous.releaseNumber);
  const accepted = await deployRelease(deps, caller, release, previous.environmentId);
  await audit(deps, caller, 'deployment.redeploy', deploymentSubject(accepted.deployment.id), { previous: previous.id, environment: previous.environmentId });
  return accepted;
}

/** The deployment marked Cancelled, re-read and retried when the state machine wrote it meanwhile. */
async function markCancelled(deps: AppDeps, deploymentId: string): Promise<Deployment> {
  for (let attempt = 1; ; attempt++) {
    const { deployment } = await deps.stores.deployments.get(deploymentId);
    if (isFinal(deployment.state)) throw new InvalidStateError(deploymentSubject(deploymentId), `is ${deployment.state}: a finished deployment cannot be cancelled`);
    try {
      return await deps.stores.deployments.update({ ...deployment, state: 'Cancelled', finishedAt: deps.clock().toISOString() });
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= CANCEL_ATTEMPTS) throw error;
    }
  }
}

/**
 * `POST /deployments/{id}/cancel`: stops its execution, marks it Cancelled, and lets go of the
 * project × environment lock: the holder releases it (handing it to the next queued
 * deployment, whose own Plan loop takes it up: nothing to start here), a waiter leaves the
 * queue. The secrets of its pending approvals' task tokens are deleted (the wait is over).
 */
export async function cancel(deps: AppDeps, caller: Caller, deploymentId: string): Promise<Deployment> {
  const { deployment } = await deps.stores.deployments.get(deploymentId);
  await authorize(deps, caller, 'cancel', deploymentSubject(deploymentId), deployment.environmentId);
  if (isFinal(deployment.state)) throw new InvalidStateError(deploymentSubject(deploymentId), `is ${deployment.state}: a finished deployment cannot be cancelled`);
  if (deployment.executionArn) await deps.workflows.stop(deployment.executionArn, CANCEL_CAUSE);
  const cancelled = await markCancelled(deps, deploymentId);
  const key = { projectId: deployment.projectId, environmentId: deployment.environmentId, deploymentId };
  const lock = await deps.stores.locks.get(key);
  const handedTo = lock.holder?.deploymentId === deploymentId ? (await deps.stores.locks.release(key)).handedTo : undefined;
  if (lock.holder?.deploymentId !== deploymentId) await deps.stores.locks.leave(key);
  const { approvals } = await deps.stores.deployments.get(deploymentId);
  await Promise.all(approvals.filter((a) => !a.decision).map((a) => deleteTokenSecret(deps.secrets, a.taskTokenRef)));
  await audit(deps, caller, 'deployment.cancel', deploymentSubject(deploymentId), {
    project: deployment.projectId,
    release: deployment.releaseVersion,
    environment: deployment.environmentId,
    from: deployment.state,
    ...(handedTo ? { lockHandedTo: handedTo } : {}),
  });
  return cancelled;
}

/** What `GET /deployments/{id}` shows: everything recorded, and never a task token or where one is kept. */
export type DeploymentView = { deployment: Deployment; results: StepTargetResult[]; log: TaskLogEntry[]; approvals: PublicApproval[] };

export async function getDeployment(deps: AppDeps, caller: Caller, deploymentId: string): Promise<DeploymentView> {
  await authorize(deps, caller, 'read', deploymentSubject(deploymentId));
  const detail = await deps.stores.deployments.get(deploymentId);
  return { ...detail, approvals: detail.approvals.map(publicApproval) };
}

/** `GET /projects/{projectId}/environments/{environmentId}/deployments`: newest first, paged. */
export async function deploymentHistory(deps: AppDeps, caller: Caller, projectId: string, environmentId: string, page: PageRequest): Promise<Page<Deployment>> {
  await authorize(deps, caller, 'read', `project/${projectId}`);
  return deps.stores.deployments.listByProjectEnvironment(projectId, environmentId, page);
}
