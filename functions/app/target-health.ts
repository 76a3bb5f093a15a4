/**
 * `POST /targets/{targetId}/health`: connect to the target as a deployment would — its stored
 * URL, namespace, TLS settings, and its account with the secret read now — and report what the
 * cluster says: reachable, authenticated, server version, the user it sees, and what the
 * account may do in the target's namespace (the verbs a deployment needs). Whatever goes wrong
 * past "the target exists" is the answer (200 with `reachable: false` and a reason), not an
 * error, and no reason carries a secret: the adapter redacts, and so does this use case with the
 * account's own values. The check is audited (`target.check`): it uses stored credentials.
 */
import { DeployError } from '#domain/errors.ts';
import { accountSecretValues, type Target as EngineTarget } from '#domain/model.ts';
import type { PermissionAnswer, PermissionQuestion } from '#domain/pipeline/cluster-probe.ts';
import { CorruptDataError } from '#domain/pipeline/errors.ts';
import { Redactor } from '#domain/redactor.ts';
import { engineTarget as resolveEngineTarget } from './account-material.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { subjectOf } from './references.ts';

/** The whole check ends within this, whatever the cluster does: a person is waiting for the answer. */
export const HEALTH_TIMEOUT_MS = 10_000;
/** Secret values shorter than this are not searched for in reasons (they would blank ordinary words). */
const MIN_REDACTED_LENGTH = 6;

/**
 * What a deployment does in a namespace: server-side apply of workloads and their config
 * (`patch`, which creates too; `create` for the first apply on clusters that check it), reads and
 * watches for rollout checks, deletes for blue/green clean-up.
 */
export const DEPLOYER_QUESTIONS: readonly PermissionQuestion[] = [
  { verb: 'get', resource: 'pods' },
  { verb: 'list', resource: 'pods' },
  { verb: 'watch', resource: 'pods' },
  { verb: 'list', resource: 'events' },
  { verb: 'get', resource: 'deployments', group: 'apps' },
  { verb: 'create', resource: 'deployments', group: 'apps' },
  { verb: 'patch', resource: 'deployments', group: 'apps' },
  { verb: 'delete', resource: 'deployments', group: 'apps' },
  { verb: 'list', resource: 'replicasets', group: 'apps' },
  { verb: 'patch', resource: 'services' },
  { verb: 'patch', resource: 'configmaps' },
  { verb: 'patch', resource: 'secrets' },
  { verb: 'patch', resource: 'ingresses', group: 'networking.k8s.io' },
  { verb: 'patch', resource: 'jobs', group: 'batch' },
];

/** What an admin target may do besides: cluster-scoped objects. */
export const ADMIN_QUESTIONS: readonly PermissionQuestion[] = [
  { verb: 'create', resource: 'namespaces' },
  { verb: 'patch', resource: 'customresourcedefinitions', group: 'apiextensions.k8s.io' },
  { verb: 'patch', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' },
];

/** The answer of a health check. */
export type TargetHealth = {
  targetId: string;
  checkedAt: string;
  reachable: boolean;
  authenticated: boolean;
  serverVersion?: string;
  authenticatedAs?: string;
  /** The namespace the permissions were asked for; absent for an admin target without one (cluster scope). */
  namespace?: string;
  permissions: PermissionAnswer[];
  /** Why the check stopped short, redacted. */
  reason?: string;
};

function unwired(): never {
  throw new Error('this function was not given a cluster probe (need "clusters"); only the targets function checks clusters');
}

/** @throws NotFoundError (the target), ForbiddenError; everything else is in the answer */
export async function checkTargetHealth(deps: AppDeps, caller: Caller, targetId: string): Promise<TargetHealth> {
  const subject = subjectOf('target', targetId);
  await authorize(deps, caller, 'checkTarget', subject);
  const target = await deps.stores.targets.get(targetId);
  const probe = deps.clusterProbe ?? unwired();
  const checkedAt = deps.clock().toISOString();
  const base = { targetId, checkedAt, ...(target.namespace ? { namespace: target.namespace } : {}) };

  let health: TargetHealth;
  let engineTarget: EngineTarget | undefined;
  try {
    engineTarget = await resolveEngineTarget(target, await deps.stores.accounts.get(target.accountId), deps.secrets);
  } catch (error) {
    // A missing account or an unreadable secret: the target cannot be checked as configured.
    // Only our own errors are shown (their messages name things, never values); faults of the
    // store or the secret service stay errors (5xx), as they say nothing about the target.
    const reportable = error instanceof CorruptDataError || (error instanceof DeployError && error.category !== 'internal' && error.category !== 'unavailable');
    if (!reportable) throw error;
    health = { ...base, reachable: false, authenticated: false, permissions: [], reason: `the account could not be used: ${error.message}` };
  }
  if (engineTarget) {
    const questions = target.admin ? [...DEPLOYER_QUESTIONS, ...ADMIN_QUESTIONS] : DEPLOYER_QUESTIONS;
    const report = await probe.probe(engineTarget, { namespace: target.namespace, questions, timeoutMs: HEALTH_TIMEOUT_MS });
    const redactor = new Redactor(accountSecretValues(engineTarget.account), { minLength: MIN_REDACTED_LENGTH });
    health = {
      ...base,
      reachable: report.reachable,
      authenticated: report.authenticated,
      ...(report.serverVersion ? { serverVersion: report.serverVersion } : {}),
      ...(report.authenticatedAs ? { authenticatedAs: report.authenticatedAs } : {}),
      permissions: report.permissions,
      ...(report.reason ? { reason: redactor.text(report.reason) } : {}),
    };
  }
  await audit(deps, caller, 'target.check', subject, {
    account: target.accountId,
    reachable: health!.reachable,
    authenticated: health!.authenticated,
    ...(health!.serverVersion ? { serverVersion: health!.serverVersion } : {}),
  });
  return health!;
}
