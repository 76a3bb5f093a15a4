/**
 * A restart of the local stack in the middle of a deployment, as a crash would cut it off: the
 * stack is closed while the deployment's rollout is being checked (its executions stopped without
 * finishing) and started again on the same data. The deployment is then Errored "interrupted by
 * restart", its Step Functions execution FAILED with that cause, its project × environment lock
 * released — and a redeploy through the API succeeds. Checked through the API, Step Functions and
 * DynamoDB, as a user of the stack sees them.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pathOf } from '#cli/api/client.ts';
import { releaseOfPush } from '#local/demo/follow.ts';
import { READY_AFTER_ANNOTATION } from '#sandbox/controllers/index.ts';
import { type Deployment, deploymentsOfRelease, describeExecution, endedExecution, executionHistory, followDeployment, poll, viewOf } from '../support/local-stack.ts';
import { DEVELOPMENT, type E2eStack, STEP_TIMEOUT_SECONDS, startE2eStack } from './world.ts';

const PROJECT = 'slow';
/** Long enough for the rollout to be under way when the stack stops; short enough for the redeploy to find it done. */
const READY_AFTER_MS = 4_000;
let e: E2eStack;

beforeAll(async () => {
  e = await startE2eStack('restart');
  const image = `${e.c.accountId}.dkr.ecr.${e.c.region}.amazonaws.com/${PROJECT}:1.0.0`;
  const manifest = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: ${PROJECT}}`,
    'spec:',
    '  replicas: 1',
    `  selector: {matchLabels: {app: ${PROJECT}}}`,
    '  template:',
    `    metadata: {labels: {app: ${PROJECT}}, annotations: {${READY_AFTER_ANNOTATION}: "${READY_AFTER_MS}"}}`,
    `    spec: {containers: [{name: ${PROJECT}, image: "${image}"}]}`,
  ].join('\n');
  const step = { kind: 'apply-manifests', name: 'Deploy slow', targetTags: ['httpd'], timeoutSeconds: STEP_TIMEOUT_SECONDS * 3, manifests: [{ name: 'slow.yaml', content: manifest }] };
  await e.c.api.admin.post('/projects', { id: PROJECT, name: 'Slow', lifecycleId: 'application', process: [step] });
}, 90_000);

afterAll(async () => {
  await e?.close();
});

it('reports a deployment cut off by a restart as Errored "interrupted by restart", releases its lock, and redeploys it', async () => {
  // Prepare: a push whose rollout takes seconds; the deployment is caught while its target is Running.
  const digest = await e.c.push(PROJECT, '1.0.0');
  const release = await releaseOfPush(e.c.api.auditor, PROJECT, digest);
  const running = await poll(async () => {
    const deployment = (await deploymentsOfRelease(e.c.api.auditor, PROJECT, release.version)).find((d) => d.environmentId === DEVELOPMENT);
    if (!deployment) return undefined;
    const view = await viewOf(e.c.api.auditor, deployment.id);
    return view.results.some((r) => r.state === 'Running') ? view : undefined;
  }, 'the deployment to Development with a target Running');

  // Act: stopped as a crash would stop it, started again on the same data.
  await e.restart();
  const { deployment } = running;
  const after = await viewOf(e.c.api.auditor, deployment.id);
  const execution = await describeExecution(e.c.sfn, deployment.executionArn!);
  const history = await executionHistory(e.c.sfn, deployment.executionArn!);
  const lock = await e.c.dynamo.send(new GetItemCommand({ TableName: e.c.tableName, Key: { PK: { S: `LOCK#${PROJECT}#${DEVELOPMENT}` }, SK: { S: 'LOCK' } }, ConsistentRead: true }));
  const redeployed = await e.c.api['release-manager'].post<{ deployment: Deployment }>(pathOf('/deployments/{deploymentId}/redeploy', { deploymentId: deployment.id }));
  const done = await followDeployment(e.c.api.auditor, redeployed.deployment.id);

  // Assess: the interrupted deployment, as the API and Step Functions report it.
  expect(deployment.state).toBe('Running');
  expect(after.deployment).toMatchObject({ state: 'Errored', failure: { category: 'internal', message: 'interrupted by restart' } });
  expect(after.results.map((r) => [r.targetId, r.state, r.message])).toEqual([['httpd-development', 'Errored', 'stopped: interrupted by restart']]);
  expect(after.log.map((l) => l.message)).toContainEqual(expect.stringContaining('interrupted by restart'));
  expect(execution).toMatchObject({ status: 'FAILED', error: 'ExecutionInterrupted', cause: 'interrupted by restart' });
  expect(history.at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: 'ExecutionInterrupted', cause: 'interrupted by restart' } });
  expect(lock.Item, 'the lock item exists').toBeDefined();
  expect(lock.Item!.holder, 'nobody holds the lock').toBeUndefined();

  // Assess: the redeploy of the same release, through to the end.
  expect(done.deployment).toMatchObject({ state: 'Succeeded', releaseVersion: release.version, environmentId: DEVELOPMENT });
  expect(done.results.map((r) => [r.targetId, r.state])).toEqual([['httpd-development', 'Succeeded']]);
  expect((await endedExecution(e.c.sfn, done.deployment.executionArn!)).status).toBe('SUCCEEDED');
}, 60_000);
