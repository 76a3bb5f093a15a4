/**
 * The `finalize` task, last of every deployment: records how it ended, releases the project ×
 * environment lock (handing it to the next queued deployment, whose own plan loop finds it
 * held), removes the deployment's approval tokens, audits and announces the end.
 *
 * `failure` is what the state machine's Catch caught (`{Error, Cause}`), or null. By the error's
 * category (functions/domain/error-registry.ts): a failed check — a rollout rule, a rejected or
 * unanswered approval, a failing script, bad input, a refused permission — ends the deployment
 * `Failed`; a technical fault (unavailable past every retry, internal, an error nobody
 * classified) ends it `Errored`. Either way nothing more was applied, so the previous version
 * stays live. The recorded message is the Cause's `errorMessage` (the Lambda error payload) or
 * the Cause itself, redacted once more and bounded.
 *
 * A success that completes a phase the release's lifecycle waits at answers that wait, so the
 * lifecycle goes on (release-waits.ts answerCompletedPhases).
 *
 * Idempotent: a retried finalize of a final deployment releases the lock again (harmless) and
 * returns its state. An execution that is not the deployment's (plan refused it: another
 * execution had started the deployment) changes nothing and answers with the state.
 */
import { categoryOfName, isTechnicalFault, STATES_TIMEOUT } from '#domain/error-registry.ts';
import type { ErrorCategory } from '#domain/errors.ts';
import { VersionConflictError } from '#domain/pipeline/errors.ts';
import { DEPLOYMENT_TRANSITIONS, type Deployment, type DeploymentDetail, type DeploymentState, isFinal } from '#domain/pipeline/model.ts';
import { Redactor } from '#domain/redactor.ts';
import { SecretDeletedError, SecretNotFoundError } from '#domain/secret-errors.ts';
import { answerCompletedPhases } from '../release-waits.ts';
import type { CaughtFailure, FinalizeInput } from './inputs.ts';
import { auditAs, eventDetail } from './plan.ts';
import type { TaskDeps } from './ports.ts';
import { engineVariables } from './step-request.ts';
import { putResult, resumeAfterApproval } from './step-work.ts';
import { TaskLog } from './task-log.ts';

/** A recorded failure message is cut here: it is what a person reads first, the task log has the rest. */
export const MAX_FAILURE_MESSAGE_CHARS = 4_000;
/** Writes of the final state tried when a concurrent write moved the deployment's version. */
const RECORD_ATTEMPTS = 5;

export type FinalizeOutput = { state: DeploymentState };

export async function finalizeDeployment(deps: TaskDeps, input: FinalizeInput): Promise<FinalizeOutput> {
  const detail = await deps.stores.deployments.get(input.deploymentId);
  let { deployment } = detail;
  // Another execution runs this deployment (plan refused this one): its outcome is that execution's to record.
  if (deployment.executionArn && deployment.executionArn !== input.executionArn) return { state: deployment.state };
  if (isFinal(deployment.state)) {
    await releaseLock(deps, deployment);
    if (deployment.state === 'Succeeded') await answerCompletedPhases(deps, deployment);
    return { state: deployment.state };
  }
  const log = new TaskLog(deps, deployment.id);
  const failure = input.failure ? await describeFailure(deps, deployment, input.failure) : undefined;
  const state: DeploymentState = !failure ? 'Succeeded' : isTechnicalFault(failure.category) ? 'Errored' : 'Failed';
  const finishedAt = deps.clock().toISOString();
  deployment = await record(deps, detail, state, failure, finishedAt, log);
  if (deployment.state !== state) return { state: deployment.state };
  await closeResults(deps, detail, state, failure?.message, finishedAt);
  log[state === 'Succeeded' ? 'info' : 'error'](`deployment ${state.toLowerCase()}${failure ? `: ${failure.message}` : ''}`);
  await log.flush();
  await releaseLock(deps, deployment);
  await removeTokens(deps, detail);
  await auditAs(deps, input.actorArn, input.executionArn, 'deployment.finish', deployment, { state, ...(failure ? { category: failure.category } : {}) });
  await deps.events.publish(state === 'Succeeded' ? 'DeploymentSucceeded' : 'DeploymentFailed', eventDetail(deployment));
  // Last: a retried finalize (after a fault here) finds the deployment final and answers again.
  if (state === 'Succeeded') await answerCompletedPhases(deps, deployment);
  return { state };
}

/**
 * Writes the final state. A task of an aborted Map branch may still be writing the deployment
 * (a Map stops waiting for its other branches when one fails): a version conflict is read again
 * and written again, a few times; a deployment that became final meanwhile is left as it is.
 */
