/**
 * The object store: every object of every resource, the cluster-wide resourceVersion
 * counter, and a bounded log of changes that watches resume from.
 *
 * Stored objects are treated as immutable: a writer builds a new object and hands it to
 * `write`; readers may share references but must copy before changing anything.
 */
import type { KubeObject, ResourceType } from './types.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, as watches stream it. `type` keys the resource: see `resourceKey`. */
export type StoreEvent = { rv: number; type: EventType; resource: string; object: KubeObject; previous?: KubeObject };

export type StoreListener = (event: StoreEvent) => void;

/** How many past events a watch may resume from; older resourceVersions get 410 Gone. */
export const DEFAULT_EVENT_LOG_SIZE = 4_000;

/** "apps/deployments", "/pods": the key of a resource type in the store. */
export function resourceKey(rt: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${rt.group}/${rt.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export class ObjectStore {
  private rv = 0;
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private readonly log: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private journal: StoreListener | undefined;

  constructor(private readonly logSize = DEFAULT_EVENT_LOG_SIZE) {}

  /** The current (latest) resourceVersion of the whole store. */
  get resourceVersion(): number {
    return this.rv;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.buckets.get(resource)?.get(objectKey(namespace, name));
  }

  /** Objects of one resource, in one namespace or (namespace undefined) all of them. */
  list(resource: string, namespace?: string): KubeObject[] {
    const bucket = this.buckets.get(resource);
    if (!bucket) return [];
    const all = [...bucket.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Every stored object with its resource key (for persistence and garbage collection). */
  *entries(): Generator<[string, KubeObject]> {
    for (const [resource, bucket] of this.buckets) for (const object of bucket.values()) yield [resource, object];
  }

  count(): number {
    let n = 0;
    for (const bucket of this.buckets.values()) n += bucket.size;
    return n;
  }

  /** Stores a new version of an object, stamping the next resourceVersion. */
  write(resource: string, object: KubeObject): KubeObject {
    const key = objectKey(object.metadata.namespace, object.metadata.name!);
    let bucket = this.buckets.get(resource);
    if (!bucket) this.buckets.set(resource, (bucket = new Map()));
    const previous = bucket.get(key);
    const rv = ++this.rv;
    const stored: KubeObject = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
    bucket.set(key, stored);
    this.emit({ rv, type: previous ? 'MODIFIED' : 'ADDED', resource, object: stored, previous });
    return stored;
  }

  /** Removes an object; the DELETED event carries it with a fresh resourceVersion. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.buckets.get(resource);
    const key = objectKey(namespace, name);
    const previous = bucket?.get(key);
    if (!bucket || !previous) return undefined;
    bucket.delete(key);
    const rv = ++this.rv;
    const removed: KubeObject = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } };
    this.emit({ rv, type: 'DELETED', resource, object: removed, previous });
    return removed;
  }

  /**
   * Events after `rv`, or undefined when the log no longer reaches that far back
   * (the caller answers 410 Gone, as kube-apiserver does for a too-old resourceVersion).
   */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv >= this.rv) return [];
    const first = this.log[0];
    if (!first || rv < first.rv - 1) return undefined;
    // The log is ordered by rv with no gaps, so the offset is arithmetic.
    return this.log.slice(rv - first.rv + 1);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Sets the one listener that sees every change before any subscriber does: the write-ahead
   * log. A subscriber that writes from its callback then cannot reorder the journal's records.
   */
  setJournal(journal: StoreListener | undefined): void {
    this.journal = journal;
  }

  /** Replaces the whole content (loading a snapshot); emits nothing. */
  restore(rv: number, entries: Iterable<[string, KubeObject]>): void {
    this.buckets.clear();
    this.log.length = 0;
    this.rv = rv;
    for (const [resource, object] of entries) {
      let bucket = this.buckets.get(resource);
      if (!bucket) this.buckets.set(resource, (bucket = new Map()));
      bucket.set(objectKey(object.metadata.namespace, object.metadata.name!), object);
    }
  }

  private emit(event: StoreEvent): void {
    this.journal?.(event);
    this.log.push(event);
    if (this.log.length > this.logSize * 1.25) this.log.splice(0, this.log.length - this.logSize);
    for (const listener of this.listeners) listener(event);
  }
}
