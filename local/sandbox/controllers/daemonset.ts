/**
 * DaemonSet controller (pkg/controller/daemon): one pod per eligible node, pinned with
 * node affinity on metadata.name like the real controller, surplus and misscheduled pods
 * removed, RollingUpdate replacing old pods within maxUnavailable, OnDelete left alone.
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { podFromTemplate } from './pod-template.ts';
import { CONTROLLER_REVISION_HASH_LABEL, syncRevisions } from './revisions.ts';
import { nodeMatches } from './scheduler.ts';
import { canonicalJson, controllerRefOf, int, isPodAvailable, isPodReady, isPodTerminal, keyOf, msUntilAvailable, omitZero, scaledValue, splitKey } from './util.ts';

const COMPONENT = 'daemonset-controller';
const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** Tolerations the DaemonSet controller adds so its pods survive node conditions. */
const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  readonly watches: string[];
  private readonly dsType: ResourceType;
  private readonly podType: ResourceType;
  private readonly nodeType: ResourceType | undefined;
  private readonly dsKey: string;
  private readonly podKey: string;

  constructor(private readonly ctx: Context) {
    this.dsType = ctx.type('apps', 'DaemonSet')!;
    this.podType = ctx.type('', 'Pod')!;
    this.nodeType = ctx.type('', 'Node');
    this.dsKey = ctx.key('apps', 'DaemonSet')!;
    this.podKey = ctx.key('', 'Pod')!;
    this.watches = [this.dsKey, this.podKey, ...(this.nodeType ? [ctx.key('', 'Node')!] : [])];
  }

  start(): void {
    for (const ds of this.ctx.cluster.store.list(this.dsKey)) this.ctx.queue.add(this, keyOf(ds));
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === this.dsKey) return this.ctx.queue.add(this, keyOf(event.object));
    if (event.resource === this.podKey) {
      for (const pod of [event.object, event.previous]) {
        const ref = pod && controllerRefOf(pod);
        if (ref?.kind === 'DaemonSet') this.ctx.queue.add(this, `${pod!.metadata.namespace}/${ref.name}`);
      }
      return;
    }
    // A node came, went or changed: every DaemonSet may need to follow.
    if (
      event.type !== 'MODIFIED' ||
      canonicalJson(event.object.metadata.labels) !== canonicalJson(event.previous?.metadata.labels) ||
      canonicalJson(event.object.spec) !== canonicalJson(event.previous?.spec)
    ) {
      for (const ds of this.ctx.cluster.store.list(this.dsKey)) this.ctx.queue.add(this, keyOf(ds));
    }
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const ds = this.ctx.cluster.tryGet(this.dsType, namespace, name);
    if (!ds) return;
    const nodes = this.nodeType ? this.ctx.cluster.list(this.nodeType, undefined).items : [];
    const pods = this.ctx.cache.controlled(ds.metadata.uid!, this.podKey);
    const { update } = syncRevisions(this.ctx, ds, pods, (label) => `${ds.metadata.name}-${label}`);
    const probe: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {},
      spec: { ...(ds.spec?.template?.spec ?? {}), tolerations: [...(ds.spec?.template?.spec?.tolerations ?? []), ...DAEMON_TOLERATIONS] },
    };
    const desired = nodes.filter((n) => nodeMatches(probe, n)).map((n) => n.metadata.name!);
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of pods) {
      const node = nodeOf(pod);
      if (!node) continue;
      byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    if (!ds.metadata.deletionTimestamp) this.manage(ds, desired, byNode, update.hash);
    this.updateStatus(ds, desired, update.hash);
  }

  private manage(ds: KubeObject, desired: string[], byNode: Map<string, KubeObject[]>, hash: string): void {
    const wanted = new Set(desired);
    for (const [node, pods] of byNode) {
      if (!wanted.has(node)) for (const pod of pods) if (!pod.metadata.deletionTimestamp) this.deletePod(ds, pod);
    }
    for (const node of desired) {
      const pods = (byNode.get(node) ?? []).filter((p) => !p.metadata.deletionTimestamp);
      const failed = pods.filter(isPodTerminal);
      for (const pod of failed) this.deletePod(ds, pod);
      const alive = pods.filter((p) => !isPodTerminal(p)).sort((a, b) => ((a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? -1 : 1));
      if (alive.length === 0 && (byNode.get(node) ?? []).every((p) => !p.metadata.deletionTimestamp)) this.createPod(ds, node, hash);
      for (const extra of alive.slice(1)) this.deletePod(ds, extra);
    }
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const now = this.ctx.now();
    const minReady = int(ds.spec?.minReadySeconds, 0);
    const maxUnavailable = Math.max(1, scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired.length, true, 1));
    const current = desired.map((node) => (byNode.get(node) ?? []).find((p) => !p.metadata.deletionTimestamp && !isPodTerminal(p)));
    let unavailable = current.filter((p) => !p || !isPodAvailable(p, minReady, now)).length;
    for (const pod of current) {
      if (!pod || pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) continue;
      if (!isPodAvailable(pod, minReady, now)) this.deletePod(ds, pod);
      else if (unavailable < maxUnavailable) {
        this.deletePod(ds, pod);
        unavailable++;
      }
    }
  }

  private createPod(ds: KubeObject, node: string, hash: string): void {
    const template = ds.spec?.template ?? {};
    const affinity = {
      ...(template.spec?.affinity ?? {}),
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] },
      },
    };
    const pod = podFromTemplate(template, ds, {
      namespace: ds.metadata.namespace!,
      labels: { [CONTROLLER_REVISION_HASH_LABEL]: hash, [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1) },
      spec: { affinity, tolerations: [...(template.spec?.tolerations ?? []), ...DAEMON_TOLERATIONS] },
    });
    const created = this.ctx.create(this.podType, pod);
    this.ctx.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`, { component: COMPONENT });
  }

  private deletePod(ds: KubeObject, pod: KubeObject): void {
    this.ctx.delete(this.podType, pod);
    this.ctx.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, { component: COMPONENT });
  }

  private updateStatus(ds0: KubeObject, desired: string[], hash: string): void {
    const ds = this.ctx.cluster.tryGet(this.dsType, ds0.metadata.namespace, ds0.metadata.name!) ?? ds0;
    const now = this.ctx.now();
    const minReady = int(ds.spec?.minReadySeconds, 0);
    const pods = this.ctx.cache.controlled(ds.metadata.uid!, this.podKey).filter((p) => !p.metadata.deletionTimestamp);
    const wanted = new Set(desired);
    const onNode = new Map<string, KubeObject>();
    for (const pod of pods) if (nodeOf(pod) && !onNode.has(nodeOf(pod)!)) onNode.set(nodeOf(pod)!, pod);
    let current = 0,
      misscheduled = 0,
      ready = 0,
      available = 0,
      updated = 0;
    let wait = Infinity;
    for (const [node, pod] of onNode) {
      if (!wanted.has(node)) {
        misscheduled++;
        continue;
      }
      current++;
      if (isPodReady(pod)) ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
      else if (isPodReady(pod)) wait = Math.min(wait, msUntilAvailable(pod, minReady, now) ?? 1000);
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) updated++;
    }
    const status: Record<string, any> = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired.length,
      numberReady: ready,
      observedGeneration: ds.metadata.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: Math.max(0, desired.length - available),
    };
    if (ds.status?.collisionCount !== undefined) status.collisionCount = ds.status.collisionCount;
    if (ds.status?.conditions) status.conditions = ds.status.conditions;
    omitZero(status, ['updatedNumberScheduled', 'numberAvailable', 'numberUnavailable']);
    if (canonicalJson(status) !== canonicalJson(ds.status ?? {})) this.ctx.writeStatus(this.dsType, ds, status);
    if (wait < Infinity) this.ctx.queue.after(this, keyOf(ds), wait);
  }
}

/** The node a daemon pod is bound or pinned to. */
function nodeOf(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) for (const field of term.matchFields ?? []) if (field.key === 'metadata.name' && field.operator === 'In') return field.values?.[0];
  return undefined;
}
