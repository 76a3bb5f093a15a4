/**
 * What kube-apiserver's Service storage does with addresses inside the write itself, so the
 * create response already carries them: the cluster IP (and clusterIPs) and NodePorts are
 * allocated when the writer left them empty, and refused when taken; an update keeps what
 * was allocated when the new spec omits it (patchAllocatedValues) and drops what a type
 * change made useless when the writer left it as it was (dropTypeDependentFields).
 * The service controller's allocation stays as a fallback for objects stored before.
 */
import { invalid } from '../errors.ts';
import type { KubeObject } from '../types.ts';
import { allocateClusterIP, allocateNodePort, ipToInt, parseCidr, SERVICE_CIDR } from './ipam.ts';

type Port = { name?: string; port?: number; protocol?: string; nodePort?: number };
type Spec = {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: Port[];
  externalTrafficPolicy?: string;
  allocateLoadBalancerNodePorts?: boolean;
};

const HEADLESS = 'None';
const GROUP = '';
const KIND = 'Service';

function needsClusterIP(spec: Spec): boolean {
  return (spec.type ?? 'ClusterIP') !== 'ExternalName';
}

function needsNodePorts(spec: Spec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function needsExternalTrafficPolicy(spec: Spec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Fills in (mutates) the addresses of `service`, a create when `old` is undefined. `services`
 * are the stored Services (the one being written included), read only when something must be
 * allocated or checked. Throws a 422 ApiError when a requested address is taken.
 */
export function assignServiceAddresses(service: KubeObject, old: KubeObject | undefined, services: () => Iterable<KubeObject>): void {
  const spec = service.spec as Spec | undefined;
  if (!spec || typeof spec !== 'object') return;
  const before = old?.spec as Spec | undefined;
  if (before) {
    dropTypeDependentFields(spec, before);
    patchAllocatedValues(spec, before);
  }
  const others = lazyUsage(service, services);
  const name = service.metadata.name ?? '';

  if (needsClusterIP(spec)) {
    if (!spec.clusterIP) {
      const ip = allocateClusterIP(others().ips);
      if (ip) {
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
    } else if (spec.clusterIP !== HEADLESS && spec.clusterIP !== before?.clusterIP) {
      const why = !inServiceRange(spec.clusterIP)
        ? `the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${SERVICE_CIDR}`
        : others().ips.has(spec.clusterIP)
          ? 'provided IP is already allocated'
          : undefined;
      if (why) {
        const value = `[]string{${(spec.clusterIPs ?? [spec.clusterIP]).map((ip) => JSON.stringify(ip)).join(', ')}}`;
        throw invalid(KIND, GROUP, name, [{ field: 'spec.clusterIPs', message: `Invalid value: ${value}: failed to allocate IP ${spec.clusterIP}: ${why}` }]);
      }
    }
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  }

  if (needsNodePorts(spec) && Array.isArray(spec.ports)) {
    spec.ports.forEach((port, i) => {
      if (!port || typeof port !== 'object') return;
      if (!port.nodePort) {
        const used = others().nodePorts;
        const nodePort = allocateNodePort(used);
        if (nodePort) {
          used.add(nodePort);
          port.nodePort = nodePort;
        }
      } else if (others().nodePorts.has(port.nodePort)) {
        throw invalid(KIND, GROUP, name, [{ field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${port.nodePort}: provided port is already allocated` }]);
      }
    });
  }
}

/** Addresses the writer left out of an update keep their allocated values. */
function patchAllocatedValues(spec: Spec, before: Spec): void {
  if (needsClusterIP(before) && needsClusterIP(spec)) {
    if (!spec.clusterIP) spec.clusterIP = before.clusterIP;
    if (!spec.clusterIPs?.length && before.clusterIPs?.length) spec.clusterIPs = before.clusterIPs;
  }
  if (needsNodePorts(before) && needsNodePorts(spec) && Array.isArray(spec.ports)) {
    const kept = new Set(spec.ports.map((p) => p?.nodePort).filter((p): p is number => !!p));
    const byName = new Map((before.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const port of spec.ports) {
      if (!port || typeof port !== 'object' || port.nodePort) continue;
      const previous = byName.get(port.name ?? '');
      if (previous && !kept.has(previous)) port.nodePort = previous;
    }
  }
}

/** Fields a type change made useless go, unless the writer changed them too. */
function dropTypeDependentFields(spec: Spec, before: Spec): void {
  if (needsClusterIP(before) && !needsClusterIP(spec)) {
    if (spec.clusterIP === before.clusterIP && same(spec.clusterIPs, before.clusterIPs)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (same(spec.ipFamilies, before.ipFamilies)) delete spec.ipFamilies;
    if (spec.ipFamilyPolicy === before.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  if (needsNodePorts(before) && !needsNodePorts(spec) && Array.isArray(spec.ports)) {
    const nodePorts = (ports: Port[] | undefined) => (ports ?? []).map((p) => p?.nodePort ?? 0);
    if (same(nodePorts(spec.ports), nodePorts(before.ports))) for (const port of spec.ports) if (port && typeof port === 'object') delete port.nodePort;
  }
  if (before.type === 'LoadBalancer' && spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === before.allocateLoadBalancerNodePorts) {
    delete spec.allocateLoadBalancerNodePorts;
  }
  if (needsExternalTrafficPolicy(before) && !needsExternalTrafficPolicy(spec) && spec.externalTrafficPolicy === before.externalTrafficPolicy) {
    delete spec.externalTrafficPolicy;
  }
}

function inServiceRange(ip: string): boolean {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return false;
  const { base, size } = parseCidr(SERVICE_CIDR);
  const value = ipToInt(ip);
  return value > base && value < base + size - 1;
}

/** Cluster IPs and NodePorts of the other Services, gathered on first use. */
function lazyUsage(service: KubeObject, services: () => Iterable<KubeObject>): () => { ips: Set<string>; nodePorts: Set<number> } {
  let usage: { ips: Set<string>; nodePorts: Set<number> } | undefined;
  return () => {
    if (usage) return usage;
    usage = { ips: new Set(), nodePorts: new Set() };
    for (const other of services()) {
      if (other.metadata.uid === service.metadata.uid) continue;
      for (const ip of other.spec?.clusterIPs ?? [other.spec?.clusterIP]) if (ip && ip !== HEADLESS) usage.ips.add(ip);
      for (const port of other.spec?.ports ?? []) if (port?.nodePort) usage.nodePorts.add(port.nodePort);
    }
    return usage;
  };
}
