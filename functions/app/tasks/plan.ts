/**
 * The `plan` task, first of the deployment state machine: takes the project × environment lock
 * (or says the deployment waits its turn), moves the deployment from Queued to Running on the
 * first acquisition (audit, DeploymentStarted), and resolves the release's process into the steps
 * that run in the deployment's environment, each with its targets.
 *
 * A waiting deployment is asked again after `retryAfterSeconds` (the state machine's Wait, never
 * a sleeping Lambda); each ask renews its place in the queue, whose entry expires when the
 * execution dies, so a dead waiter never blocks the ones behind it. The lock's holder renews its
 * lease from every task; one whose Lambda died stops renewing and loses the lock when its lease
 * ends. A step with targetTags that match no target of the environment fails the deployment
 * with NoTargetsError (the environment is one the step names: skipping it would report a
 * deployment that deployed nothing there as succeeded).
 */
import { InvalidStateError } from '#domain/pipeline/errors.ts';
import { type Deployment, isFinal, type Step } from '#domain/pipeline/model.ts';
import type { AppDeps } from '../context.ts';
import { NoTargetsError } from './errors.ts';
import type { PlanInput } from './inputs.ts';
import type { TaskDeps } from './ports.ts';
import { TaskLog } from './task-log.ts';

/** The first ask again comes this soon; later positions in the queue ask less often. */
export const RETRY_AFTER_SECONDS = 10;
export const MAX_RETRY_AFTER_SECONDS = 60;

/** One step as the state machine runs it (docs/state-machines.md). */
export type PlannedStep = {
  /** Position in the release's process (results and logs use it). */
  index: number;
  name: string;
  kind: Step['kind'];
  /** Target ids, in id order; none for an approval. */
  targets: string[];
  /** Targets deployed at once. */
  maxConcurrency: number;
  /** The step's timeout on one target (an approval: how long it waits for a decision). */
  timeoutSeconds: number;
};

export type PlanOutput = { queued: true; retryAfterSeconds: number } | { queued: false; steps: PlannedStep[] };

/** How long a waiting deployment waits before asking again: longer the further back it is. */
export function retryAfter(position: number): number {
  return Math.min(RETRY_AFTER_SECONDS * Math.max(1, position), MAX_RETRY_AFTER_SECONDS);
}

export async function planDeployment(deps: TaskDeps, input: PlanInput): Promise<PlanOutput> {
  const detail = await deps.stores.deployments.get(input.deploymentId);
  let { deployment } = detail;
  if (isFinal(deployment.state)) throw new InvalidStateError(`deployment ${deployment.id}`, `is ${deployment.state}: there is nothing to run`);
  if (deployment.executionArn && deployment.executionArn !== input.executionArn) {
    throw new InvalidStateError(`deployment ${deployment.id}`, `is run by execution ${deployment.executionArn}, not this one`);
  }
  const log = new TaskLog(deps, deployment.id);
  const lock = { projectId: deployment.projectId, environmentId: deployment.environmentId, deploymentId: deployment.id, leaseSeconds: deps.config.lockLeaseSeconds };
  const status = await deps.stores.locks.acquire(lock);
  if (!status.held) {
    // Said once: the first ask of a deployment that has logged nothing yet.
    if (!detail.log.length) {
      log.info(`waiting for ${status.holder ? `deployment ${status.holder}` : 'the deployment ahead'} to finish in ${deployment.environmentId} (position ${status.position} in the queue)`);
      await log.flush();
    }
    return { queued: true, retryAfterSeconds: retryAfter(status.position) };
  }
  if (deployment.state === 'Queued') deployment = await start(deps, deployment, input, log);
  const release = await deps.stores.releases.get(deployment.projectId, deployment.releaseNumber);
  try {
    const steps = await planSteps(deps, deployment, release.snapshot.process);
    log.info(
      `${steps.length} step${steps.length === 1 ? '' : 's'} to run: ${steps.map((s) => `"${s.name}" (${s.kind}${s.targets.length ? ` on ${s.targets.join(', ')}` : ''})`).join(', ') || 'none'}`,
    );
    return { queued: false, steps };
  } finally {
    await log.flush();
  }
}

/** Queued → Running, recorded with this execution; audited and announced once. */
async function start(deps: TaskDeps, deployment: Deployment, input: PlanInput, log: TaskLog): Promise<Deployment> {
  const now = deps.clock().toISOString();
  const running = await deps.stores.deployments.update({ ...deployment, state: 'Running', startedAt: now, executionArn: input.executionArn });
  log.info(`started: release ${running.releaseVersion} of ${running.projectId} to ${running.environmentId}`);
  await log.flush();
  await auditAs(deps, input.actorArn, input.executionArn, 'deployment.start', running, {});
  await deps.events.publish('DeploymentStarted', eventDetail(running));
  return running;
}

/** The steps that run in the deployment's environment, in process order, with their targets. */
async function planSteps(deps: TaskDeps, deployment: Deployment, process: Step[]): Promise<PlannedStep[]> {
  const environmentId = deployment.environmentId;
  const planned: PlannedStep[] = [];
  for (const [index, step] of process.entries()) {
    if (step.environments?.length && !step.environments.includes(environmentId)) continue;
    const targets = step.kind === 'approval' ? [] : await targetsOf(deps, environmentId, step.targetTags);
    if (step.kind !== 'approval' && !targets.length) throw new NoTargetsError(step.name, step.targetTags, environmentId);
    planned.push({ index, name: step.name, kind: step.kind, targets, maxConcurrency: deps.config.targetConcurrency, timeoutSeconds: step.timeoutSeconds });
  }
  return planned;
}

/** Ids of the environment's targets carrying any of `tags`: one key lookup per tag. */
async function targetsOf(deps: TaskDeps, environmentId: string, tags: string[]): Promise<string[]> {
  const lists = await Promise.all([...new Set(tags)].map((tag) => deps.stores.targets.listByEnvironmentAndTag(environmentId, tag)));
  return [...new Set(lists.flat().map((t) => t.id))].sort();
}

/** What the pipeline's events say about a deployment: ids and names, never secrets. */
export function eventDetail(deployment: Deployment): Record<string, unknown> {
  return {
    deploymentId: deployment.id,
    projectId: deployment.projectId,
    environmentId: deployment.environmentId,
    releaseNumber: deployment.releaseNumber,
    releaseVersion: deployment.releaseVersion,
    state: deployment.state,
    ...(deployment.executionArn ? { executionArn: deployment.executionArn } : {}),
    ...(deployment.failure ? { failure: deployment.failure } : {}),
  };
}

/** An audit event of the pipeline's own action: the execution's role acts, the execution is the request. */
export function auditAs(
  deps: Pick<AppDeps, 'stores'>,
  actorArn: string,
  executionArn: string,
  action: string,
  deployment: Deployment,
  details: Record<string, string | number | boolean>,
): Promise<unknown> {
  return deps.stores.audit.append({
    actorArn,
    action,
    subject: `deployment/${deployment.id}`,
    requestId: executionArn,
    details: { project: deployment.projectId, release: deployment.releaseVersion, environment: deployment.environmentId, ...details },
  });
}
