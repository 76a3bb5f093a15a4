/**
 * The whole pipeline on the local stack, driven as its users drive it — the HTTP API signed with
 * SigV4 as four people, the image push published on EventBridge as ECR publishes it — and checked
 * through the real clients: the API, Step Functions (every deployment's execution and history),
 * DynamoDB (every item), Secrets Manager, the functions' log file and the sandbox cluster.
 *
 * - a push makes a release by itself, its lifecycle deploys it to Development; the release manager
 *   promotes it, the approver approves, Production succeeds; the audit trail says who did what;
 * - a release whose readiness probe cannot pass fails in Development at the step's deadline, and
 *   the previous colour keeps serving (the Service's selector, Endpoints and EndpointSlices);
 * - the audit chain verifies, every deployment's execution history is readable;
 * - no secret (the users' secret keys, the cluster admin's and the deployers' tokens, the
 *   sensitive variable) appears in any log, task log, audit event, API answer, table item or
 *   execution input, output or history.
 */
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pathOf } from '#cli/api/client.ts';
import { normalizeDeploymentId } from '#domain/containers/names.ts';
import { DEPLOYMENT_ID_LABEL } from '#domain/containers/spec.ts';
import { releaseOfPush } from '#local/demo/follow.ts';
import {
  type Deployment,
  deploymentsOfRelease,
  describeExecution,
  endedExecution,
  enteredStates,
  executionHistory,
  followDeployment,
  listExecutions,
  poll,
  scanTable,
  secretsFoundIn,
  tableText,
  viewOf,
} from '../support/local-stack.ts';
import { APPROVAL_STEP, arnOf, DEVELOPMENT, type E2eStack, PIPELINE_ARN, PRODUCTION, PROJECT, REPOSITORY, SECRET_ITEM, SENSITIVE_VARIABLE, startE2eStack, updateProject } from './world.ts';

const NAMESPACE = 'httpd-development';
let e: E2eStack;
/** The deployments of the first release, for the later scenarios. */
let good: { version: string; development: Deployment; production: Deployment } | undefined;

beforeAll(async () => {
  e = await startE2eStack('pipeline');
}, 90_000);

afterAll(async () => {
  await e?.close();
});

/** The deployment a lifecycle started for `version` in `environmentId`, once there is one. */
const lifecycleDeployment = (version: string, environmentId: string) =>
  poll(async () => (await deploymentsOfRelease(e.c.api.auditor, PROJECT, version)).find((d) => d.environmentId === environmentId), `${PROJECT}@${version} in ${environmentId}`);

it('takes an image push to Development by itself, and to Production once promoted and approved', async () => {
  // Act: the push; the lifecycle deploys to Development.
  const digest = await e.c.push(REPOSITORY, '1.0.0');
  const release = await releaseOfPush(e.c.api.auditor, PROJECT, digest);
  const development = (await followDeployment(e.c.api.auditor, (await lifecycleDeployment(release.version, DEVELOPMENT)).id)).deployment;

  // Act: promoted by the release manager, approved by the approver.
  const promoted = await e.c.api['release-manager'].post<{ deployment: Deployment }>(pathOf('/projects/{projectId}/releases/{version}/deployments', { projectId: PROJECT, version: release.version }), {
    environmentId: PRODUCTION,
  });
  const waiting = await followDeployment(e.c.api.auditor, promoted.deployment.id, (v) => v.deployment.state !== 'Queued' && v.deployment.state !== 'Running');
  await e.c.api.approver.post(pathOf('/approvals/{deploymentId}/{stepIndex}', { deploymentId: promoted.deployment.id, stepIndex: String(APPROVAL_STEP) }), {
    decision: 'Approved',
    comment: 'Development looks right',
  });
  const production = await followDeployment(e.c.api.auditor, promoted.deployment.id);
  good = { version: release.version, development, production: production.deployment };

  // Assess: the release, the states and who started what.
  expect(release).toMatchObject({ version: '1.0.0', createdBy: PIPELINE_ARN });
  expect(development).toMatchObject({ state: 'Succeeded', startedBy: PIPELINE_ARN });
  expect(waiting.deployment.state).toBe('WaitingForApproval');
  expect(production.deployment).toMatchObject({ state: 'Succeeded', startedBy: arnOf('release-manager') });
  expect(production.approvals).toMatchObject([{ stepIndex: APPROVAL_STEP, decision: 'Approved', decidedBy: arnOf('approver'), requestedBy: arnOf('release-manager') }]);
  expect(production.results.map((r) => [r.stepName, r.targetId, r.state])).toEqual([
    ['Approve Production', expect.any(String), 'Succeeded'],
    ['Deploy httpd', 'httpd-production', 'Succeeded'],
  ]);

  // Assess: the audit trail of the Production deployment, as the auditor reads it.
  const trail = await e.c.api.auditor.get<{ items: { actorArn: string; action: string }[] }>('/audit', { subject: `deployment/${production.deployment.id}` });
  expect(trail.items.map((a) => [a.action, a.actorArn])).toEqual([
    ['deployment.queue', arnOf('release-manager')],
    ['deployment.start', expect.stringContaining(':role/')],
    ['approval.request', expect.stringContaining(':role/')],
    ['approval.decide', arnOf('approver')],
    ['deployment.finish', expect.stringContaining(':role/')],
  ]);

  // Assess: the executions behind both deployments, and the lifecycle's, through Step Functions.
  for (const deployment of [development, production.deployment]) {
    const execution = await endedExecution(e.c.sfn, deployment.executionArn!);
    const states = enteredStates(await executionHistory(e.c.sfn, deployment.executionArn!));
    expect(execution.status, `${deployment.id}: ${execution.error}: ${execution.cause}`).toBe('SUCCEEDED');
    expect(JSON.parse(execution.input!)).toMatchObject({ deploymentId: deployment.id });
    expect(states).toEqual(expect.arrayContaining(['Plan', 'Apply', 'TargetDone', 'Finalize', 'Done']));
  }
  expect(enteredStates(await executionHistory(e.c.sfn, production.deployment.executionArn!))).toContain('RequestApproval');
  const lifecycles = await listExecutions(e.c.sfn, e.c.stateMachines.lifecycle);
  expect(lifecycles.map((x) => x.name)).toContain(`${PROJECT}-${release.number}`);
});

