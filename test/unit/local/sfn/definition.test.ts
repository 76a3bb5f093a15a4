import { describe, expect, it } from 'vitest';
import { engineReferences, handlerReferences, rewriteExpression, UnsupportedReferenceError } from '../../../../local/aws/sfn/context-paths.ts';
import { compileDefinition } from '../../../../local/aws/sfn/definition.ts';
import { errorMatches, retryDelay } from '../../../../local/aws/sfn/handlers.ts';
import { lambdaFunctionName } from '../../../../local/aws/sfn/index.ts';
import { functionError, runnerWith } from './fake-lambda.ts';

describe('context references', () => {
  it('point engine-evaluated paths at the runner context, and $$.State.Name at the state names', () => {
    // Prepare
    const engine = engineReferences(4);

    // Act / Assess
    expect(rewriteExpression('$$.Execution.Input.release', engine)).toBe('$$.Run.Execution.Input.release');
    expect(rewriteExpression('$$.StateMachine.Name', engine)).toBe('$$.Run.StateMachine.Name');
    expect(rewriteExpression('$$.State.Name', engine)).toBe('$$.Run.Names[4]');
    expect(rewriteExpression('$$.Map.Item.Value', engine)).toBe('$$.Map.Item.Value');
    expect(rewriteExpression('$.plain', engine)).toBe('$.plain');
    expect(() => rewriteExpression('$$.State.EnteredTime', engine)).toThrow(UnsupportedReferenceError);
    expect(() => rewriteExpression('$$', engine)).toThrow(UnsupportedReferenceError);
  });

  it('rewrite references inside intrinsic functions, never inside their quoted strings', () => {
    // Prepare
    const own = handlerReferences(true);

    // Act
    const rewritten = rewriteExpression("States.Format('{} \\'$$.x\\' {}', $$.Task.Token, States.JsonToString($$.Execution.Input))", own);

    // Assess
    expect(rewritten).toBe("States.Format('{} \\'$$.x\\' {}', $$.Run.Task.Token, States.JsonToString($$.Run.Execution.Input))");
    expect(() => rewriteExpression('$$.Task.Token', handlerReferences(false))).toThrow(/waitForTaskToken/);
    expect(() => rewriteExpression('$$.Map.Item.Value', own)).toThrow(/ItemSelector/);
  });

  it('leave the file unchanged: Task, Wait, Fail and Pass-with-Parameters become handler tasks, the rest stays with the engine', () => {
    // Prepare
    const definition = JSON.stringify({
      StartAt: 'T',
      TimeoutSeconds: 30,
      States: {
        T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, TimeoutSeconds: 5, Next: 'W' },
        W: { Type: 'Wait', SecondsPath: '$.s', Next: 'C' },
        C: { Type: 'Choice', Choices: [{ Variable: '$$.Execution.Input.x', IsPresent: true, Next: 'P' }], Default: 'F' },
        P: { Type: 'Pass', Parameters: { 'at.$': '$$.State.EnteredTime' }, End: true },
        F: { Type: 'Fail', ErrorPath: '$.e' },
      },
    });

    // Act
    const compiled = compileDefinition(definition, 1);

    // Assess
    expect([...compiled.handlers.keys()]).toEqual(['T', 'W', 'P', 'F']);
    expect(compiled.handlers.get('T')).toMatchObject({ type: 'Task', integration: { kind: 'lambda-invoke', callback: false }, timeoutSeconds: 5 });
    expect(compiled.handlers.get('W')).toMatchObject({ type: 'Wait', template: { 'Seconds.$': '$.s' } });
    expect(compiled.handlers.get('P')).toMatchObject({ type: 'Pass', template: { Result: { 'at.$': '$$.Run.State.EnteredTime' } } });
    expect(Object.fromEntries(compiled.stateTypes)).toEqual({ T: 'Task', W: 'Wait', C: 'Choice', P: 'Pass', F: 'Fail' });
    expect(compiled.timeoutSeconds).toBe(30);
  });
});

