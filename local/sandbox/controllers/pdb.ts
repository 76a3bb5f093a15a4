/**
 * Disruption controller's status half, after kubernetes pkg/controller/disruption/
 * disruption.go (trySync, getExpectedPodCount, getExpectedScale, countHealthyPods,
 * updatePdbStatus, failSafe): for each PodDisruptionBudget it counts the selected pods that
 * are Ready and not being deleted (currentHealthy), the pods it expects (expectedPods: the
 * matching pods for an integer minAvailable, else the sum of the owning controllers'
 * replicas), the pods that must stay healthy (desiredHealthy) and disruptionsAllowed, with
 * observedGeneration and the condition DisruptionAllowed (SufficientPods / InsufficientPods,
 * or SyncFailed when a selected pod has no controller the PDB understands).
 *
 * A pod event only queues the PDBs of its namespace, so a cluster without PDBs pays one map
 * lookup per pod event.
 */
import { type LabelSelector, matchesLabelSelector } from '../selectors.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { ExpectedPodCountError } from './errors.ts';
import { type Condition, canonicalJson, controllerRefOf, formatTime, isPodReady, keyOf, scaledValue, splitKey, upsertCondition } from './util.ts';

const COMPONENT = 'controllermanager';
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
const REASON = { sufficient: 'SufficientPods', insufficient: 'InsufficientPods', syncFailed: 'SyncFailed' } as const;

export class PdbController implements Controller {
  readonly name = 'disruption';
  readonly watches: string[];
  private readonly pdbType: ResourceType;
  private readonly pdbKey: string;
  private readonly podKey: string;
  /** namespace → names of its PDBs. */
  private readonly byNamespace = new Map<string, Set<string>>();

  constructor(private readonly ctx: Context) {
    this.pdbType = ctx.type('policy', 'PodDisruptionBudget')!;
    this.pdbKey = ctx.key('policy', 'PodDisruptionBudget')!;
    this.podKey = ctx.key('', 'Pod')!;
    this.watches = [this.pdbKey, this.podKey];
  }

  start(): void {
    for (const pdb of this.ctx.cluster.store.list(this.pdbKey)) {
      this.track(pdb, true);
      this.ctx.queue.add(this, keyOf(pdb));
    }
  }