it('fails a release whose readiness probe cannot pass in Development, leaving the previous colour serving', async () => {
  // Prepare
  expect(good, 'the first scenario deployed a release').toBeDefined();
  await updateProject(e.c, { brokenProbe: true });

  // Act
  const digest = await e.c.push(REPOSITORY, '1.0.1');
  const release = await releaseOfPush(e.c.api.auditor, PROJECT, digest);
  const failed = await followDeployment(e.c.api.auditor, (await lifecycleDeployment(release.version, DEVELOPMENT)).id);

  // Assess: Failed (a failed check, not a fault), at the step's deadline, saying why.
  expect(failed.deployment.state).toBe('Failed');
  expect(failed.deployment.failure).toMatchObject({ category: 'rollout', message: expect.stringContaining('did not finish within 10 s') });
  expect(await endedExecution(e.c.sfn, failed.deployment.executionArn!)).toMatchObject({ status: 'FAILED', error: 'DeploymentFailedError' });

  // Assess: the cluster — the Service selects the first release's colour, and its Endpoints and EndpointSlices list only that colour's pods.
  const core = e.c.kube.makeApiClient(CoreV1Api);
  const colour = normalizeDeploymentId(good!.development.id);
  const service = await core.readNamespacedService({ name: 'httpd', namespace: NAMESPACE });
  const colourPods = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${DEPLOYMENT_ID_LABEL}=${colour}` })).items.map((p) => p.metadata!.name!).sort();
  const newPods = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${DEPLOYMENT_ID_LABEL}=${normalizeDeploymentId(failed.deployment.id)}` })).items;
  const endpoints = await core.readNamespacedEndpoints({ name: 'httpd', namespace: NAMESPACE });
  const slices = await e.c.kube.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: NAMESPACE, labelSelector: 'kubernetes.io/service-name=httpd' });
  expect(service.spec!.selector![DEPLOYMENT_ID_LABEL]).toBe(colour);
  expect(colourPods).toHaveLength(1);
  expect(newPods.map((p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status)).toEqual(['False']);
  expect((endpoints.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.targetRef!.name!)).sort()).toEqual(colourPods);
  expect((endpoints.subsets ?? []).flatMap((s) => s.notReadyAddresses ?? [])).toEqual([]);
  expect(slices.items.flatMap((s) => (s.endpoints ?? []).filter((p) => p.conditions?.ready).map((p) => p.targetRef!.name!)).sort()).toEqual(colourPods);
}, 60_000);

it('verifies the audit chain, and reads the execution history of every deployment', async () => {
  // Act
  const verified = await e.c.api.auditor.get<{ ok: boolean; count: number }>('/audit/verify');
  const releases = (await e.c.api.auditor.get<{ items: { version: string }[] }>(pathOf('/projects/{projectId}/releases', { projectId: PROJECT }))).items;
  const deployments = [
    ...(await Promise.all(releases.map((r) => deploymentsOfRelease(e.c.api.auditor, PROJECT, r.version)))).flat(),
    ...(await deploymentsOfRelease(e.c.api.auditor, 'admin', '1.0.1')),
  ];
  const histories = await Promise.all(
    deployments.map(async (d) => {
      await endedExecution(e.c.sfn, d.executionArn!);
      return { d, history: await executionHistory(e.c.sfn, d.executionArn!) };
    }),
  );

  // Assess
  expect(verified.ok).toBe(true);
  expect(verified.count).toBeGreaterThan(20);
  expect(deployments.map((d) => `${d.projectId}/${d.environmentId}: ${d.state}`).sort()).toEqual([
    'admin/admin: Succeeded',
    'httpd/development: Failed',
    'httpd/development: Succeeded',
    'httpd/production: Succeeded',
  ]);
  for (const { d, history } of histories) {
    expect(history[0]!.type, d.id).toBe('ExecutionStarted');
    expect(history.at(-1)!.type, d.id).toBe(d.state === 'Succeeded' ? 'ExecutionSucceeded' : 'ExecutionFailed');
  }
});

