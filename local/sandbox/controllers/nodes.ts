/**
 * The cluster's three nodes and its system namespaces, created at start when missing, so a
 * fresh sandbox looks like a small kind cluster to `kubectl get nodes,ns`.
 */

import type { KubeObject } from '../types.ts';
import type { Context } from './context.ts';
import { MANAGER } from './context.ts';
import { nodePodCidr } from './ipam.ts';
import { formatTime } from './util.ts';

export const NODE_NAMES = ['sandbox-node-1', 'sandbox-node-2', 'sandbox-node-3'] as const;
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;
export const NAMESPACE_FINALIZER = 'kubernetes';
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
export const KUBELET_VERSION = 'v1.33.1';
const NODE_CAPACITY = { cpu: '4', 'ephemeral-storage': '102400000Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '16384000Ki', pods: '110' };
const NODE_ADDRESS_BASE = 2;

/** The InternalIP of a node: 172.18.0.2 for sandbox-node-1, and so on. */
export function nodeAddress(node: KubeObject | undefined): string {
  return node?.status?.addresses?.find((a: { type: string }) => a.type === 'InternalIP')?.address ?? '172.18.0.2';
}

export function buildNode(name: string, index: number, now: number): KubeObject {
  const time = formatTime(now);
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: time, lastTransitionTime: time, reason, message });
  const cidr = nodePodCidr(index);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: cidr, podCIDRs: [cidr], providerID: `kind://docker/sandbox/${name}` },
    status: {
      capacity: { ...NODE_CAPACITY },
      allocatable: { ...NODE_CAPACITY },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: `172.18.0.${NODE_ADDRESS_BASE + index}` },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: `sandbox${index}`.padEnd(32, '0'),
        systemUUID: `00000000-0000-0000-0000-00000000000${index + 1}`,
        bootID: `00000000-0000-0000-0000-0000000000b${index + 1}`,
        kernelVersion: '6.8.0-sandbox',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://2.1.1',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [],
    },
  };
}

/** Creates the system namespaces and the nodes that do not exist yet. */
export function bootstrap(ctx: Context): void {
  const nsType = ctx.type('', 'Namespace');
  if (nsType) {
    for (const name of SYSTEM_NAMESPACES) {
      if (ctx.cluster.tryGet(nsType, undefined, name)) continue;
      ctx.cluster.writeAsController(
        nsType,
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [NAMESPACE_NAME_LABEL]: name } }, spec: { finalizers: [NAMESPACE_FINALIZER] }, status: { phase: 'Active' } },
        'kube-apiserver',
        'status',
      );
    }
  }
  const nodeType = ctx.type('', 'Node');
  if (nodeType) {
    NODE_NAMES.forEach((name, index) => {
      if (!ctx.cluster.tryGet(nodeType, undefined, name)) ctx.cluster.writeAsController(nodeType, buildNode(name, index, ctx.now()), MANAGER.kubelet, 'status');
    });
  }
}
