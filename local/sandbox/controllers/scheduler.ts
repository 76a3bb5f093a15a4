/**
 * Node selection of the simulated kube-scheduler: Ready, schedulable nodes that satisfy the
 * pod's nodeSelector, required node affinity (labels and metadata.name fields, which is how
 * DaemonSet pods are pinned) and taints; spread round-robin for determinism.
 */
import type { KubeObject } from '../types.ts';
import { getCondition } from './util.ts';

type Requirement = { key: string; operator: string; values?: string[] };

export function nodeMatches(pod: KubeObject, node: KubeObject): boolean {
  if (node.spec?.unschedulable) return false;
  if (getCondition(node.status, 'Ready')?.status !== 'True') return false;
  const labels: Record<string, string> = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries<string>(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms: { matchExpressions?: Requirement[]; matchFields?: Requirement[] }[] | undefined = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0) {
    const fields: Record<string, string> = { 'metadata.name': node.metadata.name! };
    const ok = terms.some((t) => (t.matchExpressions ?? []).every((r) => requirementMatches(labels, r)) && (t.matchFields ?? []).every((r) => requirementMatches(fields, r)));
    if (!ok) return false;
  }
  return tolerated(pod, node);
}

function requirementMatches(values: Record<string, string>, r: Requirement): boolean {
  const has = Object.hasOwn(values, r.key);
  const value = values[r.key];
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(value!);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
      return has && Number(value) > Number(r.values?.[0]);
    case 'Lt':
      return has && Number(value) < Number(r.values?.[0]);
    default:
      return false;
  }
}

function tolerated(pod: KubeObject, node: KubeObject): boolean {
  const tolerations: { key?: string; operator?: string; value?: string; effect?: string }[] = pod.spec?.tolerations ?? [];
  for (const taint of (node.spec?.taints ?? []) as { key: string; value?: string; effect: string }[]) {
    if (taint.effect === 'PreferNoSchedule') continue;
    const ok = tolerations.some(
      (t) => (!t.effect || t.effect === taint.effect) && (t.operator === 'Exists' ? !t.key || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
    );
    if (!ok) return false;
  }
  return true;
}

/** The scheduler's message when no node fits. */
export function unschedulableMessage(total: number): string {
  return `0/${total} nodes are available: ${total} node(s) didn't match Pod's node affinity/selector. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}
