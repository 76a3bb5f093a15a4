/**
 * Deployment controller, following kubernetes pkg/controller/deployment (sync.go, rolling.go,
 * recreate.go, progress.go): ReplicaSets named <deployment>-<pod-template-hash>, rolling
 * and recreate rollouts, proportional scaling, pause, revisions and rollback by template,
 * history cleanup, and the Progressing/Available conditions with the progress deadline.
 * Status (replica counts, conditions, progress deadline) is computed and written by
 * DeploymentStatusSync in deployment-status.ts.
 */
import { ApiError } from '../errors.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { DeploymentStatusSync, freshReplicaSets } from './deployment-status.ts';
import * as U from './deployment-util.ts';
import { computeHash } from './hash.ts';
import { controllerRefOf, formatTime, getCondition, int, isPodTerminal, keyOf, ownerReferenceTo, setCondition, splitKey } from './util.ts';

const COMPONENT = 'deployment-controller';

type Sets = { d: KubeObject; newRS: KubeObject | undefined; oldRSs: KubeObject[] };

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly watches: string[];
  private readonly deployType: ResourceType;
  private readonly rsType: ResourceType;
  private readonly dKey: string;
  private readonly rsKey: string;
  private readonly podKey: string;
  private readonly status: DeploymentStatusSync;

  constructor(private readonly ctx: Context) {
    this.deployType = ctx.type('apps', 'Deployment')!;
    this.rsType = ctx.type('apps', 'ReplicaSet')!;
    this.dKey = ctx.key('apps', 'Deployment')!;
    this.rsKey = ctx.key('apps', 'ReplicaSet')!;
    this.podKey = ctx.key('', 'Pod') ?? '/pods';
    this.watches = [this.dKey, this.rsKey, this.podKey];
    this.status = new DeploymentStatusSync(ctx, this, this.deployType, this.rsType);
  }

  start(): void {
    for (const d of this.ctx.cluster.store.list(this.dKey)) this.ctx.queue.add(this, keyOf(d));
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === this.dKey) return this.ctx.queue.add(this, keyOf(event.object));
    if (event.resource === this.rsKey) {
      for (const rs of [event.object, event.previous]) {
        const ref = rs && controllerRefOf(rs);
        if (ref?.kind === 'Deployment') this.ctx.queue.add(this, `${rs!.metadata.namespace}/${ref.name}`);
      }
      return;
    }
    // Recreate waits for old pods to be gone.
    if (event.type !== 'DELETED') return;
    const rsRef = controllerRefOf(event.object);
    const rs = rsRef?.kind === 'ReplicaSet' ? this.ctx.cache.getByUid(rsRef.uid) : undefined;
    const dRef = rs && controllerRefOf(rs);
    if (dRef?.kind === 'Deployment') this.ctx.queue.add(this, `${rs!.metadata.namespace}/${dRef.name}`);
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    let d = this.ctx.cluster.tryGet(this.deployType, namespace, name);
    if (!d) return;
    const rsList = this.ctx.cache.controlled(d.metadata.uid!, this.rsKey);
    if (d.metadata.deletionTimestamp) {
      const sets = this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
      return this.status.syncDeploymentStatus([...sets.oldRSs, sets.newRS], sets.newRS, sets.d);
    }
    d = this.checkPausedConditions(d);
    if (d.spec?.paused) return this.sync(d, rsList);
    const scaling = this.isScalingEvent(d, rsList);
    d = scaling.d;
    if (scaling.scaling) return this.sync(d, rsList);
    if (d.spec?.strategy?.type === 'Recreate') this.rolloutRecreate(d, rsList);
    else this.rolloutRolling(d, rsList);
  }

  // --- sync.go -------------------------------------------------------------------------

  private sync(d: KubeObject, rsList: KubeObject[]): void {
    const sets = this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    this.scale(sets.d, sets.newRS, sets.oldRSs);
    if (sets.d.spec?.paused) this.cleanupDeployment(sets.oldRSs, sets.d);
    this.status.syncDeploymentStatus([...sets.oldRSs, sets.newRS], sets.newRS, sets.d);
  }

  private checkPausedConditions(d: KubeObject): KubeObject {
    if (U.progressDeadlineSeconds(d) === undefined) return d;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === U.REASON.timedOut) return d;
    const pausedCondExists = cond?.reason === U.REASON.paused;
    const status = structuredClone(d.status ?? {});
    const time = this.time();
    if (d.spec?.paused && !pausedCondExists) setCondition(status, U.newCondition('Progressing', 'Unknown', U.REASON.paused, 'Deployment is paused', time));
    else if (!d.spec?.paused && pausedCondExists) setCondition(status, U.newCondition('Progressing', 'Unknown', U.REASON.resumed, 'Deployment is resumed', time));
    else return d;
    return this.ctx.writeStatus(this.deployType, d, status) ?? d;
  }

  private isScalingEvent(d: KubeObject, rsList: KubeObject[]): { d: KubeObject; scaling: boolean } {
    const sets = this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    for (const rs of U.activeReplicaSets([...sets.oldRSs, sets.newRS])) {
      const desired = rs.metadata.annotations?.[U.DESIRED_REPLICAS_ANNOTATION];
      if (desired !== undefined && Number(desired) !== U.replicasOf(sets.d)) return { d: sets.d, scaling: true };
    }
    return { d: sets.d, scaling: false };
  }

  private getAllReplicaSetsAndSyncRevision(d: KubeObject, rsList: KubeObject[], createIfNotExisted: boolean): Sets {
    const existingNew = U.findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existingNew);
    const result = this.getNewReplicaSet(d, existingNew, oldRSs, createIfNotExisted);
    return { d: result.d, newRS: result.newRS, oldRSs };
  }

  private getNewReplicaSet(d: KubeObject, existing: KubeObject | undefined, oldRSs: KubeObject[], create: boolean): { d: KubeObject; newRS: KubeObject | undefined } {
    const newRevision = U.maxRevision(oldRSs) + 1;
    const hasDeadline = U.progressDeadlineSeconds(d) !== undefined;
    if (existing) {
      const annotations = { ...(existing.metadata.annotations ?? {}) };
      const annotationsUpdated = U.setNewReplicaSetAnnotations(d, annotations, newRevision, true);
      const minReady = int(d.spec?.minReadySeconds, 0);
      if (annotationsUpdated || int(existing.spec?.minReadySeconds, 0) !== minReady) {
        const updated = this.ctx.writeObject(this.rsType, { ...existing, metadata: { ...existing.metadata, annotations }, spec: { ...existing.spec, minReadySeconds: minReady } });
        return { d, newRS: updated ?? existing };
      }
      let next = this.setDeploymentRevision(d, existing.metadata.annotations?.[U.REVISION_ANNOTATION]);
      if (hasDeadline && !getCondition(next.status, 'Progressing')) {
        const status = structuredClone(next.status ?? {});
        setCondition(status, U.newCondition('Progressing', 'True', U.REASON.foundNewRS, `Found new replica set "${existing.metadata.name}"`, this.time()));
        next = this.ctx.writeStatus(this.deployType, next, status) ?? next;
      }
      return { d: next, newRS: existing };
    }
    if (!create) return { d, newRS: undefined };

    const collisionCount: number | undefined = d.status?.collisionCount;
    const template = structuredClone(d.spec?.template ?? {});
    const hash = computeHash(template, collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [U.POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [U.POD_TEMPLATE_HASH_LABEL]: hash };
    const annotations: Record<string, string> = {};
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace, labels: { ...template.metadata.labels }, annotations, ownerReferences: [ownerReferenceTo(d)] },
      spec: { replicas: 0, minReadySeconds: int(d.spec?.minReadySeconds, 0), selector, template },
    };
    const newReplicas = this.newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec.replicas = newReplicas;
    U.setNewReplicaSetAnnotations(d, annotations, newRevision, false);

    let created: KubeObject;
    let alreadyExists = false;
    try {
      created = this.ctx.create(this.rsType, rs);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 409)) throw error;
      const found = this.ctx.cluster.tryGet(this.rsType, rs.metadata.namespace, rs.metadata.name!);
      if (found && controllerRefOf(found)?.uid === d.metadata.uid && U.equalIgnoreHash(d.spec?.template, found.spec?.template)) {
        created = found;
        alreadyExists = true;
      } else {
        // A hash collision: bump collisionCount so the next sync computes another name.
        this.ctx.writeStatus(this.deployType, d, { ...(d.status ?? {}), collisionCount: (collisionCount ?? 0) + 1 });
        throw error;
      }
    }
    if (!alreadyExists && newReplicas > 0) this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${newReplicas}`);
    let next = this.setDeploymentRevision(d, String(newRevision));
    if (!alreadyExists && hasDeadline) {
      const status = structuredClone(next.status ?? {});
      setCondition(status, U.newCondition('Progressing', 'True', U.REASON.newRSCreated, `Created new replica set "${created.metadata.name}"`, this.time()));
      next = this.ctx.writeStatus(this.deployType, next, status) ?? next;
    }
    return { d: next, newRS: created };
  }

  /** SetDeploymentRevision: the revision annotation lives in metadata, a separate write here. */
  private setDeploymentRevision(d: KubeObject, revision: string | undefined): KubeObject {
    if (revision === undefined || d.metadata.annotations?.[U.REVISION_ANNOTATION] === revision) return d;
    return this.ctx.writeObject(this.deployType, { ...d, metadata: { ...d.metadata, annotations: { ...(d.metadata.annotations ?? {}), [U.REVISION_ANNOTATION]: revision } } }) ?? d;
  }

  private newRSNewReplicas(d: KubeObject, allRSs: KubeObject[], newRS: KubeObject): number {
    if (!U.isRollingUpdate(d)) return U.replicasOf(d);
    const replicas = U.replicasOf(d);
    const maxTotal = replicas + U.maxSurge(d);
    const current = U.specReplicaSum(allRSs);
    if (current >= maxTotal) return U.rsReplicas(newRS);
    return U.rsReplicas(newRS) + Math.min(maxTotal - current, replicas - U.rsReplicas(newRS));
  }

  /** dc.scale: the only active set takes all replicas; otherwise scale proportionally. */
  private scale(d: KubeObject, newRS: KubeObject | undefined, oldRSs: KubeObject[]): void {
    const replicas = U.replicasOf(d);
    const activeOrLatest = this.findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (U.rsReplicas(activeOrLatest) !== replicas) this.scaleAndRecord(activeOrLatest, replicas, d);
      return;
    }
    if (newRS && newRS.metadata.annotations?.[U.DESIRED_REPLICAS_ANNOTATION] === String(replicas) && U.rsReplicas(newRS) === replicas && int(newRS.status?.availableReplicas, 0) === replicas) {
      for (const old of U.activeReplicaSets(oldRSs)) this.scaleAndRecord(old, 0, d);
      return;
    }
    if (!U.isRollingUpdate(d)) return;
    const all = U.activeReplicaSets([...oldRSs, newRS]);
    const allowed = replicas > 0 ? replicas + U.maxSurge(d) : 0;
    const toAdd = allowed - U.specReplicaSum(all);
    let operation = '';
    if (toAdd > 0) {
      all.sort((a, b) => U.rsReplicas(b) - U.rsReplicas(a) || -U.byCreation(a, b));
      operation = 'up';
    } else if (toAdd < 0) {
      all.sort((a, b) => U.rsReplicas(b) - U.rsReplicas(a) || U.byCreation(a, b));
      operation = 'down';
    }
    let added = 0;
    const sizes = new Map<string, number>();
    for (const rs of all) {
      if (toAdd === 0) {
        sizes.set(rs.metadata.name!, U.rsReplicas(rs));
        continue;
      }
      const proportion = this.proportion(rs, d, toAdd, added);
      sizes.set(rs.metadata.name!, U.rsReplicas(rs) + proportion);
      added += proportion;
    }
    all.forEach((rs, i) => {
      let size = sizes.get(rs.metadata.name!)!;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.scaleReplicaSet(rs, size, d, operation);
    });
  }

  private proportion(rs: KubeObject, d: KubeObject, toAdd: number, added: number): number {
    if (U.rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
    let fraction: number;
    if (U.replicasOf(d) === 0) fraction = -U.rsReplicas(rs);
    else {
      const deploymentReplicas = U.replicasOf(d) + U.maxSurge(d);
      const annotated = Number.parseInt(rs.metadata.annotations?.[U.MAX_REPLICAS_ANNOTATION] ?? '', 10);
      const base = Number.isNaN(annotated) ? int(d.status?.replicas, 0) : annotated;
      fraction = Math.round((U.rsReplicas(rs) * deploymentReplicas) / base) - U.rsReplicas(rs);
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  private findActiveOrLatest(newRS: KubeObject | undefined, oldRSs: KubeObject[]): KubeObject | undefined {
    if (!newRS && oldRSs.length === 0) return undefined;
    const sortedOld = [...oldRSs].sort((a, b) => -U.byCreation(a, b));
    const active = U.activeReplicaSets([...sortedOld, newRS]);
    if (active.length === 0) return newRS ?? sortedOld[0];
    return active.length === 1 ? active[0] : undefined;
  }

  // --- rolling.go / recreate.go ------------------------------------------------------------

  private rolloutRolling(d0: KubeObject, rsList: KubeObject[]): void {
    const { d, newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(d0, rsList, true);
    if (!newRS) return;
    if (this.reconcileNewReplicaSet([...oldRSs, newRS], newRS, d)) return this.status.syncRolloutStatus(oldRSs, newRS, d);
    if (this.reconcileOldReplicaSets(oldRSs, newRS, d)) return this.status.syncRolloutStatus(oldRSs, newRS, d);
    if (U.deploymentComplete(d, d.status ?? {})) this.cleanupDeployment(oldRSs, d);
    this.status.syncRolloutStatus(oldRSs, newRS, d);
  }

  private reconcileNewReplicaSet(allRSs: KubeObject[], newRS: KubeObject, d: KubeObject): boolean {
    const replicas = U.replicasOf(d);
    if (U.rsReplicas(newRS) === replicas) return false;
    if (U.rsReplicas(newRS) > replicas) return this.scaleAndRecord(newRS, replicas, d);
    return this.scaleAndRecord(newRS, this.newRSNewReplicas(d, allRSs, newRS), d);
  }

  private reconcileOldReplicaSets(oldRSs0: KubeObject[], newRS: KubeObject, d: KubeObject): boolean {
    let oldRSs = this.fresh(oldRSs0);
    const fresh = this.fresh([newRS])[0] ?? newRS;
    if (U.specReplicaSum(oldRSs) === 0) return false;
    const minAvailable = U.replicasOf(d) - U.maxUnavailable(d);
    const newUnavailable = U.rsReplicas(fresh) - int(fresh.status?.availableReplicas, 0);
    const maxScaledDown = U.specReplicaSum([...oldRSs, fresh]) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;

    // cleanupUnhealthyReplicas: old pods that are not available go first.
    let cleaned = 0;
    for (const rs of [...oldRSs].sort(U.byCreation)) {
      if (cleaned >= maxScaledDown) break;
      const unhealthy = U.rsReplicas(rs) - int(rs.status?.availableReplicas, 0);
      if (U.rsReplicas(rs) === 0 || unhealthy <= 0) continue;
      const count = Math.min(maxScaledDown - cleaned, unhealthy);
      this.scaleAndRecord(rs, U.rsReplicas(rs) - count, d);
      cleaned += count;
    }
    oldRSs = this.fresh(oldRSs);

    // scaleDownOldReplicaSetsForRollingUpdate: keep minAvailable pods available.
    const available = U.statusSum([...oldRSs, fresh], 'availableReplicas');
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...oldRSs].sort(U.byCreation)) {
        if (scaledDown >= total) break;
        if (U.rsReplicas(rs) === 0) continue;
        const count = Math.min(U.rsReplicas(rs), total - scaledDown);
        this.scaleAndRecord(rs, U.rsReplicas(rs) - count, d);
        scaledDown += count;
      }
    }
    return cleaned + scaledDown > 0;
  }

  private rolloutRecreate(d0: KubeObject, rsList: KubeObject[]): void {
    let { d, newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(d0, rsList, false);
    let scaledDown = false;
    for (const rs of U.activeReplicaSets(oldRSs)) scaledDown = this.scaleAndRecord(rs, 0, d) || scaledDown;
    if (scaledDown || this.oldPodsRunning(oldRSs)) return this.status.syncRolloutStatus(oldRSs, newRS, d);
    if (!newRS) ({ d, newRS, oldRSs } = this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    if (!newRS) return;
    this.scaleAndRecord(newRS, U.replicasOf(d), d);
    if (U.deploymentComplete(d, d.status ?? {})) this.cleanupDeployment(oldRSs, d);
    this.status.syncRolloutStatus(oldRSs, newRS, d);
  }

  private oldPodsRunning(oldRSs: KubeObject[]): boolean {
    const fresh = this.fresh(oldRSs);
    if (U.statusSum(fresh, 'replicas') > 0) return true;
    return fresh.some((rs) => this.ctx.cache.controlled(rs.metadata.uid!, this.podKey).some((pod) => !isPodTerminal(pod)));
  }

  private cleanupDeployment(oldRSs: KubeObject[], d: KubeObject): void {
    const limit = d.spec?.revisionHistoryLimit ?? U.DEFAULT_REVISION_HISTORY_LIMIT;
    if (limit === 2147483647) return;
    const cleanable = this.fresh(oldRSs).filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => U.revisionOf(a) - U.revisionOf(b) || U.byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if (int(rs.status?.replicas, 0) !== 0 || U.rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > int(rs.status?.observedGeneration, 0)) continue;
      this.ctx.delete(this.rsType, rs);
    }
  }

  /** scaleReplicaSetAndRecordEvent: nothing to do when the size is already right. */
  private scaleAndRecord(rs: KubeObject, size: number, d: KubeObject): boolean {
    if (U.rsReplicas(rs) === size) return false;
    return this.scaleReplicaSet(rs, size, d, U.rsReplicas(rs) < size ? 'up' : 'down');
  }

  private scaleReplicaSet(rs0: KubeObject, size: number, d: KubeObject, operation: string): boolean {
    const rs = this.fresh([rs0])[0];
    if (!rs) return false;
    const annotations = { ...(rs.metadata.annotations ?? {}) };
    const sizeChanged = U.rsReplicas(rs) !== size;
    const annotationsChanged = U.setReplicasAnnotations(annotations, U.replicasOf(d), U.replicasOf(d) + U.maxSurge(d));
    if (!sizeChanged && !annotationsChanged) return false;
    this.ctx.writeObject(this.rsType, { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas: size } });
    if (sizeChanged) this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name} from ${U.rsReplicas(rs)} to ${size}`);
    return sizeChanged;
  }

  private fresh(rss: (KubeObject | undefined)[]): KubeObject[] {
    return freshReplicaSets(this.ctx, this.rsType, rss);
  }

  private event(d: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.events.record(d, type, reason, message, { component: COMPONENT });
  }

  private time(): string {
    return formatTime(this.ctx.now());
  }
}
