import { describe, expect, it } from 'vitest';
import { runnerWith } from './fake-lambda.ts';

const FIRST_WAIT_SECONDS = 2;
const MAX_WAIT_SECONDS = 30;
const MS_PER_SECOND = 1000;

/**
 * apply / check-rollout as docs/state-machines.md describes them (waitSeconds 2, 4, 8, ... capped
 * at 30), reduced to a clock: each check watches the objects for `watchSeconds` (0 if absent),
 * the rollout is done once waits and watches add up to `rolloutSeconds` (or failed after
 * `failAfterChecks` checks). The elapsed time travels in the state, so the number of loops does
 * not depend on how busy the machine is.
 */
const rolloutFunctions = {
  apply: (p: any) => ({ ...p, elapsedSeconds: 0, checks: 0, waitSeconds: FIRST_WAIT_SECONDS, status: 'progressing' }),
  'check-rollout': (p: any) => {
    const elapsedSeconds = p.elapsedSeconds + p.waitSeconds + (p.watchSeconds ?? 0);
    const checks = p.checks + 1;
    if (checks === p.failAfterChecks) return { ...p, elapsedSeconds, checks, status: 'failed', reason: 'Deployment "web" exceeded its progress deadline' };
    const status = elapsedSeconds >= p.rolloutSeconds ? 'done' : 'progressing';
    return { ...p, elapsedSeconds, checks, waitSeconds: Math.min(p.waitSeconds * 2, MAX_WAIT_SECONDS), status };
  },
};

describe('Wait loop (check → Choice → Wait with a growing, capped SecondsPath)', () => {
  // Transitions: Apply, Progress, then per check Wait + CheckRollout + Progress, then TargetDone: 3 + 3 × checks.
  // No watch, 2 min: waits 2+4+8+16+30+30+30 = 120 s, 7 checks, 24 transitions.
  // No watch, 10 min: waits 2+4+8+16 + 19 × 30 = 600 s, 23 checks, 72 transitions.
  // A 20 s watch per check, 2 min: 22+24+28+36+50 >= 120 s, 5 checks, 18 transitions.
  // A 20 s watch per check, 10 min: 22+24+28+36 + 10 × 50 >= 600 s, 14 checks, 45 transitions.
  it.each([
    { rolloutSeconds: 120, watchSeconds: 0, checks: 7, transitions: 24 },
    { rolloutSeconds: 600, watchSeconds: 0, checks: 23, transitions: 72 },
    { rolloutSeconds: 120, watchSeconds: 20, checks: 5, transitions: 18 },
    { rolloutSeconds: 600, watchSeconds: 20, checks: 14, transitions: 45 },
  ])('a $rolloutSeconds s rollout, checks watching $watchSeconds s, makes $transitions transitions', async ({ rolloutSeconds, watchSeconds, checks, transitions }) => {
    // Prepare: 1 ms of real time per second of state-machine time (an unscaled loop of up to
    // 600 s would outlast the test's timeout; how fast the scaled one runs is no assertion).
    const { runner, arn } = runnerWith(rolloutFunctions, ['rollout'], 1 / MS_PER_SECOND);

    // Act
    const { executionArn } = await runner.start(arn['rollout']!, JSON.stringify({ rolloutSeconds, watchSeconds }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output!);
    expect(output).toMatchObject({ status: 'done', checks });
    expect(output.elapsedSeconds).toBeGreaterThanOrEqual(rolloutSeconds);
    expect(runner.transitions(executionArn)).toBe(transitions);
    expect(runner.history(executionArn).filter((e) => e.type === 'WaitStateEntered')).toHaveLength(checks);
    // The waits took their full length in state-machine time.
    const waitedSeconds = output.elapsedSeconds - checks * watchSeconds;
    expect(result.stopDate!.getTime() - result.startDate.getTime()).toBeGreaterThanOrEqual(waitedSeconds * MS_PER_SECOND);
  });

  it('ends in the Fail state with its error and the check-rollout reason as cause', async () => {
    // Prepare
    const { runner, arn } = runnerWith(rolloutFunctions, ['rollout']);

    // Act
    const { executionArn } = await runner.start(arn['rollout']!, JSON.stringify({ rolloutSeconds: 600, failAfterChecks: 3 }));
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'RolloutFailedError', cause: 'Deployment "web" exceeded its progress deadline' });
    expect(runner.transitions(executionArn)).toBe(2 + 3 * 3 + 1);
  });

  it('records a history in the shape of GetExecutionHistory', async () => {
    // Prepare
    const { runner, arn } = runnerWith(rolloutFunctions, ['rollout']);

    // Act
    const { executionArn } = await runner.start(arn['rollout']!, JSON.stringify({ rolloutSeconds: 6 }));
    await runner.waitForCompletion(executionArn);
    const history = runner.history(executionArn);

    // Assess: ids 1..n, each linked to the one before, in time order.
    expect(history.map((e) => e.id)).toEqual(history.map((_, i) => i + 1));
    expect(history.map((e) => e.previousEventId)).toEqual(history.map((_, i) => i));
    for (const [i, event] of history.entries()) {
      expect(event.timestamp).toBeInstanceOf(Date);
      if (i > 0) expect(event.timestamp!.getTime()).toBeGreaterThanOrEqual(history[i - 1]!.timestamp!.getTime());
    }
    const described = history.map((e) => [e.type, e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name].filter(Boolean).join(' '));
    const task = (name: string) => [`TaskStateEntered ${name}`, 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', `TaskStateExited ${name}`];
    const progress = ['ChoiceStateEntered Progress', 'ChoiceStateExited Progress'];
    const loop = [...progress, 'WaitStateEntered WaitBeforeCheck', 'WaitStateExited WaitBeforeCheck', ...task('CheckRollout')];
    expect(described).toEqual(['ExecutionStarted', ...task('Apply'), ...loop, ...loop, ...progress, 'SucceedStateEntered TargetDone', 'SucceedStateExited TargetDone', 'ExecutionSucceeded']);
    const wait = history.find((e) => e.type === 'WaitStateEntered')!;
    expect(wait.stateEnteredEventDetails).toEqual({ name: 'WaitBeforeCheck', input: expect.any(String), inputDetails: { truncated: false } });
    expect(JSON.parse(wait.stateEnteredEventDetails!.input!)).toMatchObject({ waitSeconds: FIRST_WAIT_SECONDS });
    expect(history[0]!.executionStartedEventDetails).toEqual({ input: '{"rolloutSeconds":6}', inputDetails: { truncated: false }, roleArn: expect.stringMatching(/^arn:aws:iam::/) });
  });
});

describe('execution TimeoutSeconds', () => {
  it('ends a run that outlives it as TIMED_OUT, in state-machine time', async () => {
    // Prepare: TimeoutSeconds 60 before a Wait of an hour.
    const { runner, arn } = runnerWith({}, ['timeout']);

    // Act
    const { executionArn } = await runner.start(arn['timeout']!);
    const result = await runner.waitForCompletion(executionArn);

    // Assess
    expect(result).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(
      runner
        .history(executionArn)
        .slice(-2)
        .map((e) => e.type),
    ).toEqual(['WaitStateAborted', 'ExecutionTimedOut']);
  });
});
