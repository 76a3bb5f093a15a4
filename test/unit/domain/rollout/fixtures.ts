/**
 * Live objects as the controllers write them, for the rollout rule tests. Each builder
 * starts from a done object; tests override the fields under test.
 */
import type { Manifest } from '#domain/model.ts';

type Meta = Manifest['metadata'];

export function live(apiVersion: string, kind: string, name: string, body: Record<string, unknown> = {}, metadata: Partial<Meta> = {}): Manifest {
  return { apiVersion, kind, metadata: { name, namespace: 'shop', generation: 1, ...metadata }, ...body };
}

export function condition(type: string, status: 'True' | 'False' | 'Unknown', reason?: string, message?: string) {
  return { type, status, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/** A Deployment of 3 replicas, rolled out at generation 2 and revision 2. */
export function deployment(spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}, metadata: Partial<Meta> = {}): Manifest {
  return live(
    'apps/v1',
    'Deployment',
    'web',
    {
      spec: { replicas: 3, ...spec },
      status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, ...status },
    },
    { generation: 2, uid: 'uid-web', annotations: { 'deployment.kubernetes.io/revision': '2' }, ...metadata },
  );
}

export function replicaSet(name: string, revision: string, status: Record<string, unknown> = {}): Manifest {
  return live(
    'apps/v1',
    'ReplicaSet',
    name,
    { spec: { replicas: 3 }, status: { observedGeneration: 1, replicas: 3, availableReplicas: 3, ...status } },
    {
      uid: `uid-${name}`,
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'uid-web' }],
    },
  );
}

export type ContainerState = Record<string, unknown>;

/** A pod owned by ReplicaSet `owner`, Running and Ready unless the caller says otherwise. */
export function pod(
  name: string,
  options: { owner?: string; phase?: string; ready?: boolean; restartPolicy?: string; containers?: ContainerState[]; init?: ContainerState[]; status?: Record<string, unknown> } = {},
): Manifest {
  const ready = options.ready ?? true;
  const owner = options.owner ?? 'web-new';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}` }] },
    spec: { restartPolicy: options.restartPolicy ?? 'Always', containers: [{ name: 'web', image: 'nginx:1.27' }] },
    status: {
      phase: options.phase ?? 'Running',
      conditions: [condition('PodScheduled', 'True'), condition('Ready', ready ? 'True' : 'False')],
      containerStatuses: options.containers ?? [{ name: 'web', ready, restartCount: 0, state: { running: {} } }],
      ...(options.init ? { initContainerStatuses: options.init } : {}),
      ...options.status,
    },
  };
}

export function waiting(name: string, reason: string, message?: string, restartCount = 0, lastState?: Record<string, unknown>): ContainerState {
  return { name, ready: false, restartCount, state: { waiting: { reason, ...(message ? { message } : {}) } }, ...(lastState ? { lastState } : {}) };
}
