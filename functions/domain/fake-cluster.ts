/**
 * A hand-written ClusterClient for unit tests of the engine: objects in memory, kinds it
 * serves, and scripted failures — enough to drive render → dry run → apply → wait without a
 * network. Workloads it stores are rolled out at once (their status says available), unless
 * a test sets the status itself with `setStatus`; `watch` delivers every change.
 */
import type { Manifest, ObjectRef } from './model.ts';
import type { ApplyOptions, ClusterClient, Subscription } from './ports.ts';
import { refKey, refOf } from './rollout/status.ts';

type Scope = 'Namespaced' | 'Cluster';
export type FakeCall = { verb: 'apply' | 'dry-run' | 'get' | 'list' | 'delete' | 'ensureNamespace' | 'scopeOf'; ref?: ObjectRef };
/** A failure to throw for calls that match; `times` limits how often (always when absent). */
export type FakeFailure = { verb: FakeCall['verb']; name?: string; error: Error; times?: number };

const SCOPES: Record<string, Scope> = {
  'v1/Namespace': 'Cluster',
  'v1/ConfigMap': 'Namespaced',
  'v1/Secret': 'Namespaced',
  'v1/Service': 'Namespaced',
  'v1/ServiceAccount': 'Namespaced',
  'v1/Pod': 'Namespaced',
  'apps/v1/Deployment': 'Namespaced',
  'apps/v1/ReplicaSet': 'Namespaced',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'Cluster',
};
const ROLLED_OUT = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export class FakeCluster implements ClusterClient {
  readonly objects = new Map<string, Manifest>();
  readonly calls: FakeCall[] = [];
  readonly failures: FakeFailure[] = [];
  private rv = 0;
  private readonly watchers = new Set<(object: Manifest) => void>();

  constructor(options: { namespaces?: string[] } = {}) {
    for (const name of options.namespaces ?? []) this.store({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  async apply(object: Manifest, options: ApplyOptions): Promise<Manifest> {
    this.record(options.dryRun ? 'dry-run' : 'apply', refOf(object));
    const existing = this.objects.get(refKey(refOf(object)));
    const merged: Manifest = structuredClone({ ...existing, ...object, metadata: { ...existing?.metadata, ...object.metadata } });
    if (options.dryRun) return { ...merged, metadata: { ...merged.metadata, resourceVersion: existing?.metadata.resourceVersion } };
    return this.store(merged);
  }

  async get(ref: ObjectRef): Promise<Manifest | undefined> {
    this.record('get', ref);
    return this.objects.get(refKey(ref));
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined): Promise<Manifest[]> {
    this.record('list', { apiVersion, kind, name: '*', ...(namespace ? { namespace } : {}) });
    return [...this.objects.values()].filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!namespace || o.metadata.namespace === namespace));
  }

  async delete(ref: ObjectRef): Promise<void> {
    this.record('delete', ref);
    this.objects.delete(refKey(ref));
  }

  async scopeOf(apiVersion: string, kind: string): Promise<Scope | undefined> {
    this.record('scopeOf', { apiVersion, kind, name: '*' });
    return SCOPES[`${apiVersion}/${kind}`];
  }

  async ensureNamespace(name: string): Promise<'created' | 'exists'> {
    const ref = { apiVersion: 'v1', kind: 'Namespace', name };
    this.record('ensureNamespace', ref);
    if (this.objects.has(refKey(ref))) return 'exists';
    this.store({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return 'created';
  }

  watch(refs: ObjectRef[], onChange: (object: Manifest) => void): Subscription {
    const wanted = new Set(refs.map(refKey));
    const listener = (object: Manifest) => {
      if (wanted.has(refKey(refOf(object)))) onChange(object);
    };
    this.watchers.add(listener);
    queueMicrotask(() => {
      for (const object of this.objects.values()) listener(object);
    });
    return { stop: () => void this.watchers.delete(listener) };
  }

  /** Replaces the status of a stored object (a controller reporting), and tells watchers. */
  setStatus(ref: ObjectRef, status: Record<string, unknown>): void {
    const object = this.objects.get(refKey(ref));
    if (!object) throw new Error(`FakeCluster: no ${refKey(ref)}`);
    this.store({ ...object, status }, false);
  }

  /** The calls of one verb, for assertions. */
  callsOf(verb: FakeCall['verb']): ObjectRef[] {
    return this.calls.filter((c) => c.verb === verb).map((c) => c.ref!);
  }

  private record(verb: FakeCall['verb'], ref: ObjectRef): void {
    this.calls.push({ verb, ref });
    const failure = this.failures.find((f) => f.verb === verb && (!f.name || f.name === ref.name) && (f.times === undefined || f.times > 0));
    if (!failure) return;
    if (failure.times !== undefined) failure.times--;
    throw failure.error;
  }

  private store(object: Manifest, rollOut = true): Manifest {
    const generation = Number(object.metadata.generation ?? 0) + (rollOut ? 1 : 0);
    const stored: Manifest = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(++this.rv), generation, creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString() },
    };
    if (rollOut && ROLLED_OUT.has(object.kind)) {
      const replicas = Number(object.spec?.replicas ?? 1);
      stored.status = { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
    }
    this.objects.set(refKey(refOf(stored)), stored);
    for (const watcher of this.watchers) watcher(stored);
    return stored;
  }
}
