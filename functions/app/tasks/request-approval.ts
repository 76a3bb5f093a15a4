/**
 * The `request-approval` task: an approval step asks for a decision and returns at once; the
 * state machine then waits on the task token (`.waitForTaskToken`, with the step's timeout)
 * until the API answers it (SendTaskSuccess with `{approvedBy, comment}`, or SendTaskFailure with
 * ApprovalRejectedError).
 *
 * The token ends the wait for whoever holds it, so it is kept like a secret: one secret per
 * approval in Secrets Manager, whose ARN the Approval item holds (`taskTokenRef`); it never
 * reaches the table, a log or an event. A retried task gets a new token: it replaces the value
 * of the approval's secret. The lock's lease is stretched to cover the wait (at most a day; the
 * first task after the decision renews it as usual).
 */
import { NotFoundError } from '#domain/pipeline/errors.ts';
import type { Approval, Deployment } from '#domain/pipeline/model.ts';
import type { RequestApprovalInput } from './inputs.ts';
import { auditAs } from './plan.ts';
import type { TaskDeps } from './ports.ts';
import { withLog } from './rollout.ts';
import { loadStepWork, NO_TARGET, putResult, renewLock, resumeAfterApproval } from './step-work.ts';
import { TaskLog } from './task-log.ts';

/** Where approval tokens are kept, under the secret prefix. */
export const APPROVAL_TOKEN_SECRETS = 'task-tokens/approvals';

export type RequestApprovalOutput = { requested: true };

export async function requestApproval(deps: TaskDeps, input: RequestApprovalInput): Promise<RequestApprovalOutput> {
  const work = await loadStepWork(deps, input.deploymentId, input.stepIndex);
  const { step } = work;
  const log = new TaskLog(deps, input.deploymentId, { stepName: step.name });
  return withLog(log, async () => {
    let deployment = await resumeAfterApproval(deps, work, log);
    await renewLock(deps, deployment, step.timeoutSeconds + deps.config.lockLeaseSeconds);
    const approval = await keepToken(deps, deployment, step.name, input);
    if (deployment.state !== 'WaitingForApproval') deployment = await deps.stores.deployments.update({ ...deployment, state: 'WaitingForApproval' });
    const instructions = step.kind === 'approval' ? step.instructions : '';
    await putResult(deps, work.detail, {
      deploymentId: deployment.id,
      stepIndex: input.stepIndex,
      stepName: step.name,
      targetId: NO_TARGET,
      state: 'Running',
      startedAt: approval.requestedAt,
      message: `waiting for approval${instructions ? `: ${instructions}` : ''}`,
    });
    log.info(`waiting for approval of step "${step.name}" (anyone allowed to approve in ${deployment.environmentId} but ${deployment.startedBy}; within ${step.timeoutSeconds} s)`);
    await auditAs(deps, input.actorArn, deployment.executionArn ?? deployment.id, 'approval.request', deployment, { step: step.name, stepIndex: input.stepIndex });
    await deps.events.publish('ApprovalRequested', {
      deploymentId: deployment.id,
      projectId: deployment.projectId,
      environmentId: deployment.environmentId,
      releaseVersion: deployment.releaseVersion,
      stepIndex: input.stepIndex,
      stepName: step.name,
      instructions,
      requestedBy: approval.requestedBy,
    });
    return { requested: true };
  });
}

/** The approval with this attempt's token in its secret: a new approval and secret, or the retried one's secret updated. */
async function keepToken(deps: TaskDeps, deployment: Deployment, stepName: string, input: RequestApprovalInput): Promise<Approval> {
  try {
    const known = await deps.stores.approvals.get(deployment.id, input.stepIndex);
    await deps.secrets.put(known.taskTokenRef, input.taskToken);
    return known;
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const name = `${APPROVAL_TOKEN_SECRETS}/${deployment.id}/${input.stepIndex}/${deps.newId()}`;
  const taskTokenRef = await deps.secrets.create(name, input.taskToken, { conveyor: 'task-token', deployment: deployment.id });
  return deps.stores.approvals.request({
    deploymentId: deployment.id,
    stepIndex: input.stepIndex,
    stepName,
    environmentId: deployment.environmentId,
    taskTokenRef,
    requestedBy: deployment.startedBy,
    requestedAt: deps.clock().toISOString(),
  });
}
