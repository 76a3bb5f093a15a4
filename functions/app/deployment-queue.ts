/**
 * How a deployment comes into being, whoever asks for it — a promotion through the API, a
 * redeploy, or an automatic lifecycle phase: a Queued deployment item (which also becomes the
 * dashboard cell), its audit event, and the deployment state machine started under the
 * deployment's id (so a retried start is the same execution). The state machine's `plan` then
 * waits for the project × environment lock.
 */
import type { Deployment, PrincipalArn, ReleaseSummary } from '#domain/pipeline/model.ts';
import type { AppDeps } from './context.ts';

export type QueueRequest = {
  release: Pick<ReleaseSummary, 'projectId' | 'number' | 'version'>;
  environmentId: string;
  /** Who asked; never allowed to approve the deployment. */
  actorArn: PrincipalArn;
  /** The API request id or the lifecycle execution ARN. */
  requestId: string;
};

/** Writes the Queued deployment and its audit event. */
export async function queueDeployment(deps: AppDeps, request: QueueRequest): Promise<Deployment> {
  const { release, environmentId } = request;
  const deployment = await deps.stores.deployments.create({
    id: deps.newId(),
    projectId: release.projectId,
    releaseNumber: release.number,
    releaseVersion: release.version,
    environmentId,
    state: 'Queued',
    startedBy: request.actorArn,
    queuedAt: deps.clock().toISOString(),
  });
  await deps.stores.audit.append({
    actorArn: request.actorArn,
    action: 'deployment.queue',
    subject: `deployment/${deployment.id}`,
    requestId: request.requestId,
    details: { project: release.projectId, release: release.version, environment: environmentId },
  });
  return deployment;
}

/** Starts the deployment state machine for a queued deployment; idempotent by the deployment's id. */
export async function startDeployment(deps: AppDeps, deployment: Pick<Deployment, 'id'>): Promise<string> {
  const { executionArn } = await deps.workflows.start('deployment', deployment.id, { deploymentId: deployment.id });
  return executionArn;
}
