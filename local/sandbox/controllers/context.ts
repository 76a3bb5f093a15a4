/**
 * What every controller gets: the cluster, typed access to resource types, the shared work
 * queue, the indexes and the event recorder, plus write helpers that never resurrect an
 * object deleted in the meantime (writeAsController would create it again).
 */
import type { Cluster, DeleteOptions } from '../cluster.ts';
import { ApiError } from '../errors.ts';
import { resourceKey, type StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { ObjectIndex } from './cache.ts';
import type { ContainerLogs } from './container-logs.ts';
import type { EventRecorder } from './events.ts';
import type { Reconciler, WorkQueue } from './queue.ts';
import type { Timings } from './timings.ts';

export type ControllerDeps = {
  cluster: Cluster;
  resourceFor: (group: string, kind: string) => ResourceType;
  timings?: Partial<Timings>;
  /** Signs a legacy service-account token for a `kubernetes.io/service-account-token` Secret. */
  issueLegacyToken?: (secret: KubeObject, serviceAccount: KubeObject) => string;
  /** Registers (or, with deleted, removes) a CRD's resource; returns an error message on a name conflict. */
  onCustomResourceDefinition?: (crd: KubeObject, deleted: boolean) => string | undefined;
  /** Wall clock in ms (tests may inject one); defaults to Date.now. */
  now?: () => number;
  /** PEM of the cluster CA, published in kube-root-ca.crt and token Secrets. */
  caCertPem?: string;
  /** Where sync failures are reported; defaults to silence. */
  log?: (message: string) => void;
  /** Where the simulated containers' output goes (kubectl logs); none is kept without it. */
  containerLogs?: ContainerLogs;
};

export interface Controller extends Reconciler {
  /** Resource keys ("apps/deployments") whose events this controller receives; '*' for every resource. */
  readonly watches: readonly string[];
  onEvent(event: StoreEvent): void;
  /** Queues the initial work (objects that exist when the controllers start). */
  start?(): void;
}

/** Field managers recorded in managedFields, as on a real cluster. */
export const MANAGER = {
  controllers: 'kube-controller-manager',
  kubelet: 'kubelet',
  scheduler: 'kube-scheduler',
} as const;

export class Context {
  private readonly types = new Map<string, ResourceType | null>();

  constructor(
    readonly deps: ControllerDeps,
    readonly timings: Timings,
    readonly queue: WorkQueue,
    readonly cache: ObjectIndex,
    readonly events: EventRecorder,
    readonly now: () => number,
  ) {}

  get cluster(): Cluster {
    return this.deps.cluster;
  }

  /** The resource type of group/kind, or undefined when the server does not serve it. */
  type(group: string, kind: string): ResourceType | undefined {
    const id = `${group}/${kind}`;
    let rt = this.types.get(id);
    if (rt === undefined) {
      try {
        rt = this.deps.resourceFor(group, kind) ?? null;
      } catch {
        rt = null;
      }
      this.types.set(id, rt);
    }
    return rt ?? undefined;
  }

  /** The store key ("apps/deployments") of group/kind, or undefined. */
  key(group: string, kind: string): string | undefined {
    const rt = this.type(group, kind);
    return rt && resourceKey(rt);
  }

  /**
   * The type of an object stored under `resource` ("apps/deployments"): the served one, or a
   * minimal stand-in derived from the key when the server no longer serves it (a custom
   * resource whose CRD was removed) so that it can still be deleted.
   */
  typeForKey(resource: string, object: KubeObject): ResourceType {
    const slash = resource.indexOf('/');
    const group = resource.slice(0, slash);
    const plural = resource.slice(slash + 1);
    const known = this.type(group, object.kind);
    if (known && known.plural === plural) return known;
    const version = object.apiVersion.split('/').pop()!;
    return { group, version, kind: object.kind, plural, singular: '', namespaced: !!object.metadata.namespace, verbs: [], shortNames: [], subresources: [], categories: [] };
  }

  log(message: string): void {
    this.deps.log?.(message);
  }

  /** Replaces status only, provided the stored object is still the same one (same uid). */
  writeStatus(rt: ResourceType, current: KubeObject, status: unknown, manager: string = MANAGER.controllers): KubeObject | undefined {
    if (!this.isCurrent(rt, current)) return undefined;
    return this.cluster.writeAsController(rt, { ...current, status }, manager, 'status');
  }

  /** Replaces everything but status (spec, labels, annotations...), if the object still exists. */
  writeObject(rt: ResourceType, next: KubeObject, manager: string = MANAGER.controllers): KubeObject | undefined {
    if (!this.isCurrent(rt, next)) return undefined;
    return this.cluster.writeAsController(rt, next, manager);
  }

  create(rt: ResourceType, object: KubeObject, manager: string = MANAGER.controllers): KubeObject {
    return this.cluster.create(rt, object.metadata.namespace, object, { fieldManager: manager }).object;
  }

  /** Deletes, treating "already gone" as success. */
  delete(rt: ResourceType, object: KubeObject, options: DeleteOptions = {}): void {
    try {
      this.cluster.delete(rt, object.metadata.namespace, object.metadata.name!, { ...options, preconditions: { uid: object.metadata.uid } });
    } catch (error) {
      if (error instanceof ApiError && (error.code === 404 || error.code === 409)) return;
      throw error;
    }
  }

  private isCurrent(rt: ResourceType, object: KubeObject): boolean {
    const stored = this.cluster.tryGet(rt, object.metadata.namespace, object.metadata.name!);
    return !!stored && stored.metadata.uid === object.metadata.uid;
  }
}
