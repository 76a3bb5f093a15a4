/**
 * withRetry: which failures are retried, how long it waits (backoff, jitter, Retry-After), and
 * that it never waits past the deadline. Time is a fake clock moved by the fake sleep.
 */
import { describe, expect, it } from 'vitest';
import { MIN_ATTEMPT_MS, type RetryPolicy, retryDelayMs, withRetry } from '#adapters/kubernetes/retry.ts';
import { Deadline } from '#domain/deadline.ts';
import { ClusterAccessError, ClusterUnavailableError, DeadlineExceededError, ObjectRejectedError } from '#domain/errors.ts';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 };

/** A clock that only moves when the code under test sleeps. */
function fakeTime() {
  let now = 1_000_000;
  const waits: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
    waits,
  };
}

/** Fails with `errors` in turn, then answers 'ok'. */
function failing(...errors: Error[]) {
  let calls = 0;
  return {
    call: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return 'ok';
    },
    get calls() {
      return calls;
    },
  };
}

describe('withRetry', () => {
  it('retries unavailable errors with doubling, jittered backoff until one succeeds', async () => {
    // Prepare
    const time = fakeTime();
    const target = failing(new ClusterUnavailableError('503'), new ClusterUnavailableError('reset'), new ClusterUnavailableError('429'));

    // Act
    const result = await withRetry(target.call, policy, { sleep: time.sleep });

    // Assess
    expect(result).toBe('ok');
    expect(target.calls).toBe(4);
    expect(time.waits).toHaveLength(3);
    [100, 200, 400].forEach((full, i) => {
      expect(time.waits[i]).toBeGreaterThanOrEqual(full / 2);
      expect(time.waits[i]).toBeLessThanOrEqual(full);
    });
  });

  it('waits at least what Retry-After announces, up to its cap', async () => {
    // Prepare
    const time = fakeTime();
    const target = failing(new ClusterUnavailableError('slow down', 2), new ClusterUnavailableError('slow down a lot', 3600));

    // Act
    await withRetry(target.call, policy, { sleep: time.sleep });

    // Assess
    expect(time.waits[0]).toBe(2_000);
    expect(time.waits[1]).toBe(5_000);
  });

  it('never retries input, access or unclassified errors', async () => {
    for (const error of [new ClusterAccessError('forbidden', 403), new ObjectRejectedError({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }, 'invalid', 422), new Error('bug')]) {
      // Prepare
      const time = fakeTime();
      const target = failing(error);

      // Act
      const outcome = withRetry(target.call, policy, { sleep: time.sleep });

      // Assess
      await expect(outcome).rejects.toBe(error);
      expect(target.calls).toBe(1);
      expect(time.waits).toEqual([]);
    }
  });

  it('gives up after the attempts with the last failure named', async () => {
    // Prepare
    const time = fakeTime();
    const target = failing(...Array.from({ length: 10 }, (_, i) => new ClusterUnavailableError(`down ${i + 1}`)));

    // Act
    const outcome = withRetry(target.call, policy, { sleep: time.sleep });

    // Assess
    await expect(outcome).rejects.toThrow('down 4 (gave up after 4 attempts)');
    expect(target.calls).toBe(4);
  });

  it('ends with DeadlineExceededError, without sleeping past the deadline, when no attempt fits', async () => {
    // Prepare
    const time = fakeTime();
    const deadline = Deadline.after(1_000, time.clock);
    const target = failing(...Array.from({ length: 50 }, () => new ClusterUnavailableError('busy', 1)));

    // Act
    const outcome = withRetry(target.call, { ...policy, attempts: 50 }, { sleep: time.sleep, deadline });

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(outcome).rejects.toThrow('busy (gave up after 1 attempt: the deadline of 1 s leaves no time for another)');
    expect(time.waits).toEqual([]);
    expect(time.clock()).toBeLessThanOrEqual(deadline.at);
  });

  it('keeps retrying while the deadline leaves room, more often than the attempt cap alone would', async () => {
    // Prepare
    const time = fakeTime();
    const deadline = Deadline.after(60_000, time.clock);
    const target = failing(...Array.from({ length: 3 }, () => new ClusterUnavailableError('flaky')));

    // Act
    const result = await withRetry(target.call, policy, { sleep: time.sleep, deadline });

    // Assess
    expect(result).toBe('ok');
    expect(deadline.remainingMs()).toBeGreaterThan(MIN_ATTEMPT_MS);
  });
});

describe('retryDelayMs', () => {
  it('caps the exponential part and applies jitter between half and all of it', () => {
    expect(retryDelayMs(1, policy, undefined, () => 0)).toBe(50);
    expect(retryDelayMs(1, policy, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(20, policy, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(1, policy, 3, () => 1)).toBe(3_000);
  });
});
