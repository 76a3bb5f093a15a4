/**
 * The local Step Functions service through the real SFN client, with the real handlers behind
 * its Tasks in the local Lambda service and the sandbox cluster behind the targets: a deployment
 * started by the pipeline's own Workflows adapter and followed with DescribeExecution and
 * GetExecutionHistory; an approval answered with SendTaskSuccess; StopExecution; a task's
 * domain error reaching Catch under its name; the state machines as registered; and the API's
 * error shapes, which the SDK turns into its exception classes.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  paginateGetExecutionHistory,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project, Release } from '#domain/pipeline/model.ts';
import { decide, deploy, manifestStep, seedEnvironments, seedLifecycle, seedProject, seedRelease, seedTarget, until, webManifests } from '../../../support/pipeline-fixtures.ts';
import { failureOf } from '../secrets/helpers.ts';
import { ACCOUNT, type LocalAws, startLocalAws } from './harness.ts';

const REGION = 'eu-west-1';
const APPROVAL_TIMEOUT_SECONDS = 3600;
const HISTORY_PAGE = 10;

let h: LocalAws;
let web: Release;
let gated: Project;

/** DescribeExecution through the SDK until the execution has ended. */
async function finished(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return until(
    async () => {
      const described = await h.sfnClient.send(new DescribeExecutionCommand({ executionArn }));
      return described.status !== 'RUNNING' && described;
    },
    `the end of ${executionArn}`,
    45_000,
  );
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client: h.sfnClient, pageSize: HISTORY_PAGE }, { executionArn })) events.push(...page.events!);
  return events;
}

/** A deployment of a release whose only step is an approval, waiting for its decision. */
async function awaitingApproval(version: string, environmentId: string): Promise<{ deploymentId: string; executionArn: string }> {
  const release = await seedRelease(h, gated, version, version);
  const { deployment, executionArn } = await deploy(h, release, environmentId);
  await until(async () => (await h.deps.stores.deployments.get(deployment.id)).deployment.state === 'WaitingForApproval', `deployment ${deployment.id} waiting for approval`);
  return { deploymentId: deployment.id, executionArn };
}

beforeAll(async () => {
  h = await startLocalAws({ label: 'local-aws-sfn' });
  await seedEnvironments(h, ['dev', 'approvals', 'stops']);
  await seedLifecycle(h, 'simple', [{ name: 'Dev', environments: ['dev', 'approvals', 'stops'], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 }]);
  await seedTarget(h, { id: 'web-a', namespace: 'local-aws-a', environments: ['dev'], tags: ['web'] });
  const shop = await seedProject(h, { id: 'shop', lifecycleId: 'simple', process: [manifestStep('deploy web', webManifests(), { timeoutSeconds: 60 })] });
  web = await seedRelease(h, shop, '1.0.0', '1.0.0');
  gated = await seedProject(h, {
    id: 'gated',
    lifecycleId: 'simple',
    process: [{ kind: 'approval', name: 'sign-off', targetTags: [], timeoutSeconds: APPROVAL_TIMEOUT_SECONDS, instructions: 'check the release notes' }],
  });
});

afterAll(async () => {
  await h?.close();
});

describe('a deployment run through the SFN API', () => {
  let executionArn: string;
  let deploymentId: string;

  beforeAll(async () => {
    ({
      deployment: { id: deploymentId },
      executionArn,
    } = await deploy(h, web, 'dev'));
  });

  it("succeeds, and DescribeExecution says so in the API's shape", async () => {
    // Act
    const described = await finished(executionArn);

    // Assess
    expect(described).toMatchObject({
      executionArn,
      stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:Conveyor-deployment`,
      name: expect.any(String),
      status: 'SUCCEEDED',
      input: JSON.stringify({ deploymentId }),
      inputDetails: { included: true },
      outputDetails: { included: true },
    });
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    expect(JSON.parse(described.output!).outcome).toEqual({ state: 'Succeeded' });
    expect((await h.deps.stores.deployments.get(deploymentId)).deployment.state).toBe('Succeeded');
    const deployed = JSON.parse((await h.sandbox.kubectl(['get', 'deployment', 'web', '-n', 'local-aws-a', '-o', 'json'])).stdout);
    expect(deployed.spec.template.spec.containers[0].image).toBe('registry.example/shop/web:1.0.0');
  });

  it("has a history in GetExecutionHistory's shape, in pages, oldest first", async () => {
    // Act
    const events = await history(executionArn);
    const reversed = await h.sfnClient.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1, includeExecutionData: false }));

    // Assess
    expect(events.length).toBeGreaterThan(HISTORY_PAGE);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: JSON.stringify({ deploymentId }), roleArn: `arn:aws:iam::${ACCOUNT}:role/Conveyor-deployment-role` },
    });
    expect(events[0]!.timestamp).toBeInstanceOf(Date);
    expect(events.at(-1)!.type).toBe('ExecutionSucceeded');
    const planned = events.find((e) => e.type === 'TaskScheduled')!;
    expect(planned.taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region: REGION });
    expect(JSON.parse(planned.taskScheduledEventDetails!.parameters!).FunctionName).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:plan`);
    expect(events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails!.name)).toEqual(expect.arrayContaining(['Plan', 'Apply', 'Finalize']));
    expect(reversed.events).toEqual([expect.objectContaining({ type: 'ExecutionSucceeded', executionSucceededEventDetails: { outputDetails: { truncated: false } } })]);
    expect(reversed.nextToken).toEqual(expect.any(String));
  });

  it('is listed by ListExecutions', async () => {
    // Act
    const listed = await h.sfnClient.send(new ListExecutionsCommand({ stateMachineArn: h.arns.deployment, statusFilter: 'SUCCEEDED' }));

    // Assess
    expect(listed.executions).toContainEqual(expect.objectContaining({ executionArn, status: 'SUCCEEDED', startDate: expect.any(Date), stopDate: expect.any(Date) }));
  });
});

