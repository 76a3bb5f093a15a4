import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../../local/aws/sfn/index.ts';
import { runnerWith } from './fake-lambda.ts';

const CHILD_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:child';

describe('nested executions (states:startExecution.sync:2)', () => {
  it("return the child's output parsed, with its ARN and status", async () => {
    // Prepare
    const { runner, arn, lambda } = runnerWith({ double: (p) => ({ doubled: p.value * 2 }) }, ['parent', 'child']);

    // Act
    const { executionArn } = await runner.start(arn['parent']!, JSON.stringify({ value: 21, mode: 'run' }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(arn['child']).toBe(CHILD_ARN);
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output!);
    expect(output).toEqual({ childOutput: { doubled: 42 }, status: 'SUCCEEDED', childArn: expect.stringContaining(':execution:child:') });
    const child = runner.describe(output.childArn);
    expect(JSON.parse(child.input)).toEqual({ value: 21, mode: 'run', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: executionArn });
    expect(lambda.calls).toEqual([{ name: 'double', payload: { value: 21 } }]);
    const types = runner.history(executionArn).map((e) => e.type);
    expect(types).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
  });

  it('fail the task with States.TaskFailed and the child description as cause when the child fails', async () => {
    // Prepare
    const { runner, arn } = runnerWith({}, ['parent', 'child']);

    // Act
    const { executionArn } = await runner.start(arn['parent']!, JSON.stringify({ value: 1, mode: 'fail' }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    const cause = JSON.parse(result.cause!);
    expect(cause).toMatchObject({ Status: 'FAILED', Error: 'ChildFailedError', Cause: 'asked to fail', StateMachineArn: CHILD_ARN });
    expect(runner.list(CHILD_ARN, 'FAILED')).toHaveLength(1);
  });

  it('stop the child when the parent is stopped', async () => {
    // Prepare: the child holds in a day-long Wait.
    const { runner, arn } = runnerWith({}, ['parent', 'child']);
    const { executionArn } = await runner.start(arn['parent']!, JSON.stringify({ value: 1, mode: 'hold' }));
    while (runner.list(CHILD_ARN).length === 0) await runner.clock.sleep(1000);

    // Act
    await runner.stop(executionArn);
    const child = await runner.waitForCompletion(runner.list(CHILD_ARN)[0]!.executionArn);

    // Assess
    expect(runner.describe(executionArn).status).toBe('ABORTED');
    expect(child.status).toBe('ABORTED');
    expect(
      runner
        .history(child.executionArn)
        .slice(-2)
        .map((e) => e.type),
    ).toEqual(['WaitStateAborted', 'ExecutionAborted']);
  });

  it('fail with the StartExecution error, prefixed as Step Functions does, for an unknown state machine', async () => {
    // Prepare: no child registered.
    const { runner, arn } = runnerWith({}, ['parent']);

    // Act
    const { executionArn } = await runner.start(arn['parent']!, JSON.stringify({ value: 1, mode: 'run' }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'StepFunctions.StateMachineDoesNotExistException' });
  });
});

describe('Map', () => {
  it('runs an iteration per item, at most MaxConcurrency at once, items from $$.Map.Item', async () => {
    // Prepare: each deploy takes 5 s of state-machine time; count how many overlap.
    let running = 0;
    let peak = 0;
    const clock: { current?: Clock } = {};
    const deploy = async (p: any) => {
      running++;
      peak = Math.max(peak, running);
      await clock.current!.sleep(5000);
      running--;
      return { target: p.target, index: p.index, release: p.release };
    };
    const { runner, arn, lambda } = runnerWith({ deploy }, ['map']);
    clock.current = runner.clock;
    const targets = ['t-a', 't-b', 't-c', 't-d', 't-e'];

    // Act
    const { executionArn } = await runner.start(arn['map']!, JSON.stringify({ release: 'r-9', targets }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(peak).toBe(2);
    expect(JSON.parse(result.output!).results).toEqual(targets.map((target) => ({ target, release: 'r-9', state: 'Tag' })));
    expect(lambda.calls.map((c) => c.payload)).toEqual(expect.arrayContaining(targets.map((target, index) => ({ target, index, release: 'r-9' }))));
    const history = runner.history(executionArn);
    expect(history.filter((e) => e.type === 'MapIterationStarted').map((e) => e.mapIterationStartedEventDetails)).toEqual(
      expect.arrayContaining(targets.map((_, index) => ({ name: 'Targets', index }))),
    );
    expect(history.filter((e) => e.type === 'MapIterationSucceeded')).toHaveLength(targets.length);
    // Map + Deploy and Tag per item.
    expect(runner.transitions(executionArn)).toBe(1 + 2 * targets.length);
  });

  it('reports the interrupted tasks and the Map itself as aborted when the execution is stopped', async () => {
    // Prepare: deploys hang until released; MaxConcurrency 2 lets two start.
    const release: (() => void)[] = [];
    const deploy = () => new Promise((resolve) => release.push(() => resolve({ target: 'x' })));
    const { runner, arn } = runnerWith({ deploy }, ['map']);
    const { executionArn } = await runner.start(arn['map']!, JSON.stringify({ release: 'r-9', targets: ['t-a', 't-b', 't-c'] }));
    while (release.length < 2) await runner.clock.sleep(1000);

    // Act
    await runner.stop(executionArn);
    for (const resolve of release) resolve();

    // Assess
    expect(
      runner
        .history(executionArn)
        .slice(-4)
        .map((e) => e.type),
    ).toEqual(['TaskStateAborted', 'TaskStateAborted', 'MapStateAborted', 'ExecutionAborted']);
    expect(runner.describe(executionArn).status).toBe('ABORTED');
  });
});
