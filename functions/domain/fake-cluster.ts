/**
 * A hand-written ClusterClient for unit tests of the engine: objects in memory, kinds it
 * serves, and scripted failures — enough to drive render → dry run → apply → check → finalize
 * without a network. Workloads it stores are rolled out at once (their status says available),
 * unless the cluster holds rollouts (`holdRollouts`, a controller that has not acted yet) or a
 * test sets the status itself with `setStatus`; `watch` delivers every change. `put` stores
 * what a controller would make (pods, ReplicaSets, Events). `list` ignores label selectors
 * (callers filter by selector themselves, as the engine does); `events` gives the stored
 * Events whose involvedObject is the given object.
 *
 * Several clients can share one cluster: `client()` gives a new client (its own calls and
 * failures) of the same objects, watches and controllers, as a later Lambda invocation would
 * get a new Kubernetes client of the same cluster.
 */
import type { Manifest, ObjectRef } from './model.ts';
import type { ApplyOptions, ClusterClient, Subscription } from './ports.ts';
import { refKey, refOf } from './rollout/status.ts';

type Scope = 'Namespaced' | 'Cluster';
export type FakeCall = { verb: 'apply' | 'dry-run' | 'get' | 'list' | 'events' | 'delete' | 'ensureNamespace' | 'scopeOf' | 'watch'; ref?: ObjectRef };
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

/** The cluster behind one or more clients. */
class FakeStore {
  readonly objects = new Map<string, Manifest>();
  readonly watchers = new Set<(object: Manifest) => void>();
  rv = 0;
  holdRollouts = false;
}

export class FakeCluster implements ClusterClient {
  /** The cluster's objects by refKey (shared by every client of the cluster). */
  readonly objects: Map<string, Manifest>;
  /** This client's calls, in order. */
  readonly calls: FakeCall[] = [];
  /** This client's scripted failures. */
  readonly failures: FakeFailure[] = [];
  readonly #store: FakeStore;

  constructor(options: { namespaces?: string[]; holdRollouts?: boolean } = {}, store = new FakeStore()) {
    this.#store = store;
    this.objects = store.objects;
    if (options.holdRollouts !== undefined) store.holdRollouts = options.holdRollouts;
    for (const name of options.namespaces ?? []) this.#put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { newGeneration: true });
  }

  /** A new client of the same cluster, with its own calls and failures. */
  client(): FakeCluster {
    return new FakeCluster({}, this.#store);
  }

  /** While true, stored workloads keep the status they had (none when new): their rollout has not happened. */
  get holdRollouts(): boolean {
    return this.#store.holdRollouts;
  }

  set holdRollouts(hold: boolean) {
    this.#store.holdRollouts = hold;
  }

  async apply(object: Manifest, options: ApplyOptions): Promise<Manifest> {
    this.#record(options.dryRun ? 'dry-run' : 'apply', refOf(object));
    const existing = this.objects.get(refKey(refOf(object)));
    const merged: Manifest = structuredClone({ ...existing, ...object, metadata: { ...existing?.metadata, ...object.metadata } });
    if (options.dryRun) return { ...merged, metadata: { ...merged.metadata, resourceVersion: existing?.metadata.resourceVersion } };
    return this.#put(merged, { newGeneration: true });
  }

  async get(ref: ObjectRef): Promise<Manifest | undefined> {
    this.#record('get', ref);
    return this.objects.get(refKey(ref));
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined): Promise<Manifest[]> {
    this.#record('list', { apiVersion, kind, name: '*', ...(namespace ? { namespace } : {}) });
    return [...this.objects.values()].filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!namespace || o.metadata.namespace === namespace));
  }

  /** Stored Events (put them with `put`) whose involvedObject is `about`. */
  async events(about: ObjectRef): Promise<Manifest[]> {
    this.#record('events', about);
    return [...this.objects.values()].filter((o) => o.kind === 'Event' && o.metadata.namespace === about.namespace && o.involvedObject?.kind === about.kind && o.involvedObject?.name === about.name);
  }

  async delete(ref: ObjectRef): Promise<void> {
    this.#record('delete', ref);
    this.objects.delete(refKey(ref));
  }

  async scopeOf(apiVersion: string, kind: string): Promise<Scope | undefined> {
    this.#record('scopeOf', { apiVersion, kind, name: '*' });
    return SCOPES[`${apiVersion}/${kind}`];
  }

  async ensureNamespace(name: string): Promise<'created' | 'exists'> {
    const ref = { apiVersion: 'v1', kind: 'Namespace', name };
    this.#record('ensureNamespace', ref);
    if (this.objects.has(refKey(ref))) return 'exists';
    this.#put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { newGeneration: true });
    return 'created';
  }

  /** Delivers the current objects (as a watch's first list does), then every change; pods and ReplicaSets too. */
  watch(refs: ObjectRef[], onChange: (object: Manifest) => void): Subscription {
    for (const ref of refs) this.#record('watch', ref);
    const wanted = new Set(refs.map(refKey));
    const listener = (object: Manifest) => {
      if (wanted.has(refKey(refOf(object))) || object.kind === 'Pod' || object.kind === 'ReplicaSet') onChange(object);
    };
    this.#store.watchers.add(listener);
    queueMicrotask(() => {
      if (!this.#store.watchers.has(listener)) return;
      for (const object of this.objects.values()) listener(object);
    });
    return { stop: () => void this.#store.watchers.delete(listener) };
  }

  /** Replaces the status of a stored object (a controller reporting), and tells watchers. */
  setStatus(ref: ObjectRef, status: Record<string, unknown>): void {
    const object = this.objects.get(refKey(ref));
    if (!object) throw new Error(`FakeCluster: no ${refKey(ref)}`);
    this.#put({ ...object, status });
  }

  /** Stores what a controller made (a Pod, a ReplicaSet) or changed, and tells watchers; no call is recorded. */
  put(object: Manifest): Manifest {
    return this.#put(structuredClone(object));
  }

  /** The calls of one verb, for assertions. */
  callsOf(verb: FakeCall['verb']): ObjectRef[] {
    return this.calls.filter((c) => c.verb === verb).map((c) => c.ref!);
  }

  #record(verb: FakeCall['verb'], ref: ObjectRef): void {
    this.calls.push({ verb, ref });
    const failure = this.failures.find((f) => f.verb === verb && (!f.name || f.name === ref.name) && (f.times === undefined || f.times > 0));
    if (!failure) return;
    if (failure.times !== undefined) failure.times--;
    throw failure.error;
  }

  /** Stores `object`; an applied one gets a new generation and, unless rollouts are held, an available status. */
  #put(object: Manifest, options: { newGeneration?: boolean } = {}): Manifest {
    const generation = Number(object.metadata.generation ?? 0) + (options.newGeneration ? 1 : 0);
    const stored: Manifest = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(++this.#store.rv), generation, creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString() },
    };
    if (options.newGeneration && ROLLED_OUT.has(object.kind) && !this.#store.holdRollouts) {
      const replicas = Number(object.spec?.replicas ?? 1);
      stored.status = { observedGeneration: generation, replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
    }
    this.objects.set(refKey(refOf(stored)), stored);
    for (const watcher of this.#store.watchers) watcher(stored);
    return stored;
  }
}
