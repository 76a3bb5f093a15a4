/**
 * The application layer: use cases over the domain's ports (no vendor imports). Each use case
 * takes `AppDeps` — built once per Lambda container by the composition root
 * (functions/runtime/deps.ts), or from fakes in tests — and the `Caller` of the request.
 */

import { type Action, decide, denied } from '#domain/pipeline/authorization.ts';
import type { ClusterProbe } from '#domain/pipeline/cluster-probe.ts';
import type { AuditEntry, AuditValue, PrincipalArn } from '#domain/pipeline/model.ts';
import type { EventPublisher, PipelineStores, Workflows } from '#domain/pipeline/ports.ts';
import type { SecretStore } from '#domain/secrets.ts';

export type AppDeps = {
  stores: PipelineStores;
  secrets: SecretStore;
  workflows: Workflows;
  events: EventPublisher;
  clock: () => Date;
  newId: () => string;
  /**
   * Connects to a target's cluster to check it (`POST /targets/{targetId}/health`). Optional:
   * only the targets function is given one (need `clusters`); the use case says so when absent.
   */
  clusterProbe?: ClusterProbe;
};

/** Who asked, as API Gateway's IAM authorizer reported it, and the request to tie audit events to. */
export type Caller = {
  /** The principal role bindings name (a role for an assumed-role session). */
  principalArn: PrincipalArn;
  /** The exact caller (the session), recorded in audit events. */
  callerArn: PrincipalArn;
  /** API Gateway's request id, or the execution ARN for the pipeline's own actions. */
  requestId: string;
};

/**
 * Checks that `caller` may do `action` (in `environmentId` for scoped actions); a denial is
 * audited (`access.denied`, naming the action and the subject) and thrown as ForbiddenError.
 */
export async function authorize(deps: AppDeps, caller: Caller, action: Action, subject: string, environmentId?: string): Promise<void> {
  const binding = await deps.stores.roles.find(caller.principalArn);
  const decision = decide(binding, action, environmentId);
  if (decision.allowed) return;
  await deps.stores.audit.append({
    actorArn: caller.callerArn,
    action: 'access.denied',
    subject,
    requestId: caller.requestId,
    details: { action, ...(environmentId ? { environment: environmentId } : {}), reason: decision.reason },
  });
  throw denied(caller.principalArn, decision.reason);
}

/** Appends the audit event of a state-changing action the caller did. Details name things, never secrets. */
export function audit(deps: AppDeps, caller: Caller, action: string, subject: string, details: { [key: string]: AuditValue } = {}): Promise<unknown> {
  const entry: AuditEntry = { actorArn: caller.callerArn, action, subject, requestId: caller.requestId, details };
  return deps.stores.audit.append(entry);
}
