/**
 * Checking a target before anything is deployed to it: can the cluster be reached, do the
 * account's credentials authenticate, which server version answers, and what may the account
 * do in the target's namespace. The API's `POST /targets/{targetId}/health` asks this port;
 * the Kubernetes adapter (functions/adapters/kubernetes/probe.ts) answers it, and
 * fake-cluster-probe.ts stands in for it in unit tests.
 *
 * A probe never throws for what the cluster does (refused connection, bad certificate,
 * rejected credentials): those are the answer, in `reason`. Reasons are redacted by the
 * adapter (no credential, no server text carrying one).
 */
import type { Target } from '../model.ts';

/** One question to the cluster's authorizer: may the account `verb` `resource` (in `group`) in the namespace? */
export type PermissionQuestion = {
  verb: string;
  /** Plural resource name: `deployments`, `pods`. */
  resource: string;
  /** API group; the core group when absent. */
  group?: string;
};

/** The authorizer's answer to one question; `resource` is group-qualified as kubectl shows it (`deployments.apps`). */
export type PermissionAnswer = { verb: string; resource: string; allowed: boolean };

export type ProbeRequest = {
  /** Namespace the permissions are asked for; cluster scope when absent (an admin target without one). */
  namespace?: string;
  questions: readonly PermissionQuestion[];
  /** The whole probe ends within this many milliseconds, whatever the cluster does. */
  timeoutMs: number;
};

/** What a probe found. `reason` says why it stopped short, never with a secret in it. */
export type ProbeReport = {
  /** The API server answered (even if it refused the credentials). */
  reachable: boolean;
  /** The credentials were accepted (the version request was not answered 401). */
  authenticated: boolean;
  /** `v1.33.1`: the server's gitVersion, when it told. */
  serverVersion?: string;
  /** The user name the cluster sees (SelfSubjectReview), when the cluster serves it. */
  authenticatedAs?: string;
  /** One answer per question, in the order asked; empty when the probe stopped before asking. */
  permissions: PermissionAnswer[];
  /** Why the probe stopped short: unreachable, TLS not trusted, credentials refused, timed out. */
  reason?: string;
};

export interface ClusterProbe {
  /** Probes `target` (its account's secret material already resolved). Resolves with a report; throws only for bugs. */
  probe(target: Target, request: ProbeRequest): Promise<ProbeReport>;
}

/** `deployments.apps`, `pods`: how kubectl names a resource of a group. */
export function qualifiedResource(question: PermissionQuestion): string {
  return question.group ? `${question.resource}.${question.group}` : question.resource;
}
