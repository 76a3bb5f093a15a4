/**
 * ReplicaSet controller (pkg/controller/replicaset): keeps spec.replicas active pods, created
 * from the template with generateName "<rs>-" in slow-start batches and deleted in the
 * order the real controller ranks them (unscheduled, pending, not ready, most restarts,
 * newest first). Status counts replicas, fully-labeled, ready and available pods; a create
 * that the API server refuses (e.g. terminating namespace) shows up as ReplicaFailure.
 */
import { ApiError } from '../errors.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { podFromTemplate } from './pod-template.ts';
import {
  canonicalJson,
  controllerRefOf,
  formatTime,
  getCondition,
  int,
  isPodActive,
  isPodAvailable,
  isPodReady,
  keyOf,
  labelsMatchTemplate,
  msUntilAvailable,
  removeCondition,
  setCondition,
  splitKey,
} from './util.ts';

const COMPONENT = 'replicaset-controller';
/** controller.SlowStartInitialBatchSize and the replica set's burstReplicas. */
const SLOW_START_INITIAL_BATCH = 1;
const BURST_REPLICAS = 500;

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly watches: string[];
  private readonly rsType: ResourceType;
  private readonly podType: ResourceType;
  private readonly rsKey: string;
  private readonly podKey: string;

  constructor(private readonly ctx: Context) {
    this.rsType = ctx.type('apps', 'ReplicaSet')!;
    this.podType = ctx.type('', 'Pod')!;
    this.rsKey = ctx.key('apps', 'ReplicaSet')!;
    this.podKey = ctx.key('', 'Pod')!;
    this.watches = [this.rsKey, this.podKey];
  }

  start(): void {
    for (const rs of this.ctx.cluster.store.list(this.rsKey)) this.ctx.queue.add(this, keyOf(rs));
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === this.rsKey) return this.ctx.queue.add(this, keyOf(event.object));
    for (const pod of [event.object, event.previous]) {
      const ref = pod && controllerRefOf(pod);
      if (ref?.kind === 'ReplicaSet') this.ctx.queue.add(this, `${pod!.metadata.namespace}/${ref.name}`);
    }
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const rs = this.ctx.cluster.tryGet(this.rsType, namespace, name);
    if (!rs) return;
    const pods = this.ctx.cache.controlled(rs.metadata.uid!, this.podKey).filter(isPodActive);
    let failure: { reason: string; message: string } | undefined;
    if (!rs.metadata.deletionTimestamp) failure = this.manageReplicas(pods, rs);
    this.updateStatus(rs, pods, failure);
  }

  private manageReplicas(pods: KubeObject[], rs: KubeObject): { reason: string; message: string } | undefined {
    const diff = pods.length - int(rs.spec?.replicas, 1);
    if (diff < 0) {
      let remaining = Math.min(-diff, BURST_REPLICAS);
      let batch = SLOW_START_INITIAL_BATCH;
      while (remaining > 0) {
        const size = Math.min(batch, remaining);
        for (let i = 0; i < size; i++) {
          try {
            const pod = this.ctx.create(this.podType, podFromTemplate(rs.spec?.template, rs, { namespace: rs.metadata.namespace!, generateName: `${rs.metadata.name}-` }));
            this.ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, { component: COMPONENT });
          } catch (error) {
            if (!(error instanceof ApiError)) throw error;
            this.ctx.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${error.message}`, { component: COMPONENT });
            return { reason: 'FailedCreate', message: error.message };
          }
        }
        remaining -= size;
        batch *= 2;
      }
    } else if (diff > 0) {
      for (const pod of [...pods].sort(deletionOrder).slice(0, Math.min(diff, BURST_REPLICAS))) {
        try {
          this.ctx.delete(this.podType, pod);
          this.ctx.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, { component: COMPONENT });
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          return { reason: 'FailedDelete', message: error.message };
        }
      }
    }
    return undefined;
  }

  private updateStatus(rs: KubeObject, pods: KubeObject[], failure: { reason: string; message: string } | undefined): void {
    const now = this.ctx.now();
    const minReady = int(rs.spec?.minReadySeconds, 0);
    const templateLabels = rs.spec?.template?.metadata?.labels;
    const ready = pods.filter(isPodReady);
    const available = ready.filter((p) => isPodAvailable(p, minReady, now));
    const status: Record<string, any> = {
      replicas: pods.length,
      fullyLabeledReplicas: pods.filter((p) => labelsMatchTemplate(p.metadata.labels, templateLabels)).length,
      readyReplicas: ready.length,
      availableReplicas: available.length,
      observedGeneration: rs.metadata.generation,
      conditions: [...(rs.status?.conditions ?? [])],
    };
    const existing = getCondition(rs.status, 'ReplicaFailure');
    if (failure && !existing) {
      const time = formatTime(now);
      setCondition(status, { type: 'ReplicaFailure', status: 'True', lastTransitionTime: time, reason: failure.reason, message: failure.message });
    } else if (!failure && existing) removeCondition(status, 'ReplicaFailure');
    for (const field of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) if (!status[field]) delete status[field];
    if (!status.conditions?.length) delete status.conditions;
    if (canonicalJson(status) !== canonicalJson(rs.status ?? {})) this.ctx.writeStatus(this.rsType, rs, status);
    // Pods still serving their minReadySeconds: look again when the first becomes available.
    if (minReady > 0 && ready.length > available.length) {
      const wait = Math.min(...ready.filter((p) => !available.includes(p)).map((p) => msUntilAvailable(p, minReady, now) ?? 1000));
      this.ctx.queue.after(this, keyOf(rs), wait);
    }
  }
}

/** controller.ActivePodsWithRanks order: the pods least worth keeping first. */
function deletionOrder(a: KubeObject, b: KubeObject): number {
  const assigned = (p: KubeObject) => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phaseRank = (p: KubeObject) => (({ Pending: 0, Unknown: 1, Running: 2 }) as Record<string, number>)[p.status?.phase ?? 'Pending'] ?? 0;
  if (phaseRank(a) !== phaseRank(b)) return phaseRank(a) - phaseRank(b);
  const ready = (p: KubeObject) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  const restarts = (p: KubeObject) => (p.status?.containerStatuses ?? []).reduce((n: number, c: { restartCount?: number }) => n + (c.restartCount ?? 0), 0);
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: KubeObject) => p.metadata.creationTimestamp ?? '';
  return created(a) < created(b) ? 1 : created(a) > created(b) ? -1 : 0;
}
