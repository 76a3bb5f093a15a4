/**
 * The tasks' configuration, read once per container from the environment (runtime/env.ts
 * helpers: a malformed value fails the cold start naming the variable). Defaults are the
 * choices docs/cost.md explains.
 */
import type { TaskConfig } from '#functions/app/tasks/ports.ts';
import { numberEnv } from '#functions/runtime/env.ts';

/** The defaults, also what tests start from. */
export const DEFAULT_TASK_CONFIG: Readonly<TaskConfig> = Object.freeze({
  /** 15 minutes: renewed by every task (at least every 30 s + the watch while a rollout is checked). */
  lockLeaseSeconds: 900,
  targetConcurrency: 4,
  /** docs/cost.md: a fast rollout is seen as it ends; longer watches cost more Lambda time than the loops they save. */
  checkWatchSeconds: 5,
  /** docs/cost.md: a rollout done within seconds (a config change, pods that start fast) ends in apply, saving a Wait and a check. */
  applyWatchSeconds: 2,
  /** Left of a Lambda's time to write results and the task log after the work. */
  invocationMarginMs: 5_000,
});

type Env = Record<string, string | undefined>;

export function taskConfig(env: Env = process.env): TaskConfig {
  return {
    lockLeaseSeconds: numberEnv('LOCK_LEASE_SECONDS', DEFAULT_TASK_CONFIG.lockLeaseSeconds, env),
    targetConcurrency: numberEnv('TARGET_CONCURRENCY', DEFAULT_TASK_CONFIG.targetConcurrency, env),
    checkWatchSeconds: numberEnv('CHECK_WATCH_SECONDS', DEFAULT_TASK_CONFIG.checkWatchSeconds, env),
    applyWatchSeconds: numberEnv('APPLY_WATCH_SECONDS', DEFAULT_TASK_CONFIG.applyWatchSeconds, env),
    invocationMarginMs: DEFAULT_TASK_CONFIG.invocationMarginMs,
  };
}
