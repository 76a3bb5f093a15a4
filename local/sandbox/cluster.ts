/**
 * The cluster's verbs with kube-apiserver's semantics (names, uids, resourceVersions,
 * generation, optimistic concurrency, status subresource, finalizers, garbage collection),
 * shared by the HTTP layer and the simulated controllers. No HTTP or auth here.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, badRequest, forbidden, notFound, staleResourceVersion } from './errors.ts';
import { tracksGeneration } from './generation.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { checkStorageSize } from './storage-size.ts';
import { type ObjectStore, resourceKey } from './store.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from './types.ts';

/** Which fields of an object belong to the server rather than the writer. */
const SERVER_OWNED_METADATA = ['uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'resourceVersion'] as const;

/** Characters Kubernetes uses for generateName suffixes (no vowels, no look-alikes). */
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const NAME_SUFFIX_LENGTH = 5;
const FOREGROUND_FINALIZER = 'foregroundDeletion';
const ORPHAN_FINALIZER = 'orphan';

export type WriteOptions = {
  dryRun?: boolean;
  /** Manager recorded in managedFields for non-apply writes. */
  fieldManager?: string;
  /** 'status' writes only the status; '' or undefined writes everything else. */
  subresource?: string;
};

export type DeleteOptions = {
  dryRun?: boolean;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
};

export type ListOptions = { labelSelector?: string; fieldSelector?: string };

/**
 * Extension points the server wires in: what a create fills in once the uid is known (Job
 * selectors, Service cluster IPs), what an update keeps or fills in (allocated addresses),
 * managedFields bookkeeping for every write, and which resources are custom.
 *
 * As in kube-apiserver, where the field manager runs before the registry strategy,
 * managedFields are computed before prepareCreate/prepareUpdate: the fields these fill in
 * belong to no manager.
 */
export interface ClusterHooks {
  /** Fills in server-assigned fields of a new object (mutates it); throws ApiError. */
  prepareCreate?(rt: ResourceType, object: KubeObject): void;
  /** Fills in server-assigned fields of a replaced object's spec from `old` or anew (mutates `next`); throws ApiError. */
  prepareUpdate?(rt: ResourceType, old: KubeObject, next: KubeObject): void;
  /** Whether `rt` is served for a CustomResourceDefinition (custom resources always carry a generation). */
  isCustom?(rt: ResourceType): boolean;
  /** Returns the managedFields after a non-apply write by `manager`. */
  managedFields?(rt: ResourceType, old: KubeObject | undefined, next: KubeObject, manager: string, subresource: string | undefined): KubeObject['metadata']['managedFields'];
}

export class Cluster {
  constructor(
    readonly store: ObjectStore,
    private readonly hooks: ClusterHooks = {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** RFC 3339 with second precision, as Kubernetes writes timestamps. */
  timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  tryGet(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(resourceKey(rt), rt.namespaced ? namespace : undefined, name);
  }

  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.tryGet(rt, namespace, name);
    if (!found) throw notFound(rt.group, rt.plural, name);
    return found;
  }

  list(rt: ResourceType, namespace: string | undefined, options: ListOptions = {}): { items: KubeObject[]; resourceVersion: string } {
    const byLabel = parseLabelSelector(options.labelSelector);
    const byField = parseFieldSelector(options.fieldSelector, rt.kind);
    const items = this.store
      .list(resourceKey(rt), rt.namespaced ? namespace : undefined)
      .filter((o) => byLabel(o) && byField(o))
      .sort(compareByNamespaceAndName);
    return { items, resourceVersion: String(this.store.resourceVersion) };
  }

  /** Creates an object; the caller has validated it (user requests) or built it (controllers). */
  create(rt: ResourceType, namespace: string | undefined, input: KubeObject, options: WriteOptions = {}): { object: KubeObject } {
    const object = this.normalizeIncoming(rt, namespace, input);
    if (!object.metadata.name) {
      if (!object.metadata.generateName) throw invalidName(rt, 'name or generateName is required');
      object.metadata.name = this.generateName(rt, object.metadata.namespace, object.metadata.generateName);
    }
    const name = object.metadata.name;
    if (rt.namespaced) this.requireWritableNamespace(object.metadata.namespace!);
    if (this.tryGet(rt, object.metadata.namespace, name)) throw alreadyExists(rt.group, rt.plural, name);

    for (const field of SERVER_OWNED_METADATA) delete object.metadata[field];
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = this.timestamp();
    if (this.tracksGeneration(rt)) object.metadata.generation = 1;
    // The main resource never sets status where a status subresource exists.
    if (rt.subresources.includes('status') && options.subresource !== 'status') delete object.status;
    this.trackManagedFields(rt, undefined, object, options);
    this.hooks.prepareCreate?.(rt, object);
    dropEmptyMetadata(object);
    if (options.dryRun) return { object: { ...object, metadata: { ...object.metadata } } };
    checkStorageSize(object);
    return { object: this.store.write(resourceKey(rt), object) };
  }

  /**
   * Replaces an object (PUT). With subresource 'status' only the status is taken from the
   * input; otherwise the status is kept from the stored object when a status subresource
   * exists. A resourceVersion in the input must match the stored one.
   */
  update(rt: ResourceType, namespace: string | undefined, name: string, input: KubeObject, options: WriteOptions = {}): { object: KubeObject } {
    const old = this.get(rt, namespace, name);
    const incoming = this.normalizeIncoming(rt, namespace, input);
    if (incoming.metadata.name && incoming.metadata.name !== name) {
      throw badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    }
    const expectedRv = incoming.metadata.resourceVersion;
    if (expectedRv && expectedRv !== old.metadata.resourceVersion) throw staleResourceVersion(rt.group, rt.plural, name);

    let next: KubeObject;
    if (options.subresource === 'status') {
      next = { ...old, metadata: { ...old.metadata }, status: incoming.status };
    } else {
      next = { ...incoming, metadata: { ...incoming.metadata, name } };
      for (const field of SERVER_OWNED_METADATA) {
        if (old.metadata[field] !== undefined) (next.metadata as Record<string, unknown>)[field] = old.metadata[field];
        else delete next.metadata[field];
      }
      if (rt.subresources.includes('status')) {
        if (old.status !== undefined) next.status = old.status;
        else delete next.status;
      }
    }
    this.trackManagedFields(rt, old, next, options);
    if (options.subresource !== 'status') this.hooks.prepareUpdate?.(rt, old, next);
    if (!this.tracksGeneration(rt)) delete next.metadata.generation;
    else if (options.subresource !== 'status' && specChanged(old, next)) next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    dropEmptyMetadata(next);
    // Like etcd3's GuaranteedUpdate, an update that changes nothing is not written: the
    // resourceVersion stays and no watch event is sent (kubectl then says "(no change)").
    // A change of managedFields timestamps alone is none either (the field manager's
    // IgnoreManagedFieldsTimestampsTransformer puts the old ones back).
    if (sameContent(old, next)) return { object: old };
    if (options.dryRun) return { object: next };
    if (next.metadata.deletionTimestamp && !blocksDeletion(next)) {
      // The last finalizer is gone: the deletion that was waiting for it completes now.
      return { object: this.finishDeletion(rt, next) };
    }
    checkStorageSize(next);
    return { object: this.store.write(resourceKey(rt), next) };
  }

  /**
   * Deletes an object. With finalizers (its own, or foregroundDeletion / orphan added by the
   * propagation policy) it lingers with a deletionTimestamp until they are removed.
   */
  delete(rt: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): { object: KubeObject; gone: boolean } {
    const old = this.get(rt, namespace, name);
    if (options.preconditions?.uid && options.preconditions.uid !== old.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${options.preconditions.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (options.preconditions?.resourceVersion && options.preconditions.resourceVersion !== old.metadata.resourceVersion) {
      throw staleResourceVersion(rt.group, rt.plural, name);
    }
    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (options.propagationPolicy === 'Foreground' && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
    if (options.propagationPolicy === 'Orphan' && !finalizers.includes(ORPHAN_FINALIZER)) finalizers.push(ORPHAN_FINALIZER);

    const lingers = finalizers.length > 0 || namespaceFinalizers(old).length > 0;
    if (options.dryRun) return { object: old, gone: !lingers };
    if (!lingers) return { object: this.finishDeletion(rt, old), gone: true };
    if (old.metadata.deletionTimestamp) return { object: old, gone: false };
    const terminating: KubeObject = {
      ...old,
      metadata: { ...old.metadata, ...(finalizers.length ? { finalizers } : {}), deletionTimestamp: this.timestamp(), deletionGracePeriodSeconds: 0 },
    };
    if (rt.kind === 'Namespace') terminating.status = { ...(old.status ?? {}), phase: 'Terminating' };
    return { object: this.store.write(resourceKey(rt), terminating), gone: false };
  }

  /** Removes a finalizer from an object (what a controller does when its cleanup is done). */
  removeFinalizer(rt: ResourceType, object: KubeObject, finalizer: string): void {
    const current = this.tryGet(rt, object.metadata.namespace, object.metadata.name!);
    if (!current?.metadata.finalizers?.includes(finalizer)) return;
    const finalizers = current.metadata.finalizers.filter((f) => f !== finalizer);
    const next: KubeObject = { ...current, metadata: { ...current.metadata, finalizers } };
    if (finalizers.length === 0) delete next.metadata.finalizers;
    if (next.metadata.deletionTimestamp && !blocksDeletion(next)) this.finishDeletion(rt, next);
    else this.store.write(resourceKey(rt), next);
  }

  /** Writes an object as a controller does: no admission, resourceVersion not checked. */
  writeAsController(rt: ResourceType, object: KubeObject, manager: string, subresource?: string): KubeObject {
    const old = this.tryGet(rt, object.metadata.namespace, object.metadata.name!);
    if (!old) return this.create(rt, object.metadata.namespace, object, { fieldManager: manager, subresource }).object;
    const { resourceVersion: _ignored, ...metadata } = object.metadata;
    return this.update(rt, object.metadata.namespace, object.metadata.name!, { ...object, metadata }, { fieldManager: manager, subresource }).object;
  }

  private finishDeletion(rt: ResourceType, object: KubeObject): KubeObject {
    return this.store.remove(resourceKey(rt), object.metadata.namespace, object.metadata.name!) ?? object;
  }

  private tracksGeneration(rt: ResourceType): boolean {
    return tracksGeneration(rt, this.hooks.isCustom?.(rt) ?? false);
  }

  private trackManagedFields(rt: ResourceType, old: KubeObject | undefined, next: KubeObject, options: WriteOptions): void {
    if (!this.hooks.managedFields || !options.fieldManager) return;
    const managed = this.hooks.managedFields(rt, old, next, options.fieldManager, options.subresource);
    if (managed?.length) next.metadata.managedFields = managed;
    else delete next.metadata.managedFields;
  }

  /** A deep copy with apiVersion/kind/namespace checked and filled in from the URL. */
  private normalizeIncoming(rt: ResourceType, namespace: string | undefined, input: KubeObject): KubeObject {
    if (!input || typeof input !== 'object' || Array.isArray(input)) throw badRequest('the request body must be a JSON object');
    const object = structuredClone(input) as KubeObject;
    object.metadata ??= {};
    if (typeof object.metadata !== 'object' || Array.isArray(object.metadata)) throw badRequest('metadata must be an object');
    const apiVersion = apiVersionOf(rt);
    if (object.kind !== undefined && object.kind !== rt.kind && rt.kind !== 'Scale') {
      throw badRequest(`the kind of the object (${object.kind}) does not match the resource (${rt.kind})`);
    }
    object.apiVersion = apiVersion;
    object.kind = rt.kind;
    if (rt.namespaced) {
      if (object.metadata.namespace && namespace && object.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      object.metadata.namespace = namespace ?? object.metadata.namespace;
      if (!object.metadata.namespace) throw badRequest('a namespace is required for a namespaced resource');
    } else {
      delete object.metadata.namespace;
    }
    return object;
  }

  private requireWritableNamespace(namespace: string): void {
    const ns = this.store.get('/namespaces', undefined, namespace);
    if (!ns) throw notFound('', 'namespaces', namespace);
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`, { name: namespace, kind: 'namespaces' });
    }
  }

  private generateName(rt: ResourceType, namespace: string | undefined, prefix: string): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < NAME_SUFFIX_LENGTH; i++) suffix += NAME_SUFFIX_ALPHABET[Math.floor(Math.random() * NAME_SUFFIX_ALPHABET.length)];
      const name = `${prefix}${suffix}`;
      if (!this.tryGet(rt, namespace, name)) return name;
    }
  }
}

/**
 * A Namespace carries its finalizers in spec.finalizers ("kubernetes"): the namespace
 * controller empties the namespace, then clears them through the finalize subresource.
 */
export function namespaceFinalizers(object: KubeObject): string[] {
  return object.kind === 'Namespace' ? (object.spec?.finalizers ?? []) : [];
}

function blocksDeletion(object: KubeObject): boolean {
  return (object.metadata.finalizers?.length ?? 0) > 0 || namespaceFinalizers(object).length > 0;
}

/**
 * Every ObjectMeta field is `omitempty`: what decodes to an empty map, list or string (or
 * null) is not stored, so patches and applies leave no `annotations: {}`, `labels: {}` or
 * `managedFields: []` behind (kubectl diff would show them on every object).
 */
function dropEmptyMetadata(object: KubeObject): void {
  const metadata = object.metadata as Record<string, unknown>;
  for (const key of Object.keys(metadata)) {
    const value = metadata[key];
    if (value === null || value === '' || (typeof value === 'object' && (Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0))) delete metadata[key];
  }
}

/** Equal apart from the resourceVersion and managedFields timestamps, ignoring the order of object keys. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = ({ metadata: { resourceVersion: _rv, managedFields, ...metadata }, ...rest }: KubeObject) => ({
    ...rest,
    metadata: { ...metadata, managedFields: managedFields?.map(({ time: _time, ...entry }) => entry) },
  });
  return deepEqual(strip(a), strip(b));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => deepEqual(v, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Anything but metadata and status differs (for built-ins with a spec, the spec), key order aside. */
function specChanged(old: KubeObject, next: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject) => rest;
  return !deepEqual(strip(old), strip(next));
}

function compareByNamespaceAndName(a: KubeObject, b: KubeObject): number {
  const an = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const bn = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

function invalidName(rt: ResourceType, message: string): ApiError {
  return new ApiError(422, 'Invalid', `${rt.kind}${rt.group ? `.${rt.group}` : ''} "" is invalid: metadata.name: Required value: ${message}`, {
    kind: rt.kind,
    group: rt.group,
    causes: [{ reason: 'FieldValueRequired', message: `Required value: ${message}`, field: 'metadata.name' }],
  });
}
