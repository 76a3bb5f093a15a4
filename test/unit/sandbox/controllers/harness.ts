/**
 * Test harness for the simulated controllers: a store, a cluster, a small literal table of
 * resource types standing in for the OpenAPI-derived registry, and bounded waits.
 */
import { Cluster } from '../../../../local/sandbox/cluster.ts';
import { type ControllerDeps, startControllers } from '../../../../local/sandbox/controllers/index.ts';
import type { Timings } from '../../../../local/sandbox/controllers/timings.ts';
import { ObjectStore } from '../../../../local/sandbox/store.ts';
import type { KubeObject, ResourceType } from '../../../../local/sandbox/types.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function type(group: string, version: string, kind: string, plural: string, namespaced: boolean, subresources: string[] = ['status']): ResourceType {
  return { group, version, kind, plural, singular: kind.toLowerCase(), namespaced, verbs: VERBS, shortNames: [], subresources, categories: [] };
}

export const TYPES: ResourceType[] = [
  type('', 'v1', 'Namespace', 'namespaces', false, ['status', 'finalize']),
  type('', 'v1', 'Node', 'nodes', false),
  type('', 'v1', 'Pod', 'pods', true),
  type('', 'v1', 'Service', 'services', true),
  type('', 'v1', 'Endpoints', 'endpoints', true, []),
  type('', 'v1', 'ConfigMap', 'configmaps', true, []),
  type('', 'v1', 'Secret', 'secrets', true, []),
  type('', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['token']),
  type('', 'v1', 'Event', 'events', true, []),
  type('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true),
  type('', 'v1', 'PersistentVolume', 'persistentvolumes', false),
  type('apps', 'v1', 'Deployment', 'deployments', true, ['status', 'scale']),
  type('apps', 'v1', 'ReplicaSet', 'replicasets', true, ['status', 'scale']),
  type('apps', 'v1', 'StatefulSet', 'statefulsets', true, ['status', 'scale']),
  type('apps', 'v1', 'DaemonSet', 'daemonsets', true),
  type('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true, []),
  type('batch', 'v1', 'Job', 'jobs', true),
  type('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true, []),
  type('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true),
  type('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
  type('example.com', 'v1', 'Widget', 'widgets', true),
];

export function resourceFor(group: string, kind: string): ResourceType {
  const rt = TYPES.find((t) => t.group === group && t.kind === kind);
  if (!rt) throw new Error(`no resource type ${group}/${kind}`);
  return rt;
}

export const rt = (kind: string): ResourceType => {
  const found = TYPES.find((t) => t.kind === kind);
  if (!found) throw new Error(`no resource type ${kind}`);
  return found;
};

export type Sandbox = ReturnType<typeof sandbox>;

export function sandbox(options: { timings?: Partial<Timings> } & Partial<Omit<ControllerDeps, 'cluster' | 'resourceFor' | 'timings'>> = {}) {
  const store = new ObjectStore();
  const cluster = new Cluster(store);
  const controllers = startControllers({ cluster, resourceFor, ...options });
  return {
    store,
    cluster,
    controllers,
    create(object: KubeObject): KubeObject {
      return cluster.create(rt(object.kind), object.metadata.namespace, object).object;
    },
    get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
      return cluster.tryGet(rt(kind), namespace, name);
    },
    list(kind: string, namespace?: string): KubeObject[] {
      return cluster.list(rt(kind), namespace).items;
    },
    /** Patches the main resource like `kubectl apply/patch` would (a user write). */
    update(kind: string, namespace: string | undefined, name: string, change: (o: KubeObject) => KubeObject): KubeObject {
      const current = cluster.get(rt(kind), namespace, name);
      return cluster.update(rt(kind), namespace, name, change(structuredClone(current))).object;
    },
    stop: () => controllers.stop(),
  };
}

/** Waits for `probe` to return a truthy value; fails with `what` after the timeout. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | null, timeoutMs = 15_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function deployment(
  name: string,
  options: {
    replicas?: number;
    image?: string;
    namespace?: string;
    strategy?: unknown;
    paused?: boolean;
    progressDeadlineSeconds?: number;
    annotations?: Record<string, string>;
    container?: Record<string, unknown>;
    minReadySeconds?: number;
  } = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.namespace ?? 'default' },
    spec: {
      replicas: options.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      ...(options.strategy ? { strategy: options.strategy } : {}),
      ...(options.paused ? { paused: true } : {}),
      ...(options.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: options.progressDeadlineSeconds } : {}),
      ...(options.minReadySeconds !== undefined ? { minReadySeconds: options.minReadySeconds } : {}),
      template: {
        metadata: { labels: { app: name }, ...(options.annotations ? { annotations: options.annotations } : {}) },
        spec: { containers: [{ name: 'app', image: options.image ?? 'nginx:1.27', ...(options.container ?? {}) }] },
      },
    },
  };
}

/** The ROLLOUT-RULES "done" rule for a Deployment. */
export function deploymentDone(d: KubeObject | undefined): boolean {
  if (!d || d.spec?.paused) return false;
  const s = d.status ?? {};
  const replicas = d.spec?.replicas ?? 1;
  return (
    (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= replicas &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

export function condition(o: KubeObject | undefined, type: string): Record<string, any> | undefined {
  return o?.status?.conditions?.find((c: { type: string }) => c.type === type);
}

export function pods(sb: Sandbox, namespace: string, label: Record<string, string>): KubeObject[] {
  return sb.list('Pod', namespace).filter((p) => Object.entries(label).every(([k, v]) => p.metadata.labels?.[k] === v));
}
