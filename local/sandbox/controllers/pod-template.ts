/**
 * Building pods from a workload's pod template, the way controller.GetPodFromTemplate does,
 * plus the pod-level defaults the API server would have filled in (controller-created
 * objects bypass admission here, so the defaults come from this one place).
 */
import type { KubeObject } from '../types.ts';
import { ownerReferenceTo } from './util.ts';

/** Default tolerations added by the DefaultTolerationSeconds admission plugin. */
const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

export type PodOptions = {
  namespace: string;
  name?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Extra spec fields (hostname, subdomain, affinity, volumes...). */
  spec?: Record<string, unknown>;
};

export function podFromTemplate(template: KubeObject['spec'], owner: KubeObject, options: PodOptions): KubeObject {
  const templateMeta = template?.metadata ?? {};
  const spec = structuredClone(template?.spec ?? {});
  const labels = { ...(templateMeta.labels ?? {}), ...(options.labels ?? {}) };
  const annotations = { ...(templateMeta.annotations ?? {}), ...(options.annotations ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(options.name ? { name: options.name } : { generateName: options.generateName ?? `${owner.metadata.name}-` }),
      namespace: options.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [ownerReferenceTo(owner)],
    },
    spec: withPodDefaults({ ...spec, ...(options.spec ?? {}) }),
  };
}

export function withPodDefaults(spec: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...spec };
  out.restartPolicy ??= 'Always';
  out.terminationGracePeriodSeconds ??= 30;
  out.dnsPolicy ??= 'ClusterFirst';
  out.securityContext ??= {};
  out.schedulerName ??= 'default-scheduler';
  out.serviceAccountName ??= out.serviceAccount ?? 'default';
  out.serviceAccount ??= out.serviceAccountName;
  out.enableServiceLinks ??= true;
  out.priority ??= 0;
  out.preemptionPolicy ??= 'PreemptLowerPriority';
  out.tolerations ??= DEFAULT_TOLERATIONS.map((t) => ({ ...t }));
  const container = (c: Record<string, any>) => ({
    ...c,
    imagePullPolicy:
      c.imagePullPolicy ??
      (/:latest$|^[^:@]*$/.test(
        String(c.image ?? '')
          .split('/')
          .pop() ?? '',
      )
        ? 'Always'
        : 'IfNotPresent'),
    terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
    terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
    resources: c.resources ?? {},
  });
  out.containers = (out.containers ?? []).map(container);
  if (out.initContainers) out.initContainers = out.initContainers.map(container);
  return out;
}
