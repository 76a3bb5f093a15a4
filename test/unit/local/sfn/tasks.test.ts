import { describe, expect, it } from 'vitest';
import { StepFunctionsApiError } from '../../../../local/aws/sfn/index.ts';
import { functionError, runnerWith } from './fake-lambda.ts';

const RELEASE = { release: { id: 'rel-1', version: '1.4.0' } };

describe('Lambda task chain', () => {
  it('passes each result on, calling functions by name and by ARN through the invoker', async () => {
    // Prepare
    const { runner, lambda, arn } = runnerWith({ validate: (p) => ({ ok: true, version: p.release.version }), enrich: (p) => ({ ...p, enriched: true }) }, ['lambda-chain']);

    // Act
    const { executionArn } = await runner.start(arn['lambda-chain']!, JSON.stringify(RELEASE), 'chain-1');
    const result = await runner.waitForCompletion(executionArn);

    // Assess: lambda:invoke returned the Invoke response (ResultSelector took Payload); the ARN task got its Parameters.
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output!)).toEqual({ release: RELEASE.release, validated: { ok: true, version: '1.4.0' }, enriched: true });
    expect(lambda.calls).toEqual([
      { name: 'validate', payload: { release: RELEASE.release, executionArn } },
      { name: 'enrich', payload: { release: RELEASE.release, validated: { ok: true, version: '1.4.0' } } },
    ]);
    expect(runner.transitions(executionArn)).toBe(3);
  });

  it('fails the execution with the function error type and Lambda error payload as cause', async () => {
    // Prepare
    const { runner, arn } = runnerWith({ validate: () => Promise.reject(functionError('ReleaseNotFoundError', 'no release rel-1')) }, ['lambda-chain']);

    // Act
    const { executionArn } = await runner.start(arn['lambda-chain']!, JSON.stringify(RELEASE));
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'ReleaseNotFoundError' });
    expect(JSON.parse(result.cause!)).toEqual({ errorType: 'ReleaseNotFoundError', errorMessage: 'no release rel-1' });
    expect(result.stopDate).toBeInstanceOf(Date);
  });
});