it('shows no secret value in any log, task log, audit event, API answer, table item or execution', async () => {
  // Prepare: the known secrets, and where the sensitive value is kept (Secrets Manager, by ARN).
  const core = e.c.kube.makeApiClient(CoreV1Api);
  const deployerToken = async (namespace: string) => Buffer.from((await core.readNamespacedSecret({ name: 'httpd-deployer-token', namespace })).data!.token!, 'base64').toString('utf8');
  const secrets: Record<string, string> = {
    'the sandbox admin token': e.stack.sandbox.credentials.adminToken,
    'the Development deployer token': await deployerToken('httpd-development'),
    'the Production deployer token': await deployerToken('httpd-production'),
    [`the sensitive variable ${SENSITIVE_VARIABLE}`]: e.sensitiveValue,
    ...Object.fromEntries(e.stack.users.map((u) => [`the secret access key of ${u.profile}`, u.secretAccessKey])),
  };
  const stored = (await e.c.secrets.send(new ListSecretsCommand({}))).SecretList ?? [];
  const variableSecret = stored.find((s) => s.Name!.startsWith(`conveyor/projects/${PROJECT}/`));

  // Act: everything a person or a process could read, gathered.
  const deployments = (await e.c.api.auditor.get<{ items: Deployment[] }>(pathOf('/projects/{projectId}/environments/{environmentId}/deployments', { projectId: PROJECT, environmentId: DEVELOPMENT })))
    .items;
  const taskLogs = await Promise.all(deployments.map(async (d) => JSON.stringify((await viewOf(e.c.api.admin, d.id)).log)));
  const audit = await e.c.api.auditor.text('/audit/export');
  const items = await scanTable(e.c.dynamo, e.c.tableName);
  const executions = [...(await listExecutions(e.c.sfn, e.c.stateMachines.deployment)), ...(await listExecutions(e.c.sfn, e.c.stateMachines.lifecycle))];
  const described = await Promise.all(executions.map((x) => describeExecution(e.c.sfn, x.executionArn!)));
  const histories = await Promise.all(executions.map((x) => executionHistory(e.c.sfn, x.executionArn!)));
  const sources = {
    'the functions log': readFileSync(e.stack.functionLogFile!, 'utf8'),
    'the task logs': taskLogs.join('\n'),
    'the audit trail': audit,
    'the API answers': e.c.responses.join('\n'),
    'the table': tableText(items),
    'the executions': JSON.stringify(described.map((d) => [d.input, d.output, d.error, d.cause])),
    'the execution histories': JSON.stringify(histories),
    "the seeding's output": e.seedOutput,
  };

  // Assess: the sources are what they should be (none is empty by mistake), and hold no secret.
  expect(sources['the functions log']).toContain('"function_name"');
  expect(deployments.length).toBe(2);
  expect(sources['the task logs']).toContain('applied');
  expect(audit.split('\n').filter(Boolean).length).toBeGreaterThan(20);
  expect(e.c.responses.length).toBeGreaterThan(50);
  expect(items.length).toBeGreaterThan(50);
  expect(histories.flat().length).toBeGreaterThan(100);
  expect(secretsFoundIn(secrets, sources)).toEqual([]);

  // Assess: the sensitive value is kept in Secrets Manager, and the table holds its ARN, not the value.
  expect(variableSecret, stored.map((s) => s.Name).join(', ')).toBeDefined();
  const value = await e.c.secrets.send(new GetSecretValueCommand({ SecretId: variableSecret!.ARN }));
  expect(value.SecretString === e.sensitiveValue, 'the stored value is the one given').toBe(true);
  expect(sources['the table'].includes(variableSecret!.ARN!), "the project's definition names the secret").toBe(true);

  // Assess: and it reached where it belongs, the Secret the deployment made in the cluster.
  const clusterSecret = await core.readNamespacedSecret({ name: `httpd-${normalizeDeploymentId(good!.development.id)}`, namespace: NAMESPACE });
  expect(Buffer.from(clusterSecret.data![SECRET_ITEM]!, 'base64').toString('utf8') === e.sensitiveValue, 'the Secret holds the value').toBe(true);
});
