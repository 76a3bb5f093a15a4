/**
 * Garbage collector: dependents whose owners are all gone are deleted (background
 * propagation); an owner deleted with the `foregroundDeletion` finalizer waits until its
 * blocking dependents are gone; one with the `orphan` finalizer has the ownerReferences to
 * it stripped from its dependents. Keys are "d:<ref>" (check a dependent) and "o:<uid>"
 * (an owner waiting on its dependents).
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, OwnerReference } from '../types.ts';
import type { Context, Controller } from './context.ts';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';
const SEPARATOR = '\u0000';

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  readonly watches = ['*'];

  constructor(private readonly ctx: Context) {}

  start(): void {
    for (const [resource, object] of this.ctx.cluster.store.entries()) this.inspect(resource, object, undefined);
  }

  onEvent(event: StoreEvent): void {
    const { object } = event;
    if (event.type === 'DELETED') {
      for (const dep of this.ctx.cache.dependents(object.metadata.uid!)) this.ctx.queue.add(this, dependentKey(dep.resource, dep.namespace, dep.name));
      for (const owner of object.metadata.ownerReferences ?? []) this.ctx.queue.add(this, `o:${owner.uid}`);
      return;
    }
    this.inspect(event.resource, object, event.previous);
  }

  reconcile(key: string): void {
    if (key.startsWith('o:')) this.syncOwner(key.slice(2));
    else {
      const [resource, namespace, name] = key.slice(2).split(SEPARATOR);
      this.syncDependent(resource!, namespace || undefined, name!);
    }
  }

  private inspect(resource: string, object: KubeObject, previous: KubeObject | undefined): void {
    const finalizers = object.metadata.finalizers ?? [];
    if (object.metadata.deletionTimestamp && (finalizers.includes(FOREGROUND_FINALIZER) || finalizers.includes(ORPHAN_FINALIZER))) {
      this.ctx.queue.add(this, `o:${object.metadata.uid}`);
    }
    const refs = object.metadata.ownerReferences ?? [];
    if (refs.some((r) => !this.ctx.cache.locate(r.uid))) this.ctx.queue.add(this, dependentKey(resource, object.metadata.namespace, object.metadata.name!));
    // A dependent that dropped an ownerReference may be what its owner was waiting for.
    for (const old of previous?.metadata.ownerReferences ?? []) {
      if (!refs.some((r) => r.uid === old.uid)) this.ctx.queue.add(this, `o:${old.uid}`);
    }
  }

  private syncDependent(resource: string, namespace: string | undefined, name: string): void {
    let object = this.ctx.cluster.store.get(resource, namespace, name);
    if (!object || object.metadata.deletionTimestamp) return;
    const refs = object.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    const orphaning: OwnerReference[] = [];
    const solid: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = this.ctx.cache.getByUid(ref.uid);
      const finalizers = owner?.metadata.finalizers ?? [];
      if (!owner) dangling.push(ref);
      else if (owner.metadata.deletionTimestamp && finalizers.includes(ORPHAN_FINALIZER)) orphaning.push(ref);
      else if (owner.metadata.deletionTimestamp && finalizers.includes(FOREGROUND_FINALIZER)) waiting.push(ref);
      else solid.push(ref);
    }
    const rt = this.ctx.typeForKey(resource, object);
    if (solid.length > 0 || (orphaning.length > 0 && dangling.length + waiting.length === 0)) {
      // Still owned (or only released): drop the references that no longer hold.
      const drop = new Set([...dangling, ...waiting, ...orphaning].map((r) => r.uid));
      if (drop.size > 0) this.stripOwners(object, rt, drop);
      return;
    }
    if (orphaning.length > 0) object = this.stripOwners(object, rt, new Set(orphaning.map((r) => r.uid))) ?? object;
    // Every owner is gone or going: the dependent goes too, in the foreground when an owner waits for it.
    const own = object.metadata.finalizers ?? [];
    const policy = own.includes(ORPHAN_FINALIZER) ? 'Orphan' : waiting.length > 0 || own.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    this.ctx.delete(rt, object, { propagationPolicy: policy });
  }

  private syncOwner(uid: string): void {
    const ref = this.ctx.cache.locate(uid);
    const owner = ref && this.ctx.cluster.store.get(ref.resource, ref.namespace, ref.name);
    if (!ref || !owner?.metadata.deletionTimestamp) return;
    const rt = this.ctx.typeForKey(ref.resource, owner);
    const finalizers = owner.metadata.finalizers ?? [];
    const dependents = this.ctx.cache.dependents(uid);
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const dep of dependents) {
        const object = this.ctx.cluster.store.get(dep.resource, dep.namespace, dep.name);
        if (object) this.stripOwners(object, this.ctx.typeForKey(dep.resource, object), new Set([uid]));
      }
      this.ctx.cluster.removeFinalizer(rt, owner, ORPHAN_FINALIZER);
      return;
    }
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      let blocking = 0;
      for (const dep of dependents) {
        const object = this.ctx.cluster.store.get(dep.resource, dep.namespace, dep.name);
        if (!object) continue;
        if (!object.metadata.deletionTimestamp) this.syncDependent(dep.resource, dep.namespace, dep.name);
        const still = this.ctx.cluster.store.get(dep.resource, dep.namespace, dep.name);
        if (still?.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion)) blocking++;
      }
      if (blocking === 0) this.ctx.cluster.removeFinalizer(rt, owner, FOREGROUND_FINALIZER);
    }
  }

  private stripOwners(object: KubeObject, rt: ReturnType<Context['typeForKey']>, uids: Set<string>): KubeObject | undefined {
    const ownerReferences = (object.metadata.ownerReferences ?? []).filter((r) => !uids.has(r.uid));
    const metadata = { ...object.metadata, ownerReferences };
    if (ownerReferences.length === 0) delete (metadata as { ownerReferences?: unknown }).ownerReferences;
    return this.ctx.writeObject(rt, { ...object, metadata });
  }
}

function dependentKey(resource: string, namespace: string | undefined, name: string): string {
  return `d:${resource}${SEPARATOR}${namespace ?? ''}${SEPARATOR}${name}`;
}