it('passes an approval answered through SendTaskSuccess on to the next state', async () => {
  // Prepare
  const { deploymentId, executionArn } = await awaitingApproval('2.0.0', 'approvals');

  // Act: what the approvals API does, through the Workflows adapter over the SFN client.
  await decide(h, deploymentId, 0, 'Approved', 'looks good');
  const described = await finished(executionArn);

  // Assess
  expect(described.status).toBe('SUCCEEDED');
  expect((await h.deps.stores.deployments.get(deploymentId)).deployment.state).toBe('Succeeded');
  const events = await history(executionArn);
  const approval = events.findIndex((e) => e.type === 'TaskSubmitted');
  expect(approval).toBeGreaterThan(0);
  expect(JSON.parse(events.slice(approval).find((e) => e.type === 'TaskSucceeded')!.taskSucceededEventDetails!.output!)).toMatchObject({ comment: 'looks good' });
});

it('stops an execution with StopExecution: ABORTED, its waiting task aborted, its token closed', async () => {
  // Prepare
  const { executionArn } = await awaitingApproval('2.1.0', 'stops');
  const tokenEvent = (await history(executionArn)).find((e) => e.type === 'TaskScheduled' && e.taskScheduledEventDetails!.parameters!.includes('taskToken'))!;
  const token = JSON.parse(tokenEvent.taskScheduledEventDetails!.parameters!).Payload.taskToken as string;

  // Act
  const stopped = await h.sfnClient.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'cancelled by a test' }));
  const described = await h.sfnClient.send(new DescribeExecutionCommand({ executionArn }));
  const late = await failureOf(h.sfnClient.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })));

  // Assess
  expect(stopped.stopDate).toBeInstanceOf(Date);
  expect(described).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'cancelled by a test' });
  expect((await history(executionArn)).slice(-3).map((e) => e.type)).toEqual(['TaskStateAborted', 'MapStateAborted', 'ExecutionAborted']);
  expect(late).toBeInstanceOf(TaskTimedOut);
});

it("lets a task's domain error reach Catch and the execution under its own name", async () => {
  // Act: no such deployment: plan's NotFoundError is caught, and finalize's fails the execution.
  const { executionArn } = await h.sfnClient.send(new StartExecutionCommand({ stateMachineArn: h.arns.deployment, input: JSON.stringify({ deploymentId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' }) }));
  const described = await finished(executionArn!);

  // Assess
  expect(described.status).toBe('FAILED');
  expect(described.error).toBe('NotFoundError');
  expect(JSON.parse(described.cause!)).toMatchObject({ errorType: 'NotFoundError', errorMessage: expect.stringContaining('does not exist') });
  const failed = (await history(executionArn!)).filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails!.error);
  expect(failed).toEqual(['NotFoundError', 'NotFoundError']);
});

describe('the state machines, as registered', () => {
  it('are listed and described with their definitions, placeholders filled', async () => {
    // Act
    const listed = await h.sfnClient.send(new ListStateMachinesCommand({}));
    const described = await h.sfnClient.send(new DescribeStateMachineCommand({ stateMachineArn: h.arns['release-lifecycle'] }));

    // Assess
    expect(listed.stateMachines!.map((m) => m.name)).toEqual(['Conveyor-deployment', 'Conveyor-release-lifecycle']);
    expect(described).toMatchObject({ name: 'Conveyor-release-lifecycle', status: 'ACTIVE', type: 'STANDARD', creationDate: expect.any(Date) });
    expect(described.definition).toContain(`"arn:aws:lambda:${REGION}:${ACCOUNT}:function:lifecycle-plan"`);
    expect(described.definition).toContain(`"${h.arns.deployment}"`);
    expect(described.definition).not.toContain('${');
  });
});

describe('errors, in the shapes the SDK knows', () => {
  it('ExecutionDoesNotExist, InvalidArn, StateMachineDoesNotExist', async () => {
    // Act
    const unknown = await failureOf(h.sfnClient.send(new DescribeExecutionCommand({ executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:Conveyor-deployment:nope` })));
    const malformed = await failureOf(h.sfnClient.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' })));
    const noMachine = await failureOf(h.sfnClient.send(new StartExecutionCommand({ stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:nope` })));

    // Assess
    expect(unknown).toBeInstanceOf(ExecutionDoesNotExist);
    expect(unknown.message).toContain(':execution:Conveyor-deployment:nope');
    expect(malformed).toBeInstanceOf(InvalidArn);
    expect(noMachine).toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('StartExecution is idempotent by name and input while running, ExecutionAlreadyExists otherwise', async () => {
    // Prepare: the approval test's deployment has released the lock of this environment.
    const { deploymentId, executionArn } = await awaitingApproval('2.2.0', 'approvals');
    const name = executionArn.split(':').at(-1)!;
    const stateMachineArn = h.arns.deployment;

    // Act
    const again = await h.sfnClient.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ deploymentId }) }));
    const other = await failureOf(h.sfnClient.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ deploymentId: 'another' }) })));

    // Assess
    expect(again.executionArn).toBe(executionArn);
    expect(other).toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('InvalidToken for a token never issued and for a page token of another request', async () => {
    // Act
    const token = await failureOf(h.sfnClient.send(new SendTaskSuccessCommand({ taskToken: 'made-up', output: '{}' })));
    const page = await failureOf(h.sfnClient.send(new ListExecutionsCommand({ stateMachineArn: h.arns.deployment, nextToken: 'bm90LWEtdG9rZW4' })));

    // Assess
    expect(token).toBeInstanceOf(InvalidToken);
    expect(page).toBeInstanceOf(InvalidToken);
  });
});
