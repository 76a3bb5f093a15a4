/**
 * Approvals: the deployments waiting for a person's decision, and the decision itself. A
 * deployment's approval step stored its Step Functions task token in the secret store
 * (`taskTokenRef`); a decision is recorded once (a second one is a 409), then the token is read
 * and answered — SendTaskSuccess `{approvedBy, comment}` or SendTaskFailure
 * `ApprovalRejectedError` — and its secret deleted. The token never leaves this function: not
 * in a response, an item, a log line or an audit event.
 *
 * Nobody decides on a deployment they started: the caller's session ARN and its principal (the
 * role of an assumed-role session) are both compared with the starter's, so another session of
 * the same role cannot approve either. The refusal is audited like every denial.
 */
import { decide } from '#domain/pipeline/authorization.ts';
import { ForbiddenError, InvalidStateError, NotFoundError } from '#domain/pipeline/errors.ts';
import { type ApprovalDecision, type Deployment, isFinal, type PrincipalArn } from '#domain/pipeline/model.ts';
import { SecretDeletedError, SecretNotFoundError } from '#domain/secret-errors.ts';
import { principalOf } from '#functions/middleware/principal.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { deleteTokenSecret, mapBounded, type PublicApproval, publicApproval } from './release-lookups.ts';

/** The error name the deployment state machine's approval step sees for a rejection. */
export const APPROVAL_REJECTED_ERROR = 'ApprovalRejectedError';
/** Waiting deployments read per request: the store's largest page. */
const PENDING_PAGE_SIZE = 100;
/** Pages read for the pending list: a thousand waiting deployments, far more than people approve at once. */
const MAX_PENDING_PAGES = 10;
/** Deployments read at the same time while the pending list is built. */
const READ_CONCURRENCY = 8;

export type DecisionRequest = { decision: ApprovalDecision; comment?: string };

/** One pending approval, with the deployment it holds up. */
export type PendingApproval = { deployment: Deployment; approval: PublicApproval };

const deploymentSubject = (id: string) => `deployment/${id}`;

/** Whether `caller` is who started the deployment (same session, or a session of the same principal). */
export function isStarter(startedBy: PrincipalArn, caller: Pick<Caller, 'callerArn' | 'principalArn'>): boolean {
  return startedBy === caller.callerArn || startedBy === caller.principalArn || principalOf(startedBy).principalArn === caller.principalArn;
}

/**
 * `GET /approvals`: approvals waiting for a decision, in environments the caller may approve in,
 * on deployments the caller did not start (those it could not decide anyway), oldest first.
 */
export async function pendingApprovals(deps: AppDeps, caller: Caller): Promise<{ items: PendingApproval[] }> {
  await authorize(deps, caller, 'read', 'approvals');
  const binding = await deps.stores.roles.find(caller.principalArn);
  const waiting: Deployment[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PENDING_PAGES; page++) {
    const found = await deps.stores.deployments.listByState('WaitingForApproval', { limit: PENDING_PAGE_SIZE, cursor });
    waiting.push(...found.items);
    cursor = found.cursor;
    if (!cursor) break;
  }
  const decidable = waiting.filter((d) => decide(binding, 'approve', d.environmentId).allowed && !isStarter(d.startedBy, caller));
  const details = await mapBounded(decidable, READ_CONCURRENCY, (d) => deps.stores.deployments.get(d.id));
  const items = details.flatMap((detail) => detail.approvals.filter((a) => !a.decision).map((approval) => ({ deployment: detail.deployment, approval: publicApproval(approval) })));
  return { items };
}

/** The token of a pending approval; a missing secret means the wait is over. */
async function tokenOf(deps: AppDeps, arn: string, subject: string): Promise<string> {
  try {
    return await deps.secrets.get(arn);
  } catch (error) {
    if (error instanceof SecretNotFoundError || error instanceof SecretDeletedError) throw new InvalidStateError(subject, 'the deployment no longer waits for this decision');
    throw error;
  }
}

/** `POST /approvals/{deploymentId}/{stepIndex}`: approves or rejects, once, and lets the deployment go on (or fail). */
export async function decideApproval(deps: AppDeps, caller: Caller, deploymentId: string, stepIndex: number, request: DecisionRequest): Promise<PublicApproval> {
  const { deployment, approvals } = await deps.stores.deployments.get(deploymentId);
  const subject = `approval of step ${stepIndex} of deployment ${deploymentId}`;
  const approval = approvals.find((a) => a.stepIndex === stepIndex);
  if (!approval) throw new NotFoundError(subject);
  await authorize(deps, caller, 'approve', deploymentSubject(deploymentId), deployment.environmentId);
  if (isStarter(deployment.startedBy, caller) || isStarter(approval.requestedBy, caller)) {
    const reason = 'the person who started a deployment may not approve or reject it';
    await audit(deps, caller, 'access.denied', deploymentSubject(deploymentId), { action: 'approve', environment: deployment.environmentId, step: stepIndex, reason });
    throw new ForbiddenError(subject, reason);
  }
  if (approval.decision) throw new InvalidStateError(subject, `was already ${approval.decision.toLowerCase()} by ${approval.decidedBy}; a decision is final`);
  if (isFinal(deployment.state)) throw new InvalidStateError(subject, `deployment ${deploymentId} is ${deployment.state}; it no longer waits for a decision`);
  const decided = await deps.stores.approvals.decide(
    { deploymentId, stepIndex, version: approval.version },
    { decision: request.decision, decidedBy: caller.callerArn, decidedAt: deps.clock().toISOString(), ...(request.comment ? { comment: request.comment } : {}) },
  );
  await audit(deps, caller, 'approval.decide', deploymentSubject(deploymentId), {
    decision: request.decision,
    step: stepIndex,
    stepName: approval.stepName,
    environment: deployment.environmentId,
    ...(request.comment ? { comment: request.comment } : {}),
  });
  const token = await tokenOf(deps, approval.taskTokenRef, subject);
  if (request.decision === 'Approved') await deps.workflows.sendTaskSuccess(token, { approvedBy: caller.callerArn, comment: request.comment ?? '' });
  else await deps.workflows.sendTaskFailure(token, APPROVAL_REJECTED_ERROR, request.comment ?? `rejected by ${caller.callerArn}`);
  await deleteTokenSecret(deps.secrets, approval.taskTokenRef);
  return publicApproval(decided);
}
