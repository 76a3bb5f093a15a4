/**
 * Retries for idempotent reads (get, list, discovery): a blip of 429/5xx/reset should not fail a
 * rollout check. Writes are not retried here: the engine's state machine retries the apply step
 * on ClusterUnavailableError with its own backoff, and owns the attempt budget.
 */
import { ClusterUnavailableError } from '#domain/errors.ts';

export type RetryPolicy = {
  /** Total attempts, the first included; 1 disables retries. */
  attempts: number;
  /** First backoff; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** Cap on any single wait, Retry-After included. */
  maxDelayMs: number;
};

export const DEFAULT_READ_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 200, maxDelayMs: 2_000 };

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `call`, retrying while it throws ClusterUnavailableError (Retry-After honoured, capped). */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy, sleep: Sleep = realSleep): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ClusterUnavailableError) || attempt >= policy.attempts) throw error;
      const backoff = policy.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      const announced = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : backoff;
      await sleep(Math.min(announced, policy.maxDelayMs));
    }
  }
}
