/**
 * Retries for every request to a cluster — reads, discovery, dry runs, server-side applies,
 * namespace creation, deletes. Server-side apply is idempotent (the same body yields the same
 * object), a create answered 409 means it exists, a delete answered 404 means it is gone: so
 * writes are as safe to repeat as reads. Only `unavailable` errors are retried (429, 5xx,
 * timeouts, resets, dropped connections), with exponential backoff and jitter, waiting at
 * least what Retry-After announces, and never past the step's deadline: when the next attempt
 * could not finish in time, the step ends now with a DeadlineExceededError naming the last
 * failure.
 */

import type { Deadline } from '#domain/deadline.ts';
import { ClusterUnavailableError, categoryOf, DeadlineExceededError, type DeployError, ERROR_CATEGORIES } from '#domain/errors.ts';

export type RetryPolicy = {
  /** Total attempts, the first included; 1 disables retries. The deadline may end them sooner. */
  attempts: number;
  /** First backoff; doubles per attempt, with jitter (half to all of it). */
  baseDelayMs: number;
  /** Cap on the exponential backoff. */
  maxDelayMs: number;
  /** Cap on an announced Retry-After (a server asking for an hour is not waited for). */
  maxRetryAfterMs?: number;
};

/**
 * 12 attempts with a 5 s cap spread over ~40 s: at 50% of requests failing, one request in
 * 4,000 still fails after all of them; at 20%, one in 250 million.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 12, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };
/** Time an attempt needs at least; with less left before the deadline, there is no point starting it. */
export const MIN_ATTEMPT_MS = 250;

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export type RetryOptions = { sleep?: Sleep; deadline?: Deadline; random?: () => number };

/** The wait before attempt `attempt + 1`: jittered exponential backoff, at least Retry-After. */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterSeconds: number | undefined, random: () => number = Math.random): number {
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.5 + random() / 2);
  if (retryAfterSeconds === undefined) return backoff;
  return Math.max(backoff, Math.min(retryAfterSeconds * 1000, policy.maxRetryAfterMs ?? Infinity));
}

/** Runs `call`, retrying `unavailable` failures as the file comment says. */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy, options: RetryOptions = {}): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      // A deadline already passed is final, though its category says "unavailable".
      if (!ERROR_CATEGORIES[categoryOf(error)].retryable || error instanceof DeadlineExceededError) throw error;
      const failure = error as DeployError & { retryAfterSeconds?: number };
      const delay = retryDelayMs(attempt, policy, failure.retryAfterSeconds, options.random);
      const deadline = options.deadline;
      if (deadline && deadline.remainingMs() < delay + MIN_ATTEMPT_MS) {
        throw new DeadlineExceededError(`${failure.message} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}: the deadline of ${deadline.describe()} leaves no time for another)`, {
          cause: error,
        });
      }
      if (attempt >= policy.attempts) {
        if (attempt === 1) throw error;
        throw new ClusterUnavailableError(`${failure.message} (gave up after ${attempt} attempts)`, failure.retryAfterSeconds, { cause: error });
      }
      await sleep(delay);
    }
  }
}
