/**
 * How deployments end, with the deployment state machine from its ASL file and the real task
 * handlers: an approval step that waits for a decision (approved: the deployment goes on;
 * rejected: it fails), a rollout that fails with the previous version still serving, and two
 * deployments of one project × environment taking turns on the lock.
 */
import '../../support/quiet-powertools.ts';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '#domain/pipeline/model.ts';
import { type PipelineHarness, startPipeline } from '../../support/pipeline.ts';
import { decide, deploy, manifestStep, REPOSITORY, seedEnvironments, seedLifecycle, seedProject, seedRelease, seedTarget, until, webManifests } from '../../support/pipeline-fixtures.ts';

const NAMESPACE = 'outcomes';
const APPROVAL_TIMEOUT_SECONDS = 3_600;

let h: PipelineHarness;
let project: Project;

beforeAll(async () => {
  h = await startPipeline({ label: 'pipeline-outcomes' });
  await seedEnvironments(h, ['prod']);
  await seedLifecycle(h, 'prod-only', [{ name: 'Production', environments: ['prod'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 }]);
  await seedTarget(h, { id: 'prod-web', namespace: NAMESPACE, environments: ['prod'], tags: ['web'] });
  project = await seedProject(h, {
    id: 'store',
    lifecycleId: 'prod-only',
    process: [
      { kind: 'approval', name: 'sign-off', targetTags: [], timeoutSeconds: APPROVAL_TIMEOUT_SECONDS, instructions: 'check the release notes' },
      manifestStep('deploy web', webManifests({ progressDeadlineSeconds: 2 }), { timeoutSeconds: 60 }),
    ],
  });
});

afterAll(async () => {
  await h?.close();
});

describe('an approval step', () => {
  it('waits with the token kept only in the secret store, and goes on once approved', async () => {
    // Prepare
    const release = await seedRelease(h, project, '1.0.0', '1.0.0');
    const { deployment, executionArn } = await deploy(h, release, 'prod');

    // Act: the execution waits; then the approver answers as the API does.
    const waiting = await until(async () => {
      const detail = await h.deps.stores.deployments.get(deployment.id);
      return detail.deployment.state === 'WaitingForApproval' && detail.approvals.length ? detail : undefined;
    }, 'the deployment to wait for approval');
    const token = await h.deps.secrets.get(waiting.approvals[0]!.taskTokenRef);
    await decide(h, deployment.id, 0, 'Approved', 'notes read');
    const result = await h.runner.waitForCompletion(executionArn);
    // Everywhere a token could leak to but the Task's own parameters (Step Functions puts it there).
    const items = JSON.stringify((await h.table.client.send(new ScanCommand({ TableName: h.table.tableName }))).Items);
    const audit = JSON.stringify((await h.deps.stores.audit.listByTime({}, { limit: 100 })).items);
    const history = h.runner.history(executionArn);
    const executionData = JSON.stringify([result.input, result.output, ...history.flatMap((e) => [e.stateExitedEventDetails?.output, e.taskSucceededEventDetails?.output])]);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(waiting.approvals[0]).toMatchObject({
      stepName: 'sign-off',
      requestedBy: deployment.startedBy,
      taskTokenRef: expect.stringMatching(/^arn:aws:secretsmanager:.*:secret:conveyor\/task-tokens\/approvals\//),
    });
    for (const place of [items, audit, executionData, JSON.stringify(h.events.published)]) expect(place).not.toContain(token);
    expect(h.events.of(deployment.id)).toEqual(['DeploymentStarted', 'ApprovalRequested', 'DeploymentSucceeded']);
    const detail = await h.deps.stores.deployments.get(deployment.id);
    expect(detail.deployment.state).toBe('Succeeded');
    expect(detail.results.find((r) => r.stepName === 'sign-off')).toMatchObject({ targetId: '-', state: 'Succeeded', message: 'approved by arn:aws:iam::123456789012:user/bob: notes read' });
    expect(detail.log.map((l) => l.message)).toContainEqual(expect.stringContaining('waiting for approval of step "sign-off"'));
  });

  it('records who approved when the approval is the last step', async () => {
    // Prepare
    const release = await seedRelease(h, project, '1.0.9', '1.0.9', { process: [project.process[0]!] });
    const { deployment, executionArn } = await deploy(h, release, 'prod');

    // Act
    await decide(h, deployment.id, 0, 'Approved', 'go');
    const result = await h.runner.waitForCompletion(executionArn);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const detail = await h.deps.stores.deployments.get(deployment.id);
    expect(detail.deployment.state).toBe('Succeeded');
    expect(detail.results).toEqual([expect.objectContaining({ stepName: 'sign-off', state: 'Succeeded', message: 'approved by arn:aws:iam::123456789012:user/bob: go' })]);
  });

  it('ends the deployment Failed when rejected, saying who rejected it and why', async () => {
    // Prepare
    const release = await seedRelease(h, project, '1.0.1', '1.0.1');
    const { deployment, executionArn } = await deploy(h, release, 'prod');

    // Act
    await until(async () => (await h.deps.stores.deployments.get(deployment.id)).deployment.state === 'WaitingForApproval', 'the deployment to wait for approval');
    await decide(h, deployment.id, 0, 'Rejected', 'not on a Friday');
    const result = await h.runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeploymentFailedError' });
    const detail = await h.deps.stores.deployments.get(deployment.id);
    expect(detail.deployment).toMatchObject({ state: 'Failed', failure: { category: 'rollout', message: 'ApprovalRejectedError: not on a Friday' } });
    expect(detail.results.find((r) => r.stepName === 'sign-off')).toMatchObject({ state: 'Failed', message: 'rejected by arn:aws:iam::123456789012:user/bob: not on a Friday' });
    expect(detail.results.filter((r) => r.stepName === 'deploy web')).toEqual([]);
    expect(h.events.of(deployment.id).at(-1)).toBe('DeploymentFailed');
    expect((await h.deps.stores.locks.get({ projectId: 'store', environmentId: 'prod' })).holder).toBeUndefined();
  });
});

it('fails a rollout whose new pods cannot start, and leaves the previous version serving', async () => {
  // Prepare: 1.0.2 deployed and healthy (approved), then 1.0.3 with an image that never pulls.
  const good = await seedRelease(h, project, '1.0.2', '1.0.2');
  const first = await deploy(h, good, 'prod');
  await decide(h, first.deployment.id, 0, 'Approved', 'fine');
  expect((await h.runner.waitForCompletion(first.executionArn)).status).toBe('SUCCEEDED');
  const broken = await seedRelease(h, project, '1.0.3', 'does-not-exist');

  // Act
  const second = await deploy(h, broken, 'prod');
  await decide(h, second.deployment.id, 0, 'Approved', 'fine');
  const result = await h.runner.waitForCompletion(second.executionArn);

  // Assess: Failed, naming the pod and container; the Catch caught RolloutFailedError.
  expect(result.status).toBe('FAILED');
  const { deployment } = await h.deps.stores.deployments.get(second.deployment.id);
  expect(deployment.state).toBe('Failed');
  expect(deployment.failure?.category).toBe('rollout');
  expect(deployment.failure?.message).toMatch(/^RolloutFailedError: .*ProgressDeadlineExceeded/);
  expect(deployment.failure?.message).toMatch(/pod web-[a-z0-9-]+ container web: (ErrImagePull|ImagePullBackOff)/);
  // The previous version still serves: 2 of 2 replicas available, the old pods Ready on 1.0.2.
  const web = JSON.parse((await h.sandbox.kubectl(['get', 'deployment', 'web', '-n', NAMESPACE, '-o', 'json'])).stdout);
  expect(web.status.availableReplicas).toBe(2);
  const pods = JSON.parse((await h.sandbox.kubectl(['get', 'pods', '-n', NAMESPACE, '-l', 'app=web', '-o', 'json'])).stdout).items;
  const ready = pods.filter((p: any) => p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  expect(ready.map((p: any) => p.spec.containers[0].image)).toEqual([`${REPOSITORY}:1.0.2`, `${REPOSITORY}:1.0.2`]);
});

it('runs two deployments of one project and environment one after the other', async () => {
  // Prepare: a slower rollout (pods ready after 1.5 s), no approval.
  const slow = await seedRelease(h, project, '2.0.0', '2.0.0', { process: [manifestStep('deploy web', webManifests({ readyAfterMs: 1_500 }), { timeoutSeconds: 60 })] });
  const first = await deploy(h, slow, 'prod');
  await until(async () => (await h.deps.stores.deployments.get(first.deployment.id)).deployment.state === 'Running', 'the first deployment to run');

  // Act
  const second = await deploy(h, slow, 'prod');
  const [one, two] = await Promise.all([h.runner.waitForCompletion(first.executionArn), h.runner.waitForCompletion(second.executionArn)]);

  // Assess: both succeeded; the second started only once the first had finished, after waiting its turn.
  expect([one.status, two.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
  const a = (await h.deps.stores.deployments.get(first.deployment.id)).deployment;
  const b = await h.deps.stores.deployments.get(second.deployment.id);
  expect(b.deployment.startedAt! >= a.finishedAt!).toBe(true);
  expect(h.runner.history(second.executionArn).filter((e) => e.type === 'WaitStateEntered' && e.stateEnteredEventDetails?.name === 'WaitForTurn').length).toBeGreaterThan(0);
  expect(b.log[0]?.message).toBe(`waiting for deployment ${first.deployment.id} to finish in prod (position 1 in the queue)`);
  expect((await h.deps.stores.locks.get({ projectId: 'store', environmentId: 'prod' })).holder).toBeUndefined();
});
