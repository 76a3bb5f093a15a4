/**
 * The release-lifecycle state machine from statemachines/release-lifecycle.asl.json, with the
 * deployment state machine nested (`startExecution.sync:2`) and the real task handlers: a
 * release moving through an automatic phase (dev) and a manual one (staging) promoted the way
 * the API does; and a failed deployment in an automatic phase, which does not end the
 * lifecycle: the gate keeps the next phase closed and the lifecycle waits for a promotion.
 */
import '../../support/quiet-powertools.ts';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ID_PATTERN } from '#domain/pipeline/ids.ts';
import type { Project } from '#domain/pipeline/model.ts';
import { queueDeployment, startDeployment } from '#functions/app/deployment-queue.ts';
import { releaseIdOf } from '#functions/app/release-ids.ts';
import { startDeployments } from '#functions/app/tasks/lifecycle.ts';
import { type PipelineHarness, startPipeline } from '../../support/pipeline.ts';
import { manifestStep, promote, seedEnvironments, seedLifecycle, seedProject, seedRelease, seedTarget, until, webManifests } from '../../support/pipeline-fixtures.ts';

let h: PipelineHarness;
let project: Project;

beforeAll(async () => {
  h = await startPipeline({ label: 'pipeline-lifecycle' });
  await seedEnvironments(h, ['dev', 'staging']);
  await seedLifecycle(h, 'two-phases', [
    { name: 'Development', environments: ['dev'], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 },
    { name: 'Staging', environments: ['staging'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 },
  ]);
  await seedTarget(h, { id: 'dev-web', namespace: 'lc-dev', environments: ['dev'], tags: ['web'] });
  await seedTarget(h, { id: 'staging-web', namespace: 'lc-staging', environments: ['staging'], tags: ['web'] });
  project = await seedProject(h, { id: 'catalog', lifecycleId: 'two-phases', process: [manifestStep('deploy web', webManifests({ progressDeadlineSeconds: 2 }), { timeoutSeconds: 60 })] });
});

afterAll(async () => {
  await h?.close();
});

it('moves a release through an automatic and a manual phase', async () => {
  // Prepare
  const release = await seedRelease(h, project, '3.1.0', '3.1.0');

  // Act: the API starts the lifecycle; phase 1 deploys by itself; phase 2 is promoted.
  const { executionArn } = await h.deps.workflows.start('release-lifecycle', 'catalog-1', { releaseId: releaseIdOf(release) });
  const staging = await promote(h, release, 1, 'staging');
  const result = await h.runner.waitForCompletion(executionArn);

  // Assess
  expect(result.status).toBe('SUCCEEDED');
  const deployments = await h.deps.stores.deployments.listByRelease('catalog', release.number);
  expect(deployments.map((d) => `${d.environmentId}: ${d.state}`).sort()).toEqual(['dev: Succeeded', 'staging: Succeeded']);
  expect(deployments.find((d) => d.environmentId === 'dev')!.startedBy).toBe(release.createdBy);
  // Both ran as nested executions of the deployment state machine, started by the lifecycle.
  const children = h.runner.list(h.arns.deployment).map((e) => h.runner.describe(e.executionArn));
  const ofRelease = children.filter((c) => deployments.some((d) => c.input.includes(d.id)));
  expect(ofRelease).toHaveLength(2);
  expect(ofRelease.every((c) => c.status === 'SUCCEEDED' && c.input.includes(executionArn))).toBe(true);
  expect(deployments.find((d) => d.id === staging.id)!.executionArn).toBe(ofRelease.find((c) => c.input.includes(staging.id))!.executionArn);
  expect(await h.deps.stores.lifecycleWaits.get('catalog', release.number, 1)).toBeUndefined();
});

it('queues nothing twice when start-deployments is retried', async () => {
  // Prepare
  const release = await seedRelease(h, project, '3.3.0', '3.3.0');
  const input = { releaseId: { projectId: 'catalog', number: release.number }, phaseIndex: 0, executionArn: 'arn:aws:states:us-east-1:000000000000:execution:release-lifecycle:catalog-3' };

  // Act
  const first = await startDeployments(h.deps, input);
  const again = await startDeployments(h.deps, input);

  // Assess
  expect(first.deploymentIds).toEqual([expect.stringMatching(ID_PATTERN)]);
  expect(again).toEqual(first);
  expect(await h.deps.stores.deployments.listByRelease('catalog', release.number)).toHaveLength(1);
});

it('keeps going after a failed deployment in an automatic phase: the gate stays closed and the lifecycle waits', async () => {
  // Prepare: the dev deployment of this release cannot start its pods.
  const release = await seedRelease(h, project, '3.2.0', 'does-not-exist');

  // Act
  const { executionArn } = await h.deps.workflows.start('release-lifecycle', 'catalog-2', { releaseId: releaseIdOf(release) });
  const wait = await until(() => h.deps.stores.lifecycleWaits.get('catalog', release.number, 0), 'the lifecycle to wait at the first phase', 30_000);

  // Assess: the deployment failed, the lifecycle did not: it waits for a promotion (a redeploy) to dev.
  const [dev] = await h.deps.stores.deployments.listByRelease('catalog', release.number);
  expect((await h.deps.stores.deployments.get(dev!.id)).deployment.state).toBe('Failed');
  expect(h.runner.describe(executionArn).status).toBe('RUNNING');
  expect(wait).toMatchObject({ phaseIndex: 0, tokenRef: expect.stringContaining(':secret:conveyor/task-tokens/lifecycles/catalog/') });
  const token = await h.deps.secrets.get(wait.tokenRef);
  expect(JSON.stringify((await h.table.client.send(new ScanCommand({ TableName: h.table.tableName }))).Items)).not.toContain(token);
  const history = h.runner.history(executionArn);
  expect(history.some((e) => e.type === 'PassStateEntered' && e.stateEnteredEventDetails?.name === 'DeploymentDidNotSucceed')).toBe(true);
  expect(history.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name)).toEqual([
    'PlanLifecycle',
    'StartDeployments',
    'RunDeployment',
    'PhaseGate',
    'AwaitPromotion',
  ]);
  await h.runner.stop(executionArn);
});

it('goes on when a deployment started on its own completes the phase the lifecycle waits at', async () => {
  // Prepare: the lifecycle waits at the manual phase; a promotion raced it and started its deployment directly.
  const release = await seedRelease(h, project, '3.4.0', '3.4.0');
  const { executionArn } = await h.deps.workflows.start('release-lifecycle', 'catalog-4', { releaseId: releaseIdOf(release) });
  await until(() => h.deps.stores.lifecycleWaits.get('catalog', release.number, 1), 'the lifecycle to wait at the manual phase', 30_000);
  const staging = await queueDeployment(h.deps, { release, environmentId: 'staging', actorArn: release.createdBy, requestId: 'test-direct-promotion' });

  // Act
  await startDeployment(h.deps, staging);
  const result = await h.runner.waitForCompletion(executionArn);

  // Assess: the deployment's finalize answered the wait; the gate saw the phase complete.
  expect(result.status).toBe('SUCCEEDED');
  expect((await h.deps.stores.deployments.get(staging.id)).deployment.state).toBe('Succeeded');
  expect(await h.deps.stores.lifecycleWaits.get('catalog', release.number, 1)).toBeUndefined();
});
