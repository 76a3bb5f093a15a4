/**
 * What the state machines' tasks need beyond the application's deps (AppDeps): a way to reach a
 * target's cluster, a way to run a kubectl script against it, a read-through cache of secret
 * values, and their configuration. Adapters implement the ports
 * (functions/adapters/kubernetes/cluster-factory.ts, script-runner.ts); tests wrap or fake them.
 */
import type { Deadline } from '#domain/deadline.ts';
import type { Target as EngineTarget } from '#domain/model.ts';
import type { ClusterClient } from '#domain/ports.ts';
import type { SecretSource } from '#domain/secrets.ts';
import type { AppDeps } from '../context.ts';

/** A cluster client for one invocation; closed when the task is done with it. */
export type ConnectedCluster = ClusterClient & { close(): Promise<void> };

/** A kubeconfig with the target's credentials in it, and those credentials (to mask in script output). */
export type ScriptKubeconfig = { text: string; secrets: string[] };

export interface ClusterConnector {
  /** A client for `target`; no request outlives `deadline`. Throws domain errors only. */
  connect(target: EngineTarget, deadline: Deadline): Promise<ConnectedCluster>;
  /** An authenticated kubeconfig for kubectl (an EKS target gets a fresh token). */
  kubeconfig(target: EngineTarget): Promise<ScriptKubeconfig>;
}

/** What a script run produced; `output` is stdout and stderr interleaved, cut at the runner's bound. */
export type ScriptRun = {
  exitCode: number | null;
  /** The script ran past its time and was killed. */
  timedOut: boolean;
  output: string;
  /** Bytes of output beyond the bound that were dropped. */
  droppedBytes: number;
};

export interface ScriptRunner {
  /**
   * Runs `script` with `sh`, kubectl on the PATH and KUBECONFIG pointing at a private copy of
   * `kubeconfig` that is removed afterwards; stops it after `timeoutMs`.
   */
  run(script: string, kubeconfig: string, timeoutMs: number): Promise<ScriptRun>;
}

/** The tasks' configuration, read once per container (functions/handlers/tasks/config.ts). */
export type TaskConfig = {
  /** Lease of the project × environment lock; every task of a running deployment renews it. */
  lockLeaseSeconds: number;
  /** Targets of one step deployed at once (the Map's MaxConcurrency). */
  targetConcurrency: number;
  /** How long check-rollout watches before it returns (bounded by the Lambda's remaining time). */
  checkWatchSeconds: number;
  /** How long apply watches the rollout it started: one that is done at once needs no Wait and no check. */
  applyWatchSeconds: number;
  /** Left of a Lambda's time when a task must be done, so it ends before Lambda kills it. */
  invocationMarginMs: number;
};

/** Everything a task use case is given. */
export type TaskDeps = AppDeps & {
  clusters: ClusterConnector;
  scripts: ScriptRunner;
  /** Secret values through a per-container cache (account credentials, sensitive variables). */
  secretValues: SecretSource;
  config: TaskConfig;
};

/** One Lambda invocation as a task sees it. */
export type Invocation = {
  /** When the invocation must be over (the Lambda's remaining time less the margin). */
  deadline: Deadline;
  /** The Lambda request id, for messages that send a person to the log. */
  requestId: string;
};
