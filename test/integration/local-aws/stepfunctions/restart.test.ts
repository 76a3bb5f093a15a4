/**
 * Executions across a restart of the local Step Functions service (same data directory, same
 * port): ended executions are still described with their whole history; one that was running
 * (a deployment waiting for its approval) is reported FAILED, "interrupted by restart", and the
 * interrupted hook of conveyor up has settled its deployment: Errored, lock released, so the
 * next deployment of the project × environment runs. Its old task token answers TaskTimedOut,
 * and its name stays taken.
 */
import { DescribeExecutionCommand, ExecutionAlreadyExists, GetExecutionHistoryCommand, SendTaskSuccessCommand, StartExecutionCommand, TaskTimedOut } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Project } from '#domain/pipeline/model.ts';
import { INTERRUPTED_CAUSE, INTERRUPTED_ERROR } from '../../../../local/aws/stepfunctions/index.ts';
import { decide, deploy, seedEnvironments, seedLifecycle, seedProject, seedRelease, until } from '../../../support/pipeline-fixtures.ts';
import { failureOf } from '../secrets/helpers.ts';
import { type LocalAws, startLocalAws } from './harness.ts';

const APPROVAL_TIMEOUT_SECONDS = 3600;
const LOCK = { projectId: 'gated', environmentId: 'prod' };

let h: LocalAws;
let gated: Project;

/** A deployment of a new release of `gated`, once it waits for its approval. */
async function awaitingApproval(version: string): Promise<{ deploymentId: string; executionArn: string }> {
  const release = await seedRelease(h, gated, version, version);
  const { deployment, executionArn } = await deploy(h, release, 'prod');
  await until(async () => (await h.deps.stores.deployments.get(deployment.id)).deployment.state === 'WaitingForApproval', `deployment ${deployment.id} waiting for approval`);
  return { deploymentId: deployment.id, executionArn };
}

const describe = (executionArn: string) => h.sfnClient.send(new DescribeExecutionCommand({ executionArn }));
const events = async (executionArn: string) => (await h.sfnClient.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;

beforeAll(async () => {
  h = await startLocalAws({ label: 'local-aws-restart', sandbox: false });
  await seedEnvironments(h, ['prod']);
  await seedLifecycle(h, 'simple', [{ name: 'Prod', environments: ['prod'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 }]);
  gated = await seedProject(h, {
    id: 'gated',
    lifecycleId: 'simple',
    process: [{ kind: 'approval', name: 'sign-off', targetTags: [], timeoutSeconds: APPROVAL_TIMEOUT_SECONDS, instructions: 'check the release notes' }],
  });
});

afterAll(async () => {
  await h?.close();
});

it('reports a running execution FAILED after a restart, settles its deployment, and keeps ended ones', async () => {
  // Prepare: one deployment approved and done, one waiting for its approval.
  const done = await awaitingApproval('1.0.0');
  await decide(h, done.deploymentId, 0, 'Approved', 'ship it');
  await until(async () => (await describe(done.executionArn)).status === 'SUCCEEDED', 'the first deployment');
  const doneHistory = await events(done.executionArn);
  const waiting = await awaitingApproval('1.1.0');
  const scheduled = (await events(waiting.executionArn)).findLast((e) => e.type === 'TaskScheduled')!;
  const token = JSON.parse(scheduled.taskScheduledEventDetails!.parameters!).Payload.taskToken as string;
  expect((await h.deps.stores.locks.get(LOCK)).holder?.deploymentId).toBe(waiting.deploymentId);

  // Act
  await h.restartStepFunctions();

  // Assess: the ended execution as it was.
  expect((await describe(done.executionArn)).status).toBe('SUCCEEDED');
  expect(await events(done.executionArn)).toEqual(doneHistory);
  // The running one: FAILED, its history closed by ExecutionFailed.
  const interrupted = await describe(waiting.executionArn);
  expect(interrupted).toMatchObject({ status: 'FAILED', error: INTERRUPTED_ERROR, cause: INTERRUPTED_CAUSE, stopDate: expect.any(Date) });
  const history = await events(waiting.executionArn);
  expect(history.at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: { error: INTERRUPTED_ERROR, cause: INTERRUPTED_CAUSE } });
  expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
  // The hook was told, and settled the deployment.
  expect(h.interrupted.map((e) => e.executionArn)).toEqual([waiting.executionArn]);
  expect(h.stepFunctions.recovery).toMatchObject({ interrupted: [expect.objectContaining({ executionArn: waiting.executionArn })], hookFailures: [] });
  const detail = await h.deps.stores.deployments.get(waiting.deploymentId);
  expect(detail.deployment).toMatchObject({ state: 'Errored', failure: { category: 'internal', message: INTERRUPTED_CAUSE }, finishedAt: expect.any(String) });
  expect(detail.log.at(-1)!.message).toBe(`deployment errored: ${INTERRUPTED_CAUSE}`);
  expect((await h.deps.stores.locks.get(LOCK)).holder).toBeUndefined();

  // Its token is no longer waited on, and its name stays taken.
  const late = await failureOf(h.sfnClient.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));
  const name = waiting.executionArn.split(':').at(-1)!;
  const again = await failureOf(h.sfnClient.send(new StartExecutionCommand({ stateMachineArn: h.arns.deployment, name, input: JSON.stringify({ deploymentId: waiting.deploymentId }) })));
  expect(late).toBeInstanceOf(TaskTimedOut);
  expect(again).toBeInstanceOf(ExecutionAlreadyExists);
});

it('runs the next deployment of the project × environment after the restart', async () => {
  // Prepare
  const next = await awaitingApproval('1.2.0');

  // Act
  await decide(h, next.deploymentId, 0, 'Approved', 'after the restart');
  const described = await until(async () => {
    const d = await describe(next.executionArn);
    return d.status !== 'RUNNING' && d;
  }, 'the deployment after the restart');

  // Assess
  expect(described.status).toBe('SUCCEEDED');
  expect((await h.deps.stores.deployments.get(next.deploymentId)).deployment.state).toBe('Succeeded');
  expect(h.interrupted).toHaveLength(1);
});
