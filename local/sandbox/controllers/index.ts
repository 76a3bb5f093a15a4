/**
 * The simulated control plane: starts every controller over one shared work queue and one
 * store subscription. Controllers only react to store events and write through the
 * cluster's verbs, so watches, resourceVersions and generations look like a real server's.
 */
import { resourceKey } from '../store.ts';
import type { ResourceType } from '../types.ts';
import { ObjectIndex } from './cache.ts';
import { Context, type Controller, type ControllerDeps } from './context.ts';
import { CrdController } from './crd.ts';
import { CronJobController } from './cronjob.ts';
import { DaemonSetController } from './daemonset.ts';
import { DeploymentController } from './deployment.ts';
import { EventRecorder } from './events.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { HpaController } from './hpa.ts';
import { IngressController } from './ingress.ts';
import { JobController } from './job.ts';
import { PodLifecycle } from './kubelet.ts';
import { NamespaceController } from './namespace.ts';
import { bootstrap } from './nodes.ts';
import { PdbController } from './pdb.ts';
import { WorkQueue } from './queue.ts';
import { ReplicaSetController } from './replicaset.ts';
import { ServiceController } from './service.ts';
import { StatefulSetController } from './statefulset.ts';
import { DefaultStorageClass } from './storage.ts';
import { resolveTimings } from './timings.ts';
import { TokenSecretController } from './token-secret.ts';
import { VolumeController } from './volumes.ts';

export type { ControllerDeps } from './context.ts';
export { computeHash } from './hash.ts';
export { UTILIZATION_ANNOTATION } from './hpa.ts';
export { allocateClusterIP, allocateLoadBalancerIP, allocateNodePort, NODE_PORT_RANGE, POD_CIDR, SERVICE_CIDR } from './ipam.ts';
export { NODE_NAMES, SYSTEM_NAMESPACES } from './nodes.ts';
export { INVALID_REGISTRY_SUFFIX, MISSING_TAG, READY_AFTER_ANNOTATION } from './pod-conventions.ts';
export { executableExists, IMAGE_COMPANIONS, STANDARD_TOOLS } from './probes.ts';
export { DEFAULT_STORAGE_CLASS } from './storage.ts';
export { DEFAULT_TIMINGS, type Timings } from './timings.ts';
export { UNBOUND_STORAGE_CLASS } from './volumes.ts';

export type Controllers = {
  stop(): void;
  /** Resolves when nothing is queued and nothing is scheduled within the settle horizon (tests). */
  settle(): Promise<void>;
};

/** Which controllers run, each only if the server serves the kinds it needs. */
const CONTROLLERS: { needs: [string, string][]; make: (ctx: Context) => Controller }[] = [
  { needs: [['', 'Namespace']], make: (ctx) => new NamespaceController(ctx) },
  { needs: [], make: (ctx) => new GarbageCollector(ctx) },
  {
    needs: [
      ['apps', 'Deployment'],
      ['apps', 'ReplicaSet'],
    ],
    make: (ctx) => new DeploymentController(ctx),
  },
  {
    needs: [
      ['apps', 'ReplicaSet'],
      ['', 'Pod'],
    ],
    make: (ctx) => new ReplicaSetController(ctx),
  },
  { needs: [['', 'Pod']], make: (ctx) => new PodLifecycle(ctx) },
  {
    needs: [
      ['apps', 'StatefulSet'],
      ['', 'Pod'],
    ],
    make: (ctx) => new StatefulSetController(ctx),
  },
  {
    needs: [
      ['apps', 'DaemonSet'],
      ['', 'Pod'],
    ],
    make: (ctx) => new DaemonSetController(ctx),
  },
  {
    needs: [
      ['batch', 'Job'],
      ['', 'Pod'],
    ],
    make: (ctx) => new JobController(ctx),
  },
  {
    needs: [
      ['', 'Service'],
      ['', 'Pod'],
    ],
    make: (ctx) => new ServiceController(ctx),
  },
  { needs: [['networking.k8s.io', 'Ingress']], make: (ctx) => new IngressController(ctx) },
  { needs: [['', 'PersistentVolumeClaim']], make: (ctx) => new VolumeController(ctx) },
  { needs: [['apiextensions.k8s.io', 'CustomResourceDefinition']], make: (ctx) => new CrdController(ctx) },
  {
    needs: [
      ['', 'Secret'],
      ['', 'ServiceAccount'],
    ],
    make: (ctx) => new TokenSecretController(ctx),
  },
  {
    needs: [
      ['batch', 'CronJob'],
      ['batch', 'Job'],
    ],
    make: (ctx) => new CronJobController(ctx),
  },
  { needs: [['autoscaling', 'HorizontalPodAutoscaler']], make: (ctx) => new HpaController(ctx) },
  {
    needs: [
      ['policy', 'PodDisruptionBudget'],
      ['', 'Pod'],
    ],
    make: (ctx) => new PdbController(ctx),
  },
  { needs: [['storage.k8s.io', 'StorageClass']], make: (ctx) => new DefaultStorageClass(ctx) },
];

export function startControllers(deps: ControllerDeps): Controllers {
  const timings = resolveTimings(deps.timings);
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => {});
  const queue = new WorkQueue(now, log);
  const cache = new ObjectIndex(deps.cluster.store);
  let eventType: ResourceType | undefined | null = null;
  const resolveEventType = (): ResourceType | undefined => {
    if (eventType === null) {
      try {
        eventType = deps.resourceFor('', 'Event') ?? undefined;
      } catch {
        eventType = undefined;
      }
    }
    return eventType;
  };
  const events = new EventRecorder(deps.cluster, resolveEventType, now, timings.maxEvents);
  const ctx: Context = new Context(deps, timings, queue, cache, events, now);

  const controllers = CONTROLLERS.filter((c) => c.needs.every(([group, kind]) => ctx.type(group, kind))).map((c) => c.make(ctx));
  const byResource = new Map<string, Controller[]>();
  const everything: Controller[] = [];
  for (const controller of controllers) {
    for (const key of controller.watches) {
      if (key === '*') everything.push(controller);
      else byResource.set(key, [...(byResource.get(key) ?? []), controller]);
    }
  }
  const unsubscribe = deps.cluster.store.subscribe((event) => {
    cache.apply(event);
    for (const controller of byResource.get(event.resource) ?? []) controller.onEvent(event);
    for (const controller of everything) controller.onEvent(event);
  });

  bootstrap(ctx);
  for (const controller of controllers) controller.start?.();

  return {
    stop() {
      unsubscribe();
      queue.stop();
    },
    settle: () => queue.settle(timings.settleHorizonMs),
  };
}

/** The store key of a resource type, re-exported for callers wiring their own indexes. */
export { resourceKey };
