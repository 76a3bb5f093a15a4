/**
 * Deployment status, following kubernetes pkg/controller/deployment (sync.go
 * calculateStatus/syncDeploymentStatus, progress.go syncRolloutStatus): replica counts, the
 * Available and Progressing conditions, ReplicaFailure copied from the ReplicaSets, and the
 * requeue at the progress deadline. Status is written in one piece, so observedGeneration
 * only moves together with the replica counts computed for that generation.
 */
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context } from './context.ts';
import * as U from './deployment-util.ts';
import type { Reconciler } from './queue.ts';
import { canonicalJson, formatTime, getCondition, keyOf, omitZero, parseTime, removeCondition, setCondition } from './util.ts';

const STATUS_INT_FIELDS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const;
/** Re-check slightly after the progress deadline passes (timestamps have second precision). */
const DEADLINE_SLACK_MS = 10;

/** The current versions of the given ReplicaSets, skipping any that are gone or were replaced (other uid). */
export function freshReplicaSets(ctx: Context, rsType: ResourceType, rss: (KubeObject | undefined)[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const rs of rss) {
    const current = rs && ctx.cluster.tryGet(rsType, rs.metadata.namespace, rs.metadata.name!);
    if (current && current.metadata.uid === rs!.metadata.uid) out.push(current);
  }
  return out;
}

export class DeploymentStatusSync {
  constructor(
    private readonly ctx: Context,
    /** The deployment controller, requeued when a progress deadline would pass. */
    private readonly controller: Reconciler,
    private readonly deployType: ResourceType,
    private readonly rsType: ResourceType,
  ) {}

  syncDeploymentStatus(rss: (KubeObject | undefined)[], newRS: KubeObject | undefined, d: KubeObject): void {
    const all = this.fresh(rss);
    const status = this.finish(this.calculateStatus(all, newRS && this.fresh([newRS])[0], d));
    if (canonicalJson(status) !== canonicalJson(d.status ?? {})) this.ctx.writeStatus(this.deployType, d, status);
  }

  syncRolloutStatus(oldRSs: KubeObject[], newRS0: KubeObject | undefined, d: KubeObject): void {
    const newRS = newRS0 && this.fresh([newRS0])[0];
    const allRSs = this.fresh([...oldRSs, newRS]);
    const status = this.calculateStatus(allRSs, newRS, d);
    const deadline = U.progressDeadlineSeconds(d);
    if (deadline === undefined) removeCondition(status, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const isComplete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === U.REASON.newRSAvailable;
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    const time = this.time();
    if (deadline !== undefined && !isComplete) {
      if (U.deploymentComplete(d, status)) {
        setCondition(status, U.newCondition('Progressing', 'True', U.REASON.newRSAvailable, `${subject} has successfully progressed.`, time));
      } else if (U.deploymentProgressing(d, status)) {
        const condition = U.newCondition('Progressing', 'True', U.REASON.rsUpdated, `${subject} is progressing.`, time);
        if (current) {
          if (current.status === 'True' && current.lastTransitionTime) condition.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, 'Progressing');
        }
        setCondition(status, condition);
      } else if (U.deploymentTimedOut(d, status, this.ctx.now())) {
        setCondition(status, U.newCondition('Progressing', 'False', U.REASON.timedOut, `${subject} has timed out progressing.`, time));
      }
    }
    const failure = this.replicaFailure(allRSs, newRS);
    if (failure) setCondition(status, failure);
    else removeCondition(status, 'ReplicaFailure');
    const finished = this.finish(status);
    if (canonicalJson(finished) === canonicalJson(d.status ?? {})) return this.requeueStuck(d, finished);
    this.ctx.writeStatus(this.deployType, d, finished);
  }

  private calculateStatus(allRSs: KubeObject[], newRS: KubeObject | undefined, d: KubeObject): U.DeploymentStatus {
    const available = U.statusSum(allRSs, 'availableReplicas');
    const status: U.DeploymentStatus = {
      observedGeneration: d.metadata.generation,
      replicas: U.statusSum(allRSs, 'replicas'),
      updatedReplicas: U.statusSum([newRS], 'replicas'),
      readyReplicas: U.statusSum(allRSs, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, U.specReplicaSum(allRSs) - available),
      conditions: [...(d.status?.conditions ?? [])],
      collisionCount: d.status?.collisionCount,
    };
    const time = this.time();
    if (available >= U.replicasOf(d) - U.maxUnavailable(d)) setCondition(status, U.newCondition('Available', 'True', U.REASON.minAvailable, 'Deployment has minimum availability.', time));
    else setCondition(status, U.newCondition('Available', 'False', U.REASON.minUnavailable, 'Deployment does not have minimum availability.', time));
    return status;
  }

  private replicaFailure(allRSs: KubeObject[], newRS: KubeObject | undefined): ReturnType<typeof U.newCondition> | undefined {
    for (const rs of newRS ? [newRS, ...allRSs] : allRSs) {
      const c = getCondition(rs.status, 'ReplicaFailure');
      if (c) return { type: 'ReplicaFailure', status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message };
    }
    return undefined;
  }

  /** requeueStuckDeployment: look again when the progress deadline would pass. */
  private requeueStuck(d: KubeObject, status: U.DeploymentStatus): void {
    const deadline = U.progressDeadlineSeconds(d);
    const current = getCondition(d.status, 'Progressing');
    if (deadline === undefined || !current) return;
    if (U.deploymentComplete(d, status) || current.reason === U.REASON.timedOut) return;
    const from = parseTime(current.lastUpdateTime) ?? this.ctx.now();
    const after = from + deadline * 1000 - this.ctx.now();
    this.ctx.queue.after(this.controller, keyOf(d), Math.max(after, 0) + DEADLINE_SLACK_MS);
  }

  private finish(status: U.DeploymentStatus): U.DeploymentStatus {
    const out = omitZero(status as Record<string, unknown>, STATUS_INT_FIELDS) as U.DeploymentStatus;
    if (!out.conditions?.length) delete out.conditions;
    if (out.collisionCount === undefined) delete out.collisionCount;
    return out;
  }

  private fresh(rss: (KubeObject | undefined)[]): KubeObject[] {
    return freshReplicaSets(this.ctx, this.rsType, rss);
  }

  private time(): string {
    return formatTime(this.ctx.now());
  }
}
