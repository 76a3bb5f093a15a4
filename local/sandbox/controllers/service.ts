/**
 * Service controllers: cluster IP and NodePort allocation (when the writer left them empty),
 * the cloud LoadBalancer (status.loadBalancer.ingress after the LB delay), and the endpoints
 * and endpointslice controllers keeping Endpoints and EndpointSlices in step with the pods
 * the selector matches (ready and not-ready addresses, terminating ones in slices).
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { buildEndpoints, buildSlices, groupEndpoints, type PortGroup } from './endpoints.ts';
import { allocateClusterIP, allocateLoadBalancerIP, allocateNodePort } from './ipam.ts';
import { canonicalJson, formatTime, isPodReady, keyOf, ownerReferenceTo, splitKey } from './util.ts';

const COMPONENT = 'service-controller';
const LB_TYPES = new Set(['LoadBalancer']);
const NODE_PORT_TYPES = new Set(['NodePort', 'LoadBalancer']);

export class ServiceController implements Controller {
  readonly name = 'service';
  readonly watches: string[];
  private readonly svcType: ResourceType;
  private readonly svcKey: string;
  private readonly podKey: string;
  private readonly endpointsType: ResourceType | undefined;
  private readonly sliceType: ResourceType | undefined;
  private readonly sliceKey: string | undefined;
  /** When each LoadBalancer service was first seen without an address (by uid). */
  private readonly lbRequested = new Map<string, number>();

  constructor(private readonly ctx: Context) {
    this.svcType = ctx.type('', 'Service')!;
    this.svcKey = ctx.key('', 'Service')!;
    this.podKey = ctx.key('', 'Pod')!;
    this.endpointsType = ctx.type('', 'Endpoints');
    this.sliceType = ctx.type('discovery.k8s.io', 'EndpointSlice');
    this.sliceKey = ctx.key('discovery.k8s.io', 'EndpointSlice');
    this.watches = [this.svcKey, this.podKey, ...(this.endpointsType ? [ctx.key('', 'Endpoints')!] : []), ...(this.sliceKey ? [this.sliceKey] : [])];
  }

  start(): void {
    for (const svc of this.ctx.cluster.store.list(this.svcKey)) this.ctx.queue.add(this, keyOf(svc));
  }

  onEvent(event: StoreEvent): void {
    const { object, previous } = event;
    if (event.resource === this.svcKey) {
      if (event.type === 'DELETED') this.lbRequested.delete(object.metadata.uid!);
      return this.ctx.queue.add(this, keyOf(object));
    }
    if (event.resource === this.podKey) {
      if (previous && event.type === 'MODIFIED' && endpointRelevant(previous) === endpointRelevant(object)) return;
      for (const svc of this.ctx.cache.inNamespace(object.metadata.namespace!, this.svcKey)) {
        if (selects(svc, object) || (previous && selects(svc, previous))) this.ctx.queue.add(this, keyOf(svc));
      }
      return;
    }
    // Endpoints or slices changed by someone else: bring them back in line.
    if (event.resource === this.sliceKey) {
      const service = object.metadata.labels?.['kubernetes.io/service-name'];
      if (service) this.ctx.queue.add(this, `${object.metadata.namespace}/${service}`);
    } else this.ctx.queue.add(this, keyOf(object));
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    let svc = this.ctx.cluster.tryGet(this.svcType, namespace, name);
    if (!svc) return this.removeEndpoints(namespace!, name);
    if (svc.metadata.deletionTimestamp) return;
    svc = this.allocate(svc) ?? svc;
    this.loadBalancer(svc);
    if (svc.spec?.selector && Object.keys(svc.spec.selector).length > 0 && svc.spec.type !== 'ExternalName') this.syncEndpoints(svc);
  }

  private allocate(svc: KubeObject): KubeObject | undefined {
    const spec = structuredClone(svc.spec ?? {});
    let changed = false;
    const type = spec.type ?? 'ClusterIP';
    if (type !== 'ExternalName' && !spec.clusterIP) {
      const used = new Set<string>();
      for (const other of this.ctx.cluster.store.list(this.svcKey)) for (const ip of other.spec?.clusterIPs ?? [other.spec?.clusterIP]) if (ip) used.add(ip);
      const ip = allocateClusterIP(used);
      if (ip) {
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
        changed = true;
      }
    } else if (spec.clusterIP && !spec.clusterIPs) {
      spec.clusterIPs = [spec.clusterIP];
      changed = true;
    }
    if (NODE_PORT_TYPES.has(type) && (spec.ports ?? []).some((p: { nodePort?: number }) => !p.nodePort)) {
      const used = new Set<number>();
      for (const other of this.ctx.cluster.store.list(this.svcKey)) for (const p of other.spec?.ports ?? []) if (p.nodePort) used.add(p.nodePort);
      spec.ports = spec.ports.map((p: { nodePort?: number }) => {
        if (p.nodePort) return p;
        const nodePort = allocateNodePort(used);
        if (nodePort) used.add(nodePort);
        return nodePort ? { ...p, nodePort } : p;
      });
      spec.externalTrafficPolicy ??= 'Cluster';
      changed = true;
    }
    if (!changed) return undefined;
    return this.ctx.writeObject(this.svcType, { ...svc, spec });
  }

  private loadBalancer(svc: KubeObject): void {
    const hasAddress = (svc.status?.loadBalancer?.ingress ?? []).length > 0;
    if (!LB_TYPES.has(svc.spec?.type)) {
      if (hasAddress) this.ctx.writeStatus(this.svcType, svc, { ...svc.status, loadBalancer: {} });
      return;
    }
    if (hasAddress) return;
    const now = this.ctx.now();
    let since = this.lbRequested.get(svc.metadata.uid!);
    if (since === undefined) {
      this.lbRequested.set(svc.metadata.uid!, (since = now));
      this.ctx.events.record(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer', { component: COMPONENT });
    }
    const due = since + this.ctx.timings.loadBalancerMs;
    if (now < due) return this.ctx.queue.after(this, keyOf(svc), due - now);
    const ip = allocateLoadBalancerIP(usedLoadBalancerIPs(this.ctx));
    if (!ip) return;
    this.ctx.writeStatus(this.svcType, svc, { ...(svc.status ?? {}), loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } });
    this.lbRequested.delete(svc.metadata.uid!);
    this.ctx.events.record(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer', { component: COMPONENT });
  }

  private syncEndpoints(svc: KubeObject): void {
    const pods = this.ctx.cache.inNamespace(svc.metadata.namespace!, this.podKey).filter((p) => selects(svc, p) && p.status?.podIP);
    const groups: PortGroup[] = groupEndpoints(svc, pods);
    const time = formatTime(this.ctx.now());
    if (this.endpointsType) {
      const desired = buildEndpoints(svc, groups, time);
      const existing = this.ctx.cluster.tryGet(this.endpointsType, svc.metadata.namespace, svc.metadata.name!);
      if (!existing) this.ctx.create(this.endpointsType, desired);
      else if (canonicalJson(existing.subsets ?? []) !== canonicalJson(desired.subsets ?? []) || canonicalJson(existing.metadata.labels ?? {}) !== canonicalJson(desired.metadata.labels ?? {})) {
        this.ctx.writeObject(this.endpointsType, {
          ...existing,
          metadata: { ...existing.metadata, labels: desired.metadata.labels, annotations: desired.metadata.annotations },
          subsets: desired.subsets,
        });
      }
    }
    if (this.sliceType && this.sliceKey) {
      const wanted = buildSlices(svc, groups, ownerReferenceTo(svc));
      const existing = this.ctx.cache.controlled(svc.metadata.uid!, this.sliceKey).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
      wanted.forEach((slice, i) => {
        const current = existing[i];
        if (!current) return this.ctx.create(this.sliceType!, slice);
        const same = canonicalJson([current.endpoints ?? [], current.ports ?? [], current.metadata.labels]) === canonicalJson([slice.endpoints, slice.ports, slice.metadata.labels]);
        if (!same) this.ctx.writeObject(this.sliceType!, { ...current, metadata: { ...current.metadata, labels: slice.metadata.labels }, endpoints: slice.endpoints, ports: slice.ports });
      });
      for (const extra of existing.slice(wanted.length)) this.ctx.delete(this.sliceType, extra);
    }
  }

  private removeEndpoints(namespace: string, name: string): void {
    if (!this.endpointsType) return;
    const existing = this.ctx.cluster.tryGet(this.endpointsType, namespace, name);
    if (existing) this.ctx.delete(this.endpointsType, existing);
  }
}

/** Addresses already handed to LoadBalancer Services and Ingresses. */
export function usedLoadBalancerIPs(ctx: Context): Set<string> {
  const used = new Set<string>();
  const keys = [ctx.key('', 'Service'), ctx.key('networking.k8s.io', 'Ingress')].filter((k): k is string => !!k);
  for (const key of keys) for (const o of ctx.cluster.store.list(key)) for (const i of o.status?.loadBalancer?.ingress ?? []) if (i.ip) used.add(i.ip);
  return used;
}

function selects(svc: KubeObject, pod: KubeObject): boolean {
  const selector: Record<string, string> | undefined = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** The parts of a pod that endpoints depend on. */
function endpointRelevant(pod: KubeObject): string {
  return canonicalJson([pod.metadata.labels, pod.status?.podIP, isPodReady(pod), pod.metadata.deletionTimestamp, pod.spec?.nodeName, pod.status?.phase]);
}
