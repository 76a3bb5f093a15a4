/**
 * PersistentVolumeClaims: a dynamic provisioner creates a PersistentVolume `pvc-<uid>` and
 * the persistentvolume controller binds both (phase Bound). Claims without a class got the
 * default class `standard` at admission (storage.ts). Convention: storageClassName
 * `unbound` is never provisioned, so such claims stay Pending. Deleting a claim deletes
 * its provisioned volume (reclaimPolicy Delete).
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { DEFAULT_STORAGE_CLASS, PROVISIONER } from './storage.ts';
import { keyOf, splitKey } from './util.ts';

export const UNBOUND_STORAGE_CLASS = 'unbound';
const DEFAULT_CAPACITY = '1Gi';

export class VolumeController implements Controller {
  readonly name = 'persistentvolume';
  readonly watches: string[];
  private readonly pvcType: ResourceType;
  private readonly pvType: ResourceType | undefined;
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly ctx: Context) {
    this.pvcType = ctx.type('', 'PersistentVolumeClaim')!;
    this.pvType = ctx.type('', 'PersistentVolume');
    this.watches = [ctx.key('', 'PersistentVolumeClaim')!];
  }

  start(): void {
    for (const o of this.ctx.cluster.store.list(this.watches[0]!)) this.ctx.queue.add(this, keyOf(o));
  }

  onEvent(event: StoreEvent): void {
    if (event.type !== 'DELETED') return this.ctx.queue.add(this, keyOf(event.object));
    this.firstSeen.delete(event.object.metadata.uid!);
    this.releaseVolume(event.object);
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const pvc = this.ctx.cluster.tryGet(this.pvcType, namespace, name);
    if (!pvc || pvc.metadata.deletionTimestamp || pvc.status?.phase === 'Bound') return;
    const storageClass = pvc.spec?.storageClassName ?? DEFAULT_STORAGE_CLASS;
    if (storageClass === UNBOUND_STORAGE_CLASS || !this.pvType) {
      if (pvc.status?.phase !== 'Pending') this.ctx.writeStatus(this.pvcType, pvc, { ...(pvc.status ?? {}), phase: 'Pending' });
      return;
    }
    const now = this.ctx.now();
    let since = this.firstSeen.get(pvc.metadata.uid!);
    if (since === undefined) {
      this.firstSeen.set(pvc.metadata.uid!, (since = now));
      if (pvc.status?.phase !== 'Pending') this.ctx.writeStatus(this.pvcType, pvc, { ...(pvc.status ?? {}), phase: 'Pending' });
    }
    const due = since + this.ctx.timings.volumeBindMs;
    if (now < due) return this.ctx.queue.after(this, key, due - now);
    this.bind(this.ctx.cluster.tryGet(this.pvcType, namespace, name) ?? pvc, storageClass);
  }

  private bind(pvc: KubeObject, storageClass: string): void {
    const pvType = this.pvType!;
    const volumeName: string = pvc.spec?.volumeName ?? `pvc-${pvc.metadata.uid}`;
    const capacity = pvc.spec?.resources?.requests?.storage ?? DEFAULT_CAPACITY;
    const accessModes = pvc.spec?.accessModes ?? ['ReadWriteOnce'];
    let pv = this.ctx.cluster.tryGet(pvType, undefined, volumeName);
    if (!pv) {
      if (pvc.spec?.volumeName) return; // statically bound to a volume that does not exist: stays Pending
      pv = this.ctx.create(pvType, {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: volumeName, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
        spec: {
          capacity: { storage: capacity },
          accessModes,
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: storageClass,
          volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
          hostPath: { path: `/var/local-path-provisioner/${volumeName}_${pvc.metadata.namespace}_${pvc.metadata.name}`, type: 'DirectoryOrCreate' },
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: pvc.metadata.namespace,
            name: pvc.metadata.name,
            uid: pvc.metadata.uid,
            resourceVersion: pvc.metadata.resourceVersion,
          },
        },
      });
      this.ctx.events.record(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volumeName}`, { component: `${PROVISIONER}_sandbox` });
    }
    this.ctx.writeStatus(pvType, pv, { phase: 'Bound' });
    const bound = this.ctx.writeObject(this.pvcType, {
      ...pvc,
      metadata: {
        ...pvc.metadata,
        annotations: {
          ...(pvc.metadata.annotations ?? {}),
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
          'volume.kubernetes.io/storage-provisioner': PROVISIONER,
        },
      },
      spec: { ...pvc.spec, storageClassName: storageClass, volumeName, volumeMode: pvc.spec?.volumeMode ?? 'Filesystem' },
    });
    if (bound) this.ctx.writeStatus(this.pvcType, bound, { phase: 'Bound', accessModes, capacity: { storage: capacity } });
  }

  private releaseVolume(pvc: KubeObject): void {
    const name = pvc.spec?.volumeName;
    const pv = this.pvType && name ? this.ctx.cluster.tryGet(this.pvType, undefined, name) : undefined;
    if (pv && pv.spec?.claimRef?.uid === pvc.metadata.uid && pv.spec?.persistentVolumeReclaimPolicy === 'Delete') this.ctx.delete(this.pvType!, pv);
  }
}
