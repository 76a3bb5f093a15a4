/**
 * CustomResourceDefinitions: the naming and establishing controllers (NamesAccepted,
 * Established, status.acceptedNames) with the server's registry told through
 * `onCustomResourceDefinition`, and the finalizer controller that deletes every custom
 * resource of a CRD being deleted before letting it go.
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { type Condition, canonicalJson, formatTime, upsertCondition } from './util.ts';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

export class CrdController implements Controller {
  readonly name = 'crd';
  readonly watches: string[];
  private readonly crdType: ResourceType;
  /** What was last registered, per CRD name: uid and generation, and the object for the removal call. */
  private readonly registered = new Map<string, { uid: string; generation: number; crd: KubeObject; error?: string }>();

  constructor(private readonly ctx: Context) {
    this.crdType = ctx.type('apiextensions.k8s.io', 'CustomResourceDefinition')!;
    this.watches = [ctx.key('apiextensions.k8s.io', 'CustomResourceDefinition')!];
  }

  start(): void {
    for (const o of this.ctx.cluster.store.list(this.watches[0]!)) this.ctx.queue.add(this, o.metadata.name!);
  }

  onEvent(event: StoreEvent): void {
    this.ctx.queue.add(this, event.object.metadata.name!);
  }

  reconcile(name: string): void {
    const crd = this.ctx.cluster.tryGet(this.crdType, undefined, name);
    const known = this.registered.get(name);
    if (!crd || (known && known.uid !== crd.metadata.uid)) {
      if (known) {
        this.registered.delete(name);
        this.ctx.deps.onCustomResourceDefinition?.(known.crd, true);
      }
      if (!crd) return;
    }
    if (crd.metadata.deletionTimestamp) return this.cleanUp(crd);
    let current = crd;
    if (!(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) {
      current = this.ctx.writeObject(this.crdType, { ...crd, metadata: { ...crd.metadata, finalizers: [...(crd.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER] } }) ?? crd;
    }
    const generation = current.metadata.generation ?? 1;
    let entry = this.registered.get(name);
    if (!entry || entry.generation !== generation) {
      const error = this.ctx.deps.onCustomResourceDefinition?.(current, false);
      entry = { uid: current.metadata.uid!, generation, crd: current, error };
      this.registered.set(name, entry);
    }
    const status = this.status(current, entry.error);
    if (canonicalJson(status) !== canonicalJson(current.status ?? {})) this.ctx.writeStatus(this.crdType, current, status);
  }

  private status(crd: KubeObject, error: string | undefined): Record<string, unknown> {
    const time = formatTime(this.ctx.now());
    const names = crd.spec?.names ?? {};
    const kind: string = names.kind ?? '';
    const acceptedNames = {
      plural: names.plural,
      singular: names.singular ?? kind.toLowerCase(),
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      kind,
      listKind: names.listKind ?? `${kind}List`,
      ...(names.categories ? { categories: names.categories } : {}),
    };
    let conditions: Condition[] = crd.status?.conditions ?? [];
    if (error) {
      conditions = upsertCondition(conditions, { type: 'NamesAccepted', status: 'False', lastTransitionTime: time, reason: 'NameConflict', message: error });
      conditions = upsertCondition(conditions, { type: 'Established', status: 'False', lastTransitionTime: time, reason: 'NotAccepted', message: 'not all names are accepted' });
    } else {
      conditions = upsertCondition(conditions, { type: 'NamesAccepted', status: 'True', lastTransitionTime: time, reason: 'NoConflicts', message: 'no conflicts found' });
      conditions = upsertCondition(conditions, { type: 'Established', status: 'True', lastTransitionTime: time, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
    }
    const storage = (crd.spec?.versions ?? []).find((v: { storage?: boolean }) => v.storage)?.name;
    const stored: string[] = [...(crd.status?.storedVersions ?? [])];
    if (storage && !stored.includes(storage)) stored.push(storage);
    return { conditions, acceptedNames: error ? (crd.status?.acceptedNames ?? { plural: '', kind: '' }) : acceptedNames, storedVersions: stored };
  }

  /** Deletes every instance of the CRD's resource, then releases the CRD. */
  private cleanUp(crd: KubeObject): void {
    const key = `${crd.spec?.group}/${crd.spec?.names?.plural}`;
    const remaining = this.ctx.cluster.store.list(key);
    for (const object of remaining) if (!object.metadata.deletionTimestamp) this.ctx.delete(this.ctx.typeForKey(key, object), object);
    if (this.ctx.cluster.store.list(key).length > 0) {
      // Instances with finalizers of their own: look again shortly.
      this.ctx.queue.after(this, crd.metadata.name!, 100);
      return;
    }
    const known = this.registered.get(crd.metadata.name!);
    this.ctx.cluster.removeFinalizer(this.crdType, crd, CRD_CLEANUP_FINALIZER);
    if (known && !this.ctx.cluster.tryGet(this.crdType, undefined, crd.metadata.name!)) {
      this.registered.delete(crd.metadata.name!);
      this.ctx.deps.onCustomResourceDefinition?.(crd, true);
    }
  }
}
