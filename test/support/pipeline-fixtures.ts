/**
 * What pipeline tests seed and do, through the same stores, secret store and Workflows the
 * tasks use: environments, lifecycles, accounts whose token is a deployer ServiceAccount's in the
 * sandbox (kept as a secret), targets, projects and releases; starting a deployment the way the
 * API does (queue + start), and answering approvals and lifecycle waits the way the API does
 * (record the decision, read the token from its secret, send it).
 */

import type { ApplyManifestsStep, Deployment, ImageReference, Lifecycle, Phase, Project, ProjectVariable, Release, Step } from '#domain/pipeline/model.ts';
import { queueDeployment, startDeployment } from '#functions/app/deployment-queue.ts';
import type { KubeObject } from '#sandbox/types.ts';
import type { PipelineHarness } from './pipeline.ts';

export const ACTOR = 'arn:aws:iam::123456789012:user/alice';
export const APPROVER = 'arn:aws:iam::123456789012:user/bob';
export const REPOSITORY = 'registry.example/shop/web';
const TOKEN_WAIT_MS = 10_000;
const POLL_MS = 25;
const RBAC = 'rbac.authorization.k8s.io';
const DEPLOYER = 'deployer';

/** Polls `check` until it returns something truthy. */
export async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A namespace with a deployer ServiceAccount confined to it by a Role (as the npm start demo does), and its token. */
export async function deployerToken(h: PipelineHarness, namespace: string): Promise<string> {
  const { cluster, registry } = h.sandbox.sandbox;
  const create = (group: string, kind: string, object: KubeObject) => {
    const type = registry.byKind(kind, group)!;
    if (!cluster.tryGet(type, object.metadata.namespace, object.metadata.name!)) cluster.create(type, object.metadata.namespace, object, { fieldManager: 'pipeline-test' });
  };
  create('', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await h.sandbox.sandbox.settle();
  create('', 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEPLOYER, namespace } });
  create(RBAC, 'Role', {
    apiVersion: `${RBAC}/v1`,
    kind: 'Role',
    metadata: { name: DEPLOYER, namespace },
    rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io'], resources: ['*'], verbs: ['*'] }],
  });
  create(RBAC, 'RoleBinding', {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name: DEPLOYER, namespace },
    roleRef: { apiGroup: RBAC, kind: 'Role', name: DEPLOYER },
    subjects: [{ kind: 'ServiceAccount', name: DEPLOYER, namespace }],
  });
  create('', 'Secret', {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name: `${DEPLOYER}-token`, namespace, annotations: { 'kubernetes.io/service-account.name': DEPLOYER } },
  });
  const secrets = registry.byKind('Secret', '')!;
  return until(
    () => {
      const token = cluster.tryGet(secrets, namespace, `${DEPLOYER}-token`)?.data?.token;
      return token ? Buffer.from(token, 'base64').toString('utf8') : undefined;
    },
    `the token of ServiceAccount ${namespace}/${DEPLOYER}`,
    TOKEN_WAIT_MS,
  );
}

/** Environments by id (name = id, in the given order). */
export async function seedEnvironments(h: PipelineHarness, ids: string[]): Promise<void> {
  for (const [order, id] of ids.entries()) await h.deps.stores.environments.create({ id, name: id, order });
}

export async function seedLifecycle(h: PipelineHarness, id: string, phases: Phase[]): Promise<Lifecycle> {
  return h.deps.stores.lifecycles.create({ id, name: id, phases });
}

/**
 * A target on the sandbox confined to `namespace`, whose token account's secret holds the
 * namespace's deployer token. Returns the token too (tests check it leaks nowhere).
 */
export async function seedTarget(h: PipelineHarness, target: { id: string; namespace: string; environments: string[]; tags: string[] }): Promise<{ token: string }> {
  const token = await deployerToken(h, target.namespace);
  const secretArn = await h.deps.secrets.create(`accounts/${target.id}`, JSON.stringify({ token }));
  await h.deps.stores.accounts.create({ id: `${target.id}-account`, name: `${target.id} deployer`, kind: 'token', secretArn });
  const { sandbox } = h.sandbox;
  await h.deps.stores.targets.create({
    id: target.id,
    url: sandbox.url,
    caPem: sandbox.caPem,
    namespace: target.namespace,
    accountId: `${target.id}-account`,
    environments: target.environments,
    tags: target.tags,
  });
  return { token };
}

/** A sensitive variable: its value kept as a secret, the project holding the ARN. */
export async function sensitiveVariable(h: PipelineHarness, name: string, value: string): Promise<ProjectVariable> {
  const secretArn = await h.deps.secrets.create(`variables/${name.toLowerCase()}-${Date.now()}`, value);
  return { name, values: [{ secretArn }] };
}