async function record(deps: TaskDeps, detail: DeploymentDetail, state: DeploymentState, failure: Deployment['failure'], finishedAt: string, log: TaskLog): Promise<Deployment> {
  for (let attempt = 1; ; attempt++) {
    try {
      // An approval that was the last step: its result says who approved, as after any other approval.
      let deployment = state === 'Succeeded' ? await resumeAfterApproval(deps, { detail }, log) : detail.deployment;
      // Succeeded only follows Running, and Failed never follows Queued: such a deployment passes through Running.
      if (!DEPLOYMENT_TRANSITIONS[state].includes(deployment.state)) {
        deployment = await deps.stores.deployments.update({ ...deployment, state: 'Running', startedAt: deployment.startedAt ?? finishedAt });
      }
      return await deps.stores.deployments.update({ ...deployment, state, finishedAt, ...(failure ? { failure } : {}) });
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempt >= RECORD_ATTEMPTS) throw error;
      Object.assign(detail, await deps.stores.deployments.get(detail.deployment.id));
      if (isFinal(detail.deployment.state)) return detail.deployment;
    }
  }
}

/** The failure as recorded: its category from the error's name, its message from the Cause, redacted and bounded. */
async function describeFailure(deps: TaskDeps, deployment: Deployment, caught: CaughtFailure): Promise<{ category: ErrorCategory; message: string }> {
  const name = caught.Error || 'States.TaskFailed';
  const category = categoryOfName(name);
  const text = messageOf(name, caught.Cause);
  const message = (await sensitiveRedactor(deps, deployment)).text(`${name}: ${text}`);
  return { category, message: message.length > MAX_FAILURE_MESSAGE_CHARS ? `${message.slice(0, MAX_FAILURE_MESSAGE_CHARS)}… (cut; the task log has the rest)` : message };
}

/**
 * Our tasks redact what they throw; this guards against a message nobody redacted: the release's
 * sensitive values in every filter form, and credential shapes. When the release or a secret
 * cannot be read (the very failure being recorded may be that), credential shapes only: the
 * outcome is recorded all the same.
 */
async function sensitiveRedactor(deps: TaskDeps, deployment: Deployment): Promise<Redactor> {
  try {
    const release = await deps.stores.releases.get(deployment.projectId, deployment.releaseNumber);
    const variables = await engineVariables(deps, release.snapshot.variables);
    return new Redactor(
      variables.flatMap((v) => v.values.filter((value) => value.sensitive).map((value) => value.value)),
      { withForms: true },
    );
  } catch {
    return new Redactor();
  }
}

/** A Lambda error's Cause is its error payload (JSON with `errorMessage`); others are text. */
function messageOf(name: string, cause: string | undefined): string {
  if (name === STATES_TIMEOUT) return "no decision came within the approval step's timeout";
  if (!cause) return 'no cause was given';
  try {
    const payload: unknown = JSON.parse(cause);
    if (payload && typeof payload === 'object' && typeof (payload as { errorMessage?: unknown }).errorMessage === 'string') return (payload as { errorMessage: string }).errorMessage;
  } catch {
    // Not JSON: the cause is the message (a Fail state's CausePath, SendTaskFailure's cause).
  }
  return cause;
}

/** Results still Running when the deployment ended: stopped with it (a rejected approval says who rejected it). */
async function closeResults(deps: TaskDeps, detail: DeploymentDetail, state: DeploymentState, reason: string | undefined, finishedAt: string): Promise<void> {
  if (state === 'Succeeded') return;
  for (const result of detail.results.filter((r) => r.state === 'Running' || r.state === 'Pending')) {
    const approval = detail.approvals.find((a) => a.stepIndex === result.stepIndex && a.decision === 'Rejected');
    const message = approval
      ? `rejected by ${approval.decidedBy}${approval.comment ? `: ${approval.comment}` : ''}`
      : `stopped: the deployment ${state === 'Errored' ? 'hit a fault' : 'failed'}${reason ? ` (${reason.split('\n')[0]})` : ''}`;
    await putResult(deps, detail, { ...result, state: state === 'Errored' ? 'Errored' : 'Failed', finishedAt, message });
  }
}

/** Gives the lock up (to the next queued deployment) and leaves the queue; both harmless when there is nothing to do. */
async function releaseLock(deps: TaskDeps, deployment: Deployment): Promise<void> {
  const key = { projectId: deployment.projectId, environmentId: deployment.environmentId, deploymentId: deployment.id };
  await deps.stores.locks.release(key);
  await deps.stores.locks.leave(key);
}

/** The approvals' token secrets: nobody can answer a finished deployment, and a secret costs by the month. */
async function removeTokens(deps: TaskDeps, detail: DeploymentDetail): Promise<void> {
  for (const approval of detail.approvals) {
    try {
      await deps.secrets.delete(approval.taskTokenRef, { force: true });
    } catch (error) {
      if (!(error instanceof SecretNotFoundError || error instanceof SecretDeletedError)) throw error;
    }
  }
}
