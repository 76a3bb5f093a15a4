/**
 * Exit codes of every `conveyor` command, the same as `conveyor apply` has always had. They come
 * from the error categories (functions/domain/errors.ts ERROR_CATEGORIES): 2 is the user's to fix
 * (bad input, an unknown name, a conflict), 3 is the service's or the credentials' (refused,
 * unreachable, failing), 1 is a deployment or check that ran and failed.
 */
export const EXIT = {
  /** Done. */
  done: 0,
  /** A rollout or deployment failed, was cancelled, or did not finish in time; a check found a problem. */
  failed: 1,
  /** Bad flags, files or names: nothing was changed. */
  badInput: 2,
  /** Credentials refused, a cluster or the API unreachable or failing. */
  unavailable: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
