/**
 * StatefulSet controller (pkg/controller/statefulset): pods <set>-0..n-1 created in order
 * (OrderedReady: each waits for its predecessors to be Running and Ready) or all at once
 * (Parallel), PVCs from volumeClaimTemplates, scale-down from the highest ordinal,
 * RollingUpdate from the highest ordinal down to the partition, OnDelete, and the status
 * with currentRevision/updateRevision the way `kubectl rollout status` reads them.
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { podFromTemplate } from './pod-template.ts';
import { CONTROLLER_REVISION_HASH_LABEL, syncRevisions, templateOf } from './revisions.ts';
import { canonicalJson, controllerRefOf, int, isPodAvailable, isPodReady, isPodTerminal, keyOf, msUntilAvailable, omitZero, splitKey } from './util.ts';

const COMPONENT = 'statefulset-controller';
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly watches: string[];
  private readonly setType: ResourceType;
  private readonly podType: ResourceType;
  private readonly setKey: string;
  private readonly podKey: string;

  constructor(private readonly ctx: Context) {
    this.setType = ctx.type('apps', 'StatefulSet')!;
    this.podType = ctx.type('', 'Pod')!;
    this.setKey = ctx.key('apps', 'StatefulSet')!;
    this.podKey = ctx.key('', 'Pod')!;
    this.watches = [this.setKey, this.podKey];
  }

  start(): void {
    for (const s of this.ctx.cluster.store.list(this.setKey)) this.ctx.queue.add(this, keyOf(s));
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === this.setKey) return this.ctx.queue.add(this, keyOf(event.object));
    for (const pod of [event.object, event.previous]) {
      const ref = pod && controllerRefOf(pod);
      if (ref?.kind === 'StatefulSet') this.ctx.queue.add(this, `${pod!.metadata.namespace}/${ref.name}`);
    }
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const set = this.ctx.cluster.tryGet(this.setType, namespace, name);
    if (!set) return;
    const pods = this.ctx.cache.controlled(set.metadata.uid!, this.podKey);
    const revisions = syncRevisions(this.ctx, set, pods, (label) => label);
    if (!set.metadata.deletionTimestamp) this.update(set, pods, revisions.update, revisions.current);
    this.updateStatus(set, revisions.update.name, revisions.current.name);
  }

  private update(set: KubeObject, pods: KubeObject[], update: { name: string; template: unknown }, current: { name: string; template: unknown }): void {
    const replicas = int(set.spec?.replicas, 1);
    const ordered = set.spec?.podManagementPolicy !== 'Parallel';
    const minReady = int(set.spec?.minReadySeconds, 0);
    const now = this.ctx.now();
    const healthy = (p: KubeObject) => p.status?.phase === 'Running' && isPodReady(p) && isPodAvailable(p, minReady, now) && !p.metadata.deletionTimestamp;
    const byOrdinal = new Map<number, KubeObject>();
    for (const pod of pods) {
      const ordinal = ordinalOf(set, pod);
      if (ordinal !== undefined) byOrdinal.set(ordinal, pod);
    }
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    const partition = strategy === 'RollingUpdate' ? int(set.spec?.updateStrategy?.rollingUpdate?.partition, 0) : 0;

    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const pod = byOrdinal.get(ordinal);
      if (pod && isPodTerminal(pod) && !pod.metadata.deletionTimestamp) {
        this.deletePod(set, pod);
        if (ordered) return;
        continue;
      }
      if (!pod) {
        const useCurrent = strategy === 'RollingUpdate' && ordinal < partition;
        this.createPod(set, ordinal, useCurrent ? current : update);
        if (ordered) return;
        continue;
      }
      if (ordered && !healthy(pod)) {
        if (isPodReady(pod) && minReady > 0) this.ctx.queue.after(this, keyOf(set), msUntilAvailable(pod, minReady, now) ?? 1000);
        return;
      }
    }
    const condemned = [...byOrdinal.entries()].filter(([o]) => o >= replicas).sort(([a], [b]) => b - a);
    for (const [, pod] of condemned) {
      if (pod.metadata.deletionTimestamp) {
        if (ordered) return;
        continue;
      }
      if (ordered && [...byOrdinal.entries()].some(([o, p]) => o < replicas && !healthy(p))) return;
      this.deletePod(set, pod);
      if (ordered) return;
    }
    if (strategy !== 'RollingUpdate') return;
    for (let ordinal = replicas - 1; ordinal >= partition; ordinal--) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) return;
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== update.name && !pod.metadata.deletionTimestamp) {
        if ([...byOrdinal.values()].some((p) => p !== pod && !healthy(p))) return;
        this.deletePod(set, pod);
        return;
      }
      if (!healthy(pod)) return;
    }
  }

  private createPod(set: KubeObject, ordinal: number, revision: { name: string; template: unknown }): void {
    const name = `${set.metadata.name}-${ordinal}`;
    const template = templateOf(revision.template);
    const volumes: Record<string, any>[] = [...(template.spec?.volumes ?? [])];
    for (const claim of (set.spec?.volumeClaimTemplates ?? []) as KubeObject[]) {
      const claimName = `${claim.metadata?.name}-${name}`;
      this.ensureClaim(set, claim, claimName, name);
      const volume = { name: claim.metadata?.name, persistentVolumeClaim: { claimName } };
      const index = volumes.findIndex((v) => v.name === volume.name);
      if (index >= 0) volumes[index] = volume;
      else volumes.push(volume);
    }
    const pod = podFromTemplate(template, set, {
      namespace: set.metadata.namespace!,
      name,
      labels: { [CONTROLLER_REVISION_HASH_LABEL]: revision.name, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      spec: { hostname: name, ...(set.spec?.serviceName ? { subdomain: set.spec.serviceName } : {}), ...(volumes.length ? { volumes } : {}) },
    });
    this.ctx.create(this.podType, pod);
    this.ctx.events.record(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`, { component: COMPONENT });
  }

  private ensureClaim(set: KubeObject, claim: KubeObject, claimName: string, podName: string): void {
    const pvcType = this.ctx.type('', 'PersistentVolumeClaim');
    if (!pvcType || this.ctx.cluster.tryGet(pvcType, set.metadata.namespace, claimName)) return;
    this.ctx.create(pvcType, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName,
        namespace: set.metadata.namespace,
        labels: { ...(set.spec?.selector?.matchLabels ?? {}), ...(claim.metadata?.labels ?? {}) },
        ...(claim.metadata?.annotations ? { annotations: claim.metadata.annotations } : {}),
      },
      spec: structuredClone(claim.spec ?? {}),
    });
    this.ctx.events.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${set.metadata.name} success`, { component: COMPONENT });
  }

  private deletePod(set: KubeObject, pod: KubeObject): void {
    this.ctx.delete(this.podType, pod);
    this.ctx.events.record(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, { component: COMPONENT });
  }

  private updateStatus(set0: KubeObject, updateRevision: string, currentRevision: string): void {
    const set = this.ctx.cluster.tryGet(this.setType, set0.metadata.namespace, set0.metadata.name!) ?? set0;
    const pods = this.ctx.cache.controlled(set.metadata.uid!, this.podKey);
    const minReady = int(set.spec?.minReadySeconds, 0);
    const now = this.ctx.now();
    const created = pods.filter((p) => !!p.status?.phase);
    const live = created.filter((p) => !p.metadata.deletionTimestamp);
    const revisionOf = (p: KubeObject) => p.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
    const status: Record<string, any> = {
      observedGeneration: set.metadata.generation,
      replicas: created.length,
      readyReplicas: created.filter((p) => p.status?.phase === 'Running' && isPodReady(p)).length,
      currentReplicas: live.filter((p) => revisionOf(p) === currentRevision).length,
      updatedReplicas: live.filter((p) => revisionOf(p) === updateRevision).length,
      currentRevision,
      updateRevision,
      collisionCount: set.status?.collisionCount ?? 0,
      availableReplicas: created.filter((p) => p.status?.phase === 'Running' && isPodAvailable(p, minReady, now)).length,
    };
    if (set.status?.conditions) status.conditions = set.status.conditions;
    // completeRollingUpdate: once every pod runs the update revision, it becomes current.
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    if (strategy === 'RollingUpdate' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = updateRevision;
    }
    omitZero(status, ['readyReplicas', 'currentReplicas', 'updatedReplicas']);
    if (canonicalJson(status) !== canonicalJson(set.status ?? {})) this.ctx.writeStatus(this.setType, set, status);
  }
}

function ordinalOf(set: KubeObject, pod: KubeObject): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name!;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}
