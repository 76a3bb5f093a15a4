/**
 * What every task of a running deployment starts from: the deployment (with its results,
 * task log and approvals), its release's snapshot and the step at hand; and the small things
 * each of them does the same way: keep the lock's lease, come back from an approval, write the
 * step × target result.
 *
 * A deployment that is already final (cancelled while a step ran) is refused with an
 * InvalidStateError: the execution's Catch takes it to Finalize, which answers with the state.
 */
import { InvalidStateError, NotFoundError, VersionConflictError } from '#domain/pipeline/errors.ts';
import { type Deployment, type DeploymentDetail, isFinal, type Release, type Step, type StepTargetResult } from '#domain/pipeline/model.ts';
import type { TaskDeps } from './ports.ts';
import type { TaskLog } from './task-log.ts';

/** What an approval step, which runs on no target, uses as its result's target id. */
export const NO_TARGET = '-';
/** The longest lease the lock store grants (1 day): an approval that waits longer renews when it resumes. */
export const MAX_LEASE_SECONDS = 86_400;

export type StepWork = {
  detail: DeploymentDetail;
  deployment: Deployment;
  release: Release;
  step: Step;
  stepIndex: number;
};

/** The deployment, its release and step `stepIndex` of the release's process. */
export async function loadStepWork(deps: Pick<TaskDeps, 'stores'>, deploymentId: string, stepIndex: number): Promise<StepWork> {
  const detail = await deps.stores.deployments.get(deploymentId);
  const { deployment } = detail;
  if (isFinal(deployment.state)) throw new InvalidStateError(`deployment ${deploymentId}`, `is ${deployment.state}: no step runs any more`);
  const release = await deps.stores.releases.get(deployment.projectId, deployment.releaseNumber);
  const step = release.snapshot.process[stepIndex];
  if (!step) throw new NotFoundError(`step ${stepIndex} of release ${release.version} of project ${release.projectId} (the process has ${release.snapshot.process.length})`);
  return { detail, deployment, release, step, stepIndex };
}

/** Extends the lock's lease; LockLostError (the deployment must stop) when another deployment holds it now. */
export async function renewLock(deps: Pick<TaskDeps, 'stores' | 'config'>, deployment: Deployment, leaseSeconds = deps.config.lockLeaseSeconds): Promise<void> {
  await deps.stores.locks.renew({ projectId: deployment.projectId, environmentId: deployment.environmentId, deploymentId: deployment.id, leaseSeconds: Math.min(leaseSeconds, MAX_LEASE_SECONDS) });
}

/**
 * The first task after an approval (a step's task, or finalize when the approval was the last
 * step): the API only records the decision and answers the task token, so the deployment is
 * moved from WaitingForApproval back to Running here, and the
 * approval step's result says who approved. Parallel branches may race: the loser of the
 * version race reads the deployment again and finds it Running.
 */
export async function resumeAfterApproval(deps: Pick<TaskDeps, 'stores' | 'clock'>, work: Pick<StepWork, 'detail'>, log: TaskLog): Promise<Deployment> {
  let { deployment } = work.detail;
  if (deployment.state !== 'WaitingForApproval') return deployment;
  for (const result of work.detail.results.filter((r) => r.targetId === NO_TARGET && r.state === 'Running')) {
    const approval = work.detail.approvals.find((a) => a.stepIndex === result.stepIndex);
    if (approval?.decision !== 'Approved') continue;
    const message = `approved by ${approval.decidedBy}${approval.comment ? `: ${approval.comment}` : ''}`;
    await putResult(deps, work.detail, { ...result, state: 'Succeeded', finishedAt: deps.clock().toISOString(), message });
    log.info(`step "${result.stepName}" ${message}`);
  }
  try {
    deployment = await deps.stores.deployments.update({ ...deployment, state: 'Running' });
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    deployment = (await deps.stores.deployments.get(deployment.id)).deployment;
    if (deployment.state !== 'Running') throw error;
  }
  work.detail.deployment = deployment;
  return deployment;
}

/**
 * Writes one step × target result: over the stored one (its version from the detail), or as
 * new. A result written meanwhile by an earlier attempt of the same task is read and written over.
 */
export async function putResult(deps: Pick<TaskDeps, 'stores'>, detail: DeploymentDetail, result: Omit<StepTargetResult, 'version'> & { version?: number }): Promise<StepTargetResult> {
  const known = detail.results.find((r) => r.stepIndex === result.stepIndex && r.targetId === result.targetId);
  const write = (version: number) => deps.stores.deployments.putResult({ ...result, version });
  let stored: StepTargetResult;
  try {
    stored = await write(known?.version ?? 0);
  } catch (error) {
    if (!(error instanceof VersionConflictError) || error.actual === undefined) throw error;
    stored = await write(error.actual);
  }
  detail.results = [...detail.results.filter((r) => r !== known), stored];
  return stored;
}

/** The stored result of a step × target, if any. */
export function resultOf(detail: DeploymentDetail, stepIndex: number, targetId: string): StepTargetResult | undefined {
  return detail.results.find((r) => r.stepIndex === stepIndex && r.targetId === targetId);
}
