import { describe, expect, it } from 'vitest';
import { runnerWith, TokenInbox } from './fake-lambda.ts';

const DEPLOYMENT = { deploymentId: 'dep-7', timeoutSeconds: 86_400 };

function approvalRunner(timeScale?: number) {
  const inbox = new TokenInbox();
  const setup = runnerWith({ 'request-approval': inbox.receive, 'await-promotion': inbox.receive }, ['approval', 'heartbeat'], timeScale);
  return { ...setup, inbox };
}

describe('callback tasks (.waitForTaskToken)', () => {
  it('wait for SendTaskSuccess and continue with its output', async () => {
    // Prepare
    const { runner, arn, inbox, lambda } = approvalRunner();
    const { executionArn } = await runner.start(arn['approval']!, JSON.stringify(DEPLOYMENT));
    const request = await inbox.next();

    // Act
    runner.sendTaskSuccess(request.taskToken, JSON.stringify({ approvedBy: 'alice', comment: 'ship it' }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess: the function got a fresh token in its payload; the output is the answer.
    expect(lambda.calls[0]).toEqual({ name: 'request-approval', payload: { deploymentId: 'dep-7', taskToken: expect.any(String) } });
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output!).approval).toEqual({ approvedBy: 'alice', comment: 'ship it' });
    const types = runner.history(executionArn).map((e) => e.type);
    expect(types).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    // A token answers once.
    expect(() => runner.sendTaskSuccess(request.taskToken, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
  });

  it('fail with the error of SendTaskFailure, which Catch matches by name', async () => {
    // Prepare
    const { runner, arn, inbox } = approvalRunner();
    const rejected = await runner.start(arn['approval']!, JSON.stringify(DEPLOYMENT), 'rejected');
    const faulty = await runner.start(arn['approval']!, JSON.stringify(DEPLOYMENT), 'faulty');
    const first = await inbox.next();
    const second = await inbox.next();

    // Act
    runner.sendTaskFailure(first.taskToken, 'ApprovalRejectedError', 'bob said no');
    runner.sendTaskFailure(second.taskToken, 'StorageUnavailableError', 'table busy');
    const [a, b] = await Promise.all([runner.waitForCompletion(rejected.executionArn), runner.waitForCompletion(faulty.executionArn)]);

    // Assess
    expect(JSON.parse(a.output!)).toMatchObject({ outcome: 'rejected', rejection: { Error: 'ApprovalRejectedError', Cause: 'bob said no' } });
    expect(JSON.parse(b.output!)).toMatchObject({ outcome: 'errored', fault: { Error: 'StorageUnavailableError', Cause: 'table busy' } });
    const failed = runner.history(rejected.executionArn).find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toEqual({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error: 'ApprovalRejectedError', cause: 'bob said no' });
  });

  it('time out after TimeoutSecondsPath with States.Timeout, which States.TaskFailed does not catch', async () => {
    // Prepare: 30 s of state-machine time, 30 ms of real time.
    const { runner, arn, inbox } = approvalRunner();
    const { executionArn } = await runner.start(arn['approval']!, JSON.stringify({ ...DEPLOYMENT, timeoutSeconds: 30 }));
    const request = await inbox.next();

    // Act
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const history = runner.history(executionArn);
    expect(history.find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails).toMatchObject({ error: 'States.Timeout' });
    expect(history.find((e) => e.type === 'TaskScheduled')?.taskScheduledEventDetails?.timeoutInSeconds).toBe(30);
    expect(() => runner.sendTaskSuccess(request.taskToken, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
  });

  it('stay open for a timeout longer than a Node timer can hold (30 days, in real time)', async () => {
    // Prepare: a timer of more than 2^31-1 ms would fire at once.
    const { runner, arn, inbox } = approvalRunner(1);
    const thirtyDays = 30 * 24 * 3600;
    const { executionArn } = await runner.start(arn['approval']!, JSON.stringify({ ...DEPLOYMENT, timeoutSeconds: thirtyDays }));
    const { taskToken } = await inbox.next();

    // Act
    await runner.clock.sleep(50);
    const whileWaiting = runner.describe(executionArn).status;
    runner.sendTaskSuccess(taskToken, '{}');

    // Assess
    expect(whileWaiting).toBe('RUNNING');
    expect((await runner.waitForCompletion(executionArn)).status).toBe('SUCCEEDED');
  });

  it('stay open while heartbeats come within HeartbeatSeconds', async () => {
    // Prepare: HeartbeatSeconds 60 is 600 ms here; a heartbeat every 20 s of state-machine time.
    const { runner, arn, inbox } = approvalRunner(1 / 100);
    const { executionArn } = await runner.start(arn['heartbeat']!, '{}');
    const { taskToken } = await inbox.next();

    // Act: three heartbeats cover 90 s, more than one HeartbeatSeconds.
    for (let beat = 0; beat < 3; beat++) {
      runner.sendTaskHeartbeat(taskToken);
      await runner.clock.sleep(30_000);
    }
    runner.sendTaskSuccess(taskToken, '"promoted"');
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '"promoted"' });
  });

  it('fail with States.HeartbeatTimeout when heartbeats stop', async () => {
    // Prepare
    const { runner, arn, inbox } = approvalRunner();
    const { executionArn } = await runner.start(arn['heartbeat']!, '{}');
    await inbox.next();

    // Act
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    expect(runner.history(executionArn).find((e) => e.type === 'TaskTimedOut')?.taskTimedOutEventDetails?.error).toBe('States.HeartbeatTimeout');
  });

  it('answer unknown and malformed tokens with TaskDoesNotExist and InvalidToken', async () => {
    // Prepare
    const { runner, arn, inbox } = approvalRunner();
    const { executionArn } = await runner.start(arn['approval']!, JSON.stringify(DEPLOYMENT));
    const { taskToken } = await inbox.next();
    const claims = JSON.parse(Buffer.from(taskToken, 'base64url').toString());
    const neverIssued = Buffer.from(JSON.stringify({ ...claims, id: 'not-issued' })).toString('base64url');

    // Act / Assess
    expect(() => runner.sendTaskSuccess('garbage', '{}')).toThrow(expect.objectContaining({ name: 'InvalidToken' }));
    expect(() => runner.sendTaskHeartbeat(neverIssued)).toThrow(expect.objectContaining({ name: 'TaskDoesNotExist' }));
    expect(() => runner.sendTaskSuccess(taskToken, 'not json')).toThrow(expect.objectContaining({ name: 'InvalidOutput' }));
    await runner.stop(executionArn);
  });

  it('are closed by StopExecution: ABORTED, the task aborted, its token refused', async () => {
    // Prepare
    const { runner, arn, inbox } = approvalRunner();
    const { executionArn } = await runner.start(arn['approval']!, JSON.stringify(DEPLOYMENT));
    const { taskToken } = await inbox.next();

    // Act
    const { stopDate } = await runner.stop(executionArn, 'Cancelled', 'cancelled by alice');

    // Assess
    expect(runner.describe(executionArn)).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'cancelled by alice', stopDate });
    const history = runner.history(executionArn);
    expect(history.slice(-3).map((e) => e.type)).toEqual(['TaskSubmitted', 'TaskStateAborted', 'ExecutionAborted']);
    expect(history.at(-1)?.executionAbortedEventDetails).toEqual({ error: 'Cancelled', cause: 'cancelled by alice' });
    expect(() => runner.sendTaskSuccess(taskToken, '{}')).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    expect(() => runner.sendTaskHeartbeat(taskToken)).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
    // Stopping again changes nothing.
    expect((await runner.stop(executionArn)).stopDate).toEqual(stopDate);
  });
});