  onEvent(event: StoreEvent): void {
    const namespace = event.object.metadata.namespace!;
    if (event.resource === this.pdbKey) {
      this.track(event.object, event.type !== 'DELETED');
      return this.ctx.queue.add(this, keyOf(event.object));
    }
    for (const name of this.byNamespace.get(namespace) ?? []) this.ctx.queue.add(this, `${namespace}/${name}`);
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const pdb = this.ctx.cluster.tryGet(this.pdbType, namespace, name);
    if (!pdb) return;
    const selector: LabelSelector | undefined = pdb.spec?.selector ?? undefined;
    // policy/v1: a null selector selects nothing, an empty one everything.
    const pods = selector ? this.ctx.cache.inNamespace(namespace!, this.podKey).filter((p) => matchesLabelSelector(p.metadata.labels, selector)) : [];
    if (pods.length === 0) this.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let expected: { expectedPods: number; desiredHealthy: number };
    try {
      expected = this.expectedPodCount(pdb, pods);
    } catch (error) {
      if (!(error instanceof ExpectedPodCountError)) throw error;
      this.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${error.message}`);
      return this.write(pdb, { ...(pdb.status ?? {}), disruptionsAllowed: 0 }, false, REASON.syncFailed, error.message);
    }
    const currentHealthy = pods.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p)).length;
    let disruptionsAllowed = currentHealthy - expected.desiredHealthy;
    if (expected.expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
    const status = { currentHealthy, desiredHealthy: expected.desiredHealthy, expectedPods: expected.expectedPods, disruptionsAllowed, observedGeneration: pdb.metadata.generation };
    this.write(pdb, status, disruptionsAllowed > 0, disruptionsAllowed > 0 ? REASON.sufficient : REASON.insufficient, '');
  }

  /** getExpectedPodCount: integer minAvailable counts the pods; percentages and maxUnavailable the controllers' scale. */
  private expectedPodCount(pdb: KubeObject, pods: KubeObject[]): { expectedPods: number; desiredHealthy: number } {
    const { minAvailable, maxUnavailable } = pdb.spec ?? {};
    if (maxUnavailable !== undefined && maxUnavailable !== null) {
      const expectedPods = this.expectedScale(pdb, pods);
      return { expectedPods, desiredHealthy: Math.max(0, expectedPods - scaledValue(maxUnavailable, expectedPods, true, 0)) };
    }
    if (typeof minAvailable === 'number') return { expectedPods: pods.length, desiredHealthy: minAvailable };
    if (typeof minAvailable === 'string') {
      const expectedPods = this.expectedScale(pdb, pods);
      return { expectedPods, desiredHealthy: scaledValue(minAvailable, expectedPods, true, 0) };
    }
    return { expectedPods: 0, desiredHealthy: 0 };
  }

  /** getExpectedScale: the sum of spec.replicas of the controllers of the selected pods. */
  private expectedScale(pdb: KubeObject, pods: KubeObject[]): number {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata.name!);
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const controller = this.scaleController(ref.uid);
      if (!controller) throw new ExpectedPodCountError(`found no controllers for pod ${JSON.stringify(pod.metadata.name)}`);
      scales.set(controller.uid, controller.replicas);
    }
    if (unmanaged.length) {
      this.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    return [...scales.values()].reduce((a, b) => a + b, 0);
  }

  /** The finders: a ReplicaSet's Deployment (else the ReplicaSet), a StatefulSet, a ReplicationController. */
  private scaleController(uid: string): { uid: string; replicas: number } | undefined {
    const owner = this.ctx.cache.getByUid(uid);
    if (!owner) return undefined;
    if (owner.kind === 'ReplicaSet') {
      const deploymentRef = controllerRefOf(owner);
      const deployment = deploymentRef?.kind === 'Deployment' ? this.ctx.cache.getByUid(deploymentRef.uid) : undefined;
      if (deployment) return { uid: deployment.metadata.uid!, replicas: deployment.spec?.replicas ?? 1 };
      return { uid, replicas: owner.spec?.replicas ?? 1 };
    }
    if (owner.kind === 'StatefulSet' || owner.kind === 'ReplicationController') return { uid, replicas: owner.spec?.replicas ?? 1 };
    return undefined;
  }

  /** Writes status with the DisruptionAllowed condition (apimeta.SetStatusCondition), when it changed. */
  private write(pdb: KubeObject, fields: Record<string, unknown>, allowed: boolean, reason: string, message: string): void {
    const condition: Condition = {
      type: DISRUPTION_ALLOWED,
      status: allowed ? 'True' : 'False',
      observedGeneration: fields.observedGeneration ?? pdb.status?.observedGeneration,
      lastTransitionTime: formatTime(this.ctx.now()),
      reason,
      message,
    };
    if (condition.observedGeneration === undefined) delete condition.observedGeneration;
    const status = { ...fields, conditions: upsertCondition(pdb.status?.conditions ?? [], condition) };
    delete (status as Record<string, unknown>).disruptedPods;
    if (canonicalJson(status) !== canonicalJson(pdb.status ?? {})) this.ctx.writeStatus(this.pdbType, pdb, status);
  }

  private track(pdb: KubeObject, present: boolean): void {
    const namespace = pdb.metadata.namespace!;
    const names = this.byNamespace.get(namespace) ?? new Set<string>();
    if (present) names.add(pdb.metadata.name!);
    else names.delete(pdb.metadata.name!);
    if (names.size) this.byNamespace.set(namespace, names);
    else this.byNamespace.delete(namespace);
  }

  private event(pdb: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.events.record(pdb, type, reason, message, { component: COMPONENT });
  }
}
