/**
 * Rules for the workload controllers (ROLLOUT-RULES.md table): Deployment, StatefulSet,
 * DaemonSet, ReplicaSet and Job. Each reads the LIVE object: `spec.replicas` is whatever the
 * cluster holds now (an autoscaler may have changed it, rule 3), and no status field is read
 * before the controller has observed the current generation (rule 2).
 */
import type { Manifest, ObjectHealth } from '../model.ts';
import { conditionOf, count, degraded, healthy, isConditionTrue, progressing, staleGeneration, suspended } from './status.ts';

/** The API default for `spec.replicas` when a workload omits it. */
export const DEFAULT_REPLICAS = 1;
export const REASON_PROGRESS_DEADLINE = 'ProgressDeadlineExceeded';
export const REASON_PAUSED = 'Paused';
export const REASON_SUSPENDED = 'Suspended';
const ON_DELETE = 'OnDelete';

/** Mirrors `kubectl rollout status deployment` and gitops-engine's deployment check. */
export function deploymentHealth(object: Manifest): ObjectHealth {
  if (object.spec?.paused === true) return suspended(object, 'rollout is paused', REASON_PAUSED);
  const stale = staleGeneration(object, true);
  if (stale) return stale;
  const progress = conditionOf(object, 'Progressing');
  if (progress?.reason === REASON_PROGRESS_DEADLINE) return degraded(object, REASON_PROGRESS_DEADLINE, progress.message);

  const desired = count(object.spec?.replicas, DEFAULT_REPLICAS);
  const updated = count(object.status?.updatedReplicas);
  const total = count(object.status?.replicas);
  const available = count(object.status?.availableReplicas);
  if (updated < desired) return progressing(object, `${updated} of ${desired} new replicas have been updated`);
  if (total > updated) return progressing(object, `${total - updated} old replicas are pending termination`);
  if (available < updated) return progressing(object, `${available} of ${updated} updated replicas are available`);
  return healthy(object, `${available} of ${desired} replicas available`);
}

/** StatefulSets have no failure condition: only the step's deadline fails them. */
export function statefulSetHealth(object: Manifest): ObjectHealth {
  const stale = staleGeneration(object, true);
  if (stale) return stale;
  const desired = count(object.spec?.replicas, DEFAULT_REPLICAS);
  const ready = count(object.status?.readyReplicas);
  if (ready < desired) return progressing(object, `${ready} of ${desired} pods are ready`);

  const strategy = object.spec?.updateStrategy;
  // OnDelete: the controller never replaces pods by itself, so there is no rollout to wait for.
  if (strategy?.type === ON_DELETE) return healthy(object, 'update strategy OnDelete: pods are replaced only when deleted');
  const partition = strategy?.rollingUpdate?.partition;
  if (typeof partition === 'number') {
    const updated = count(object.status?.updatedReplicas);
    const wanted = desired - partition;
    if (updated < wanted) return progressing(object, `partitioned rollout: ${updated} of ${wanted} pods updated`);
    return healthy(object, `partitioned rollout complete: ${updated} pods updated`);
  }
  const { updateRevision, currentRevision } = object.status ?? {};
  if (updateRevision !== currentRevision) {
    return progressing(object, `waiting for pods to move to revision ${String(updateRevision)} (current ${String(currentRevision)})`);
  }
  return healthy(object, `${ready} of ${desired} pods ready at revision ${String(currentRevision)}`);
}

/** DaemonSets have no failure condition: only the step's deadline fails them. */
export function daemonSetHealth(object: Manifest): ObjectHealth {
  const stale = staleGeneration(object, true);
  if (stale) return stale;
  if (object.spec?.updateStrategy?.type === ON_DELETE) return healthy(object, 'update strategy OnDelete: pods are replaced only when deleted');
  const desired = count(object.status?.desiredNumberScheduled);
  const updated = count(object.status?.updatedNumberScheduled);
  const available = count(object.status?.numberAvailable);
  if (updated < desired) return progressing(object, `${updated} of ${desired} scheduled pods are updated`);
  if (available < desired) return progressing(object, `${available} of ${desired} updated pods are available`);
  return healthy(object, `${available} of ${desired} pods available`);
}

export function replicaSetHealth(object: Manifest): ObjectHealth {
  const stale = staleGeneration(object, true);
  if (stale) return stale;
  const failure = conditionOf(object, 'ReplicaFailure');
  if (failure?.status === 'True') return degraded(object, failure.reason ?? 'ReplicaFailure', failure.message);
  const desired = count(object.spec?.replicas, DEFAULT_REPLICAS);
  const available = count(object.status?.availableReplicas);
  if (available < desired) return progressing(object, `${available} of ${desired} replicas available`);
  return healthy(object, `${available} of ${desired} replicas available`);
}

/**
 * Jobs: whether to wait for completion is a step option (Octopus "wait for Jobs"). Without
 * it a Job is done once applied, whatever it does later, so the outcome does not depend on
 * how fast the first status read happens to be.
 */
export function jobHealth(object: Manifest, waitForJobs: boolean): ObjectHealth {
  if (!waitForJobs) return healthy(object, 'applied (not waiting for Jobs to complete)');
  const failed = conditionOf(object, 'Failed');
  if (failed?.status === 'True') return degraded(object, failed.reason ?? 'Failed', failed.message);
  if (isConditionTrue(object, 'Complete')) return healthy(object, `completed (${count(object.status?.succeeded)} succeeded)`);
  if (object.spec?.suspend === true) return suspended(object, 'job is suspended', REASON_SUSPENDED);
  const active = count(object.status?.active);
  const succeeded = count(object.status?.succeeded);
  const completions = count(object.spec?.completions, 1);
  return progressing(object, `${active} active, ${succeeded} of ${completions} completions succeeded`);
}