export async function seedProject(h: PipelineHarness, project: { id: string; lifecycleId: string; process: Step[]; variables?: ProjectVariable[] }): Promise<Project> {
  return h.deps.stores.projects.create({
    id: project.id,
    name: project.id,
    lifecycleId: project.lifecycleId,
    process: project.process,
    variables: project.variables ?? [],
    channels: [{ name: 'stable', rules: [] }],
    defaultChannel: 'stable',
  });
}

/** A release of `project` with its process and variables (or others), choosing `tag` for the web image. */
export async function seedRelease(h: PipelineHarness, project: Project, version: string, tag: string, override: { process?: Step[]; variables?: ProjectVariable[] } = {}): Promise<Release> {
  const images: ImageReference[] = [{ repository: REPOSITORY, tag }];
  const { release } = await h.deps.stores.releases.create({
    projectId: project.id,
    version,
    channel: 'stable',
    images,
    createdBy: ACTOR,
    createdAt: new Date().toISOString(),
    snapshot: { process: override.process ?? project.process, variables: override.variables ?? project.variables, images, lifecycleId: project.lifecycleId, projectVersion: project.version },
  });
  return release;
}

/** An apply-manifests step on targets tagged `web`. */
export function manifestStep(name: string, content: string, options: { timeoutSeconds?: number; tags?: string[] } = {}): ApplyManifestsStep {
  return { kind: 'apply-manifests', name, targetTags: options.tags ?? ['web'], timeoutSeconds: options.timeoutSeconds ?? 120, manifests: [{ name: `${name}.yaml`, content }] };
}

/** A ConfigMap and a Deployment of the release's web image (any tag written here is replaced by the release's). */
export function webManifests(options: { replicas?: number; progressDeadlineSeconds?: number; readyAfterMs?: number } = {}): string {
  const annotations = options.readyAfterMs !== undefined ? `\n      annotations: {sandbox.conveyor.dev/ready-after-ms: "${options.readyAfterMs}"}` : '';
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-settings
data:
  release: "#{Conveyor.Release.Number}"
  environment: "#{Conveyor.Environment.Name}"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${options.replicas ?? 2}
${options.progressDeadlineSeconds ? `  progressDeadlineSeconds: ${options.progressDeadlineSeconds}\n` : ''}  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}${annotations}
    spec:
      containers:
      - name: web
        image: ${REPOSITORY}:latest
        envFrom:
        - configMapRef: {name: web-settings}
`;
}

/** What the API does to deploy a release: a Queued deployment, then its state machine. */
export async function deploy(h: PipelineHarness, release: Release, environmentId: string): Promise<{ deployment: Deployment; executionArn: string }> {
  const deployment = await queueDeployment(h.deps, { release, environmentId, actorArn: ACTOR, requestId: 'test-request' });
  const executionArn = await startDeployment(h.deps, deployment);
  return { deployment, executionArn };
}

/** What the API does with an approval decision: record it, read the token, answer it, delete the token's secret. */
export async function decide(h: PipelineHarness, deploymentId: string, stepIndex: number, decision: 'Approved' | 'Rejected', comment: string): Promise<void> {
  const approval = await until(async () => (await h.deps.stores.deployments.get(deploymentId)).approvals.find((a) => a.stepIndex === stepIndex), `the approval of step ${stepIndex}`);
  await h.deps.stores.approvals.decide({ deploymentId, stepIndex, version: approval.version }, { decision, decidedBy: APPROVER, decidedAt: new Date().toISOString(), comment });
  const token = await h.deps.secrets.get(approval.taskTokenRef);
  if (decision === 'Approved') await h.deps.workflows.sendTaskSuccess(token, { approvedBy: APPROVER, comment });
  else await h.deps.workflows.sendTaskFailure(token, 'ApprovalRejectedError', comment);
  await h.deps.secrets.delete(approval.taskTokenRef, { force: true });
}

/** What the promotion API does for a lifecycle waiting at `phaseIndex`: queue the deployment, answer the wait with it, remove the wait. */
export async function promote(h: PipelineHarness, release: Release, phaseIndex: number, environmentId: string): Promise<Deployment> {
  const wait = await until(() => h.deps.stores.lifecycleWaits.get(release.projectId, release.number, phaseIndex), `the lifecycle wait at phase ${phaseIndex}`);
  const deployment = await queueDeployment(h.deps, { release, environmentId, actorArn: ACTOR, requestId: 'test-promotion' });
  const token = await h.deps.secrets.get(wait.tokenRef);
  await h.deps.workflows.sendTaskSuccess(token, { deploymentIds: [deployment.id] });
  await h.deps.stores.lifecycleWaits.remove(release.projectId, release.number, phaseIndex);
  await h.deps.secrets.delete(wait.tokenRef, { force: true });
  return deployment;
}