describe('Retry and Catch', () => {
  it('retries a named error with backoff in state-machine time, then succeeds', async () => {
    // Prepare: throttled twice, then applied.
    const seen: any[] = [];
    const apply = (p: any) => {
      seen.push(p);
      if (seen.length <= 2) throw functionError('ThrottledError', 'slow down');
      return { applied: p.target };
    };
    const { runner, arn } = runnerWith({ apply }, ['retry-catch']);

    // Act
    const { executionArn } = await runner.start(arn['retry-catch']!, JSON.stringify({ target: 'web' }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess: three attempts, RetryCount 0..2, one EnteredTime for the whole state.
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output!)).toEqual({ applied: 'web' });
    expect(seen.map((p) => p.attempt)).toEqual([0, 1, 2]);
    expect(new Set(seen.map((p) => p.enteredTime)).size).toBe(1);
    const history = runner.history(executionArn);
    const scheduled = history.filter((e) => e.type === 'TaskScheduled').map((e) => e.timestamp!.getTime());
    // IntervalSeconds 2, BackoffRate 2: at least 2 s then 4 s of state-machine time between attempts.
    expect(scheduled[1]! - scheduled[0]!).toBeGreaterThanOrEqual(2000);
    expect(scheduled[2]! - scheduled[1]!).toBeGreaterThanOrEqual(4000);
    expect(history.filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails?.error)).toEqual(['ThrottledError', 'ThrottledError']);
    // Two states entered, two retries.
    expect(runner.transitions(executionArn)).toBe(4);
  });

  it('gives up after MaxAttempts and fails with the retried error', async () => {
    // Prepare
    const { runner, lambda, arn } = runnerWith({ apply: () => Promise.reject(functionError('ThrottledError', 'slow down')) }, ['retry-catch']);

    // Act
    const { executionArn } = await runner.start(arn['retry-catch']!, JSON.stringify({ target: 'web' }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess: 1 attempt + 3 retries.
    expect(result).toMatchObject({ status: 'FAILED', error: 'ThrottledError' });
    expect(lambda.calls.filter((c) => c.name === 'apply')).toHaveLength(4);
  });

  it('catches a terminal error into the failure path, which records it and fails', async () => {
    // Prepare
    const recorded: any[] = [];
    const { runner, lambda, arn } = runnerWith({ apply: () => Promise.reject(functionError('ManifestRejectedError', 'Deployment.apps "web" is invalid')), 'record-failure': (p) => recorded.push(p) }, [
      'retry-catch',
    ]);

    // Act
    const { executionArn } = await runner.start(arn['retry-catch']!, JSON.stringify({ target: 'web' }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess: not retried; the Catch output carries Error and Cause; the Fail state names the error.
    expect(lambda.calls.filter((c) => c.name === 'apply')).toHaveLength(1);
    expect(recorded).toEqual([{ Error: 'ManifestRejectedError', Cause: JSON.stringify({ errorType: 'ManifestRejectedError', errorMessage: 'Deployment.apps "web" is invalid' }) }]);
    expect(result).toMatchObject({ status: 'FAILED', error: 'DeploymentFailed', cause: recorded[0].Cause });
    expect(runner.history(executionArn).map((e) => e.type)).toContain('FailStateEntered');
  });
});

describe('context object', () => {
  it('gives $$.Execution, $$.StateMachine and $$.State their values, also inside Map iterations', async () => {
    // Prepare
    const { runner, arn } = runnerWith({}, ['context']);
    const input = { flag: true, items: [1, 2] };

    // Act
    const { executionArn, startDate } = await runner.start(arn['context']!, JSON.stringify(input), 'ctx-1');
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output!);
    expect(output.context).toEqual({
      id: executionArn,
      name: 'ctx-1',
      startTime: startDate.toISOString(),
      input,
      stateMachine: arn['context'],
      state: 'Describe',
      enteredTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      label: 'Describe of ctx-1 (not $$.Execution.Name)',
    });
    expect(Date.parse(output.context.enteredTime)).toBeGreaterThanOrEqual(startDate.getTime());
    // The engine would give a Map iteration its item as $$.Execution.Input; the runner keeps the execution's.
    expect(output.iterations).toEqual([
      { item: 1, executionInput: input, executionName: 'ctx-1' },
      { item: 2, executionInput: input, executionName: 'ctx-1' },
    ]);
  });
});

describe('API answers', () => {
  it('answers StartExecution like AWS: unknown machine, bad name, bad input, same name', async () => {
    // Prepare
    const { runner, arn } = runnerWith({}, ['timeout']);
    const machine = arn['timeout']!;

    // Act
    const first = await runner.start(machine, '{"a":1}', 'once');
    const again = await runner.start(machine, '{"a":1}', 'once');

    // Assess: idempotent while running with the same input; refused otherwise.
    expect(again.executionArn).toBe(first.executionArn);
    await expect(runner.start(machine, '{"a":2}', 'once')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(runner.start(`${machine}-missing`, '{}')).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(runner.start(machine, '{}', 'has space')).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(runner.start(machine, '{nope')).rejects.toBeInstanceOf(StepFunctionsApiError);
    await expect(runner.start(machine, '{nope')).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    expect(() => runner.describe(`${first.executionArn}-missing`)).toThrow(expect.objectContaining({ name: 'ExecutionDoesNotExist' }));
    await runner.stop(first.executionArn);
  });

  it('lists executions newest first, filtered by status', async () => {
    // Prepare
    const { runner, arn } = runnerWith({}, ['timeout']);
    const machine = arn['timeout']!;
    const older = await runner.start(machine, '{}', 'older');
    const newer = await runner.start(machine, '{}', 'newer');

    // Act
    await runner.stop(older.executionArn, 'Superseded', 'a newer release');

    // Assess
    expect(runner.list(machine).map((e) => e.name)).toEqual(['newer', 'older']);
    expect(runner.list(machine, 'ABORTED')).toEqual([expect.objectContaining({ name: 'older', status: 'ABORTED', stopDate: expect.any(Date) })]);
    expect(runner.describe(older.executionArn)).toMatchObject({ status: 'ABORTED', error: 'Superseded', cause: 'a newer release' });
    await runner.stop(newer.executionArn);
  });

  it('refuses definitions the local engine cannot run faithfully, naming the state', () => {
    // Prepare
    const { runner } = runnerWith({}, []);
    const machine = (states: object) => JSON.stringify({ StartAt: 'S', States: states });

    // Act / Assess
    const refusals = [
      machine({ S: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Parameters: { QueueUrl: 'q' }, End: true } }),
      machine({ S: { Type: 'Pass', Assign: { x: 1 }, End: true } }),
      machine({ S: { Type: 'Choice', Choices: [{ Variable: '$$.State.EnteredTime', IsPresent: true, Next: 'E' }], Default: 'E' }, E: { Type: 'Succeed' } }),
      machine({ S: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f', 'token.$': '$$.Task.Token' }, End: true } }),
      'not json',
    ];
    for (const definition of refusals) {
      expect(() => runner.register({ name: 'bad', definition })).toThrow(expect.objectContaining({ name: 'InvalidDefinition' }));
    }
    expect(() => runner.register({ name: 'bad', definition: refusals[0]! })).toThrow(/state 'S'.*sqs:sendMessage/);
  });
});
