/**
 * Building Endpoints and EndpointSlices from the pods a Service selects. Pods are grouped by
 * how the service's target ports resolve on them (named ports may differ per pod), which is
 * how both controllers split subsets and slices.
 */
import type { KubeObject, OwnerReference } from '../types.ts';
import { isPodReady, isPodTerminal } from './util.ts';

export type EndpointPort = { name?: string; port: number; protocol: string; appProtocol?: string };
export type PortGroup = { ports: EndpointPort[]; pods: { pod: KubeObject; ready: boolean; terminating: boolean }[] };

const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const MANAGED_BY = 'endpointslice-controller.k8s.io';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';
const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

function resolvePort(pod: KubeObject, target: number | string | undefined, fallback: number): number | undefined {
  if (target === undefined) return fallback;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === target) return p.containerPort;
  return undefined;
}

export function groupEndpoints(svc: KubeObject, pods: KubeObject[]): PortGroup[] {
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const groups = new Map<string, PortGroup>();
  for (const pod of [...pods].sort((a, b) => ipOrder(a.status.podIP, b.status.podIP))) {
    if (isPodTerminal(pod)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = resolvePort(pod, sp.targetPort, sp.port);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    // A pod on which none of the service's ports resolves serves nothing (FindPort failed).
    if (ports.length === 0 && (svc.spec?.ports ?? []).length > 0) continue;
    const id = JSON.stringify(ports);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { ports, pods: [] }));
    group.pods.push({ pod, ready: isPodReady(pod) || publishNotReady, terminating: !!pod.metadata.deletionTimestamp });
  }
  return [...groups.values()];
}

function targetRef(pod: KubeObject) {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

function serviceLabels(svc: KubeObject): Record<string, string> {
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

export function buildEndpoints(svc: KubeObject, groups: PortGroup[], time: string): KubeObject {
  const subsets = groups
    .map((g) => {
      const address = ({ pod }: { pod: KubeObject }) => ({
        ip: pod.status.podIP,
        ...(pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {}),
        ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        targetRef: targetRef(pod),
      });
      const live = g.pods.filter((p) => !p.terminating);
      const ready = live.filter((p) => p.ready).map(address);
      const notReady = live.filter((p) => !p.ready).map(address);
      return { ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports: g.ports };
    })
    .filter((s) => s.addresses || s.notReadyAddresses);
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, labels: serviceLabels(svc), annotations: { [TRIGGER_TIME_ANNOTATION]: time } },
    ...(subsets.length ? { subsets } : {}),
  };
}

export function buildSlices(svc: KubeObject, groups: PortGroup[], owner: OwnerReference): KubeObject[] {
  const base = (ports: EndpointPort[], endpoints: unknown[]): KubeObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: { ...serviceLabels(svc), [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY_LABEL]: MANAGED_BY },
      ownerReferences: [owner],
    },
    addressType: 'IPv4',
    endpoints,
    ports,
  });
  if (groups.length === 0) {
    const ports = (svc.spec?.ports ?? []).map((p: any) => ({ ...(p.name ? { name: p.name } : {}), port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol ?? 'TCP' }));
    return [base(ports, [])];
  }
  return groups.map((g) =>
    base(
      g.ports,
      g.pods.map(({ pod, ready, terminating }) => ({
        addresses: [pod.status.podIP],
        conditions: { ready: ready && !terminating, serving: ready, terminating },
        ...(pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name ? { hostname: pod.spec.hostname } : {}),
        targetRef: targetRef(pod),
        ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      })),
    ),
  );
}

function ipOrder(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0);
  return n(a) - n(b);
}
