/**
 * The cluster's default StorageClass and the DefaultStorageClass admission plugin.
 *
 * A fresh sandbox has StorageClass `standard` (annotated as the default class, provisioner
 * `sandbox.conveyor.dev/hostpath`, reclaimPolicy Delete, volumeBindingMode Immediate); it is
 * created at start unless a default class or a class of that name already exists, so a
 * user who replaced it keeps their choice. A PersistentVolumeClaim created without
 * spec.storageClassName gets the default class's name, as kube-apiserver's admission
 * (plugin/pkg/admission/storage/storageclass/setdefault) does: an explicit "" stays, and
 * with several defaults the newest wins. volumes.ts then provisions and binds it.
 */
import type { ObjectStore } from '../store.ts';
import type { KubeObject } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { MANAGER } from './context.ts';

export const DEFAULT_STORAGE_CLASS = 'standard';
export const PROVISIONER = 'sandbox.conveyor.dev/hostpath';
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
const STORAGE_CLASSES = 'storage.k8s.io/storageclasses';

export function isDefaultClass(sc: KubeObject): boolean {
  const annotations = sc.metadata.annotations ?? {};
  return annotations[DEFAULT_CLASS_ANNOTATION] === 'true' || annotations[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** GetDefaultClass: the newest default class (by creationTimestamp, then name), if any. */
export function defaultStorageClass(store: ObjectStore): KubeObject | undefined {
  const defaults = store.list(STORAGE_CLASSES).filter(isDefaultClass);
  defaults.sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? 1 : -1;
    return a.metadata.name! < b.metadata.name! ? -1 : 1;
  });
  return defaults[0];
}

/** The DefaultStorageClass admission step for a new claim (mutates it). */
export function admitPersistentVolumeClaim(store: ObjectStore, claim: KubeObject): void {
  if (claim.spec?.storageClassName !== undefined && claim.spec?.storageClassName !== null) return;
  const sc = defaultStorageClass(store);
  if (sc) claim.spec = { ...(claim.spec ?? {}), storageClassName: sc.metadata.name };
}

/** Creates the default StorageClass at start; it watches nothing afterwards. */
export class DefaultStorageClass implements Controller {
  readonly name = 'default-storage-class';
  readonly watches: string[] = [];

  constructor(private readonly ctx: Context) {}

  start(): void {
    const rt = this.ctx.type('storage.k8s.io', 'StorageClass')!;
    if (this.ctx.cluster.tryGet(rt, undefined, DEFAULT_STORAGE_CLASS) || defaultStorageClass(this.ctx.cluster.store)) return;
    this.ctx.cluster.writeAsController(
      rt,
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
        provisioner: PROVISIONER,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
        allowVolumeExpansion: true,
      },
      MANAGER.controllers,
    );
  }

  onEvent(): void {}

  reconcile(): void {}
}