describe('Retry rules', () => {
  const throttled = functionError('ThrottledError', 'slow down');

  it('back off by BackoffRate, capped by MaxDelaySeconds, until MaxAttempts', () => {
    // Prepare
    const retriers = [{ ErrorEquals: ['ThrottledError'], IntervalSeconds: 3, BackoffRate: 2, MaxAttempts: 4, MaxDelaySeconds: 10 }];
    const attempts = [0];

    // Act
    const delays = [1, 2, 3, 4, 5].map(() => retryDelay(retriers, attempts, throttled));

    // Assess
    expect(delays).toEqual([3000, 6000, 10_000, 10_000, undefined]);
  });

  it('let the first matching retrier decide, with ASL defaults and full jitter', () => {
    // Prepare
    const retriers = [{ ErrorEquals: ['ThrottledError'], MaxAttempts: 0 }, { ErrorEquals: ['States.ALL'] }];
    const jittered = [{ ErrorEquals: ['States.ALL'], JitterStrategy: 'FULL' as const }];

    // Act / Assess
    expect(retryDelay(retriers, [0, 0], throttled)).toBeUndefined();
    expect(retryDelay(retriers, [0, 0], functionError('OtherError', 'x'))).toBe(1000);
    expect(retryDelay(jittered, [0], throttled, () => 0.25)).toBe(250);
  });

  it('match States.TaskFailed to every error but States.Timeout, and never retry States.Runtime', () => {
    // Prepare
    const runtime = Object.assign(functionError('States.Runtime', 'bad path'), { isRetryable: false });

    // Act / Assess
    expect(errorMatches('States.TaskFailed', 'ThrottledError')).toBe(true);
    expect(errorMatches('States.TaskFailed', 'States.HeartbeatTimeout')).toBe(true);
    expect(errorMatches('States.TaskFailed', 'States.Timeout')).toBe(false);
    expect(errorMatches('States.ALL', 'States.Timeout')).toBe(true);
    expect(retryDelay([{ ErrorEquals: ['States.ALL'] }], [0], runtime)).toBeUndefined();
  });
});

describe('engine states around handlers', () => {
  it('run Parallel branches and retry a failed Parallel in state-machine time', async () => {
    // Prepare: the first call of `a` fails; the Parallel state retries both branches.
    let aCalls = 0;
    const a = () => {
      aCalls++;
      if (aCalls === 1) throw functionError('ThrottledError', 'slow down');
      return 'a';
    };
    const { runner } = runnerWith({ a, b: () => 'b' }, []);
    const branch = (fn: string) => ({ StartAt: fn, States: { [fn]: { Type: 'Task', Resource: `arn:aws:lambda:us-east-1:000000000000:function:${fn}`, End: true } } });
    const definition = JSON.stringify({
      StartAt: 'Both',
      States: {
        Both: { Type: 'Parallel', Branches: [branch('a'), branch('b')], Retry: [{ ErrorEquals: ['ThrottledError'], IntervalSeconds: 60 }], Next: 'Name' },
        Name: { Type: 'Pass', InputPath: '$$.State.Name', End: true },
      },
    });
    const { stateMachineArn } = runner.register({ name: 'parallel', definition });

    // Act
    const { executionArn } = await runner.start(stateMachineArn);
    const result = await runner.waitForCompletion(executionArn);

    // Assess: a Pass without Parameters stays with the engine and still reads its own name.
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: '"Name"' });
    expect(aCalls).toBe(2);
    const history = runner.history(executionArn).map((e) => e.type);
    expect(history).toContain('ParallelStateFailed');
    expect(history.filter((t) => t === 'ParallelStateSucceeded')).toHaveLength(1);
  });
});

describe('lambdaFunctionName', () => {
  it('finds the function in names, ARNs and partial ARNs, with or without qualifier', () => {
    expect(['apply', 'apply:live', '123456789012:function:apply', 'arn:aws:lambda:eu-west-1:123456789012:function:apply:$LATEST'].map(lambdaFunctionName)).toEqual([
      'apply',
      'apply',
      'apply',
      'apply',
    ]);
  });
});
