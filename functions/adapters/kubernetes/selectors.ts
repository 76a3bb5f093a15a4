/**
 * Which pods belong to a workload: its `spec.selector` as a label-selector string, so rollout
 * diagnosis can watch them and name the stuck one.
 */
import type { Manifest, ObjectRef } from '#domain/model.ts';

/** Kinds whose pods are watched along with them (apiVersion/kind). */
export const WORKLOAD_KINDS = new Set(['apps/v1/Deployment', 'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'apps/v1/ReplicaSet', 'batch/v1/Job']);

type Requirement = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };
type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: Requirement[] };

export function isWorkload(ref: Pick<ObjectRef, 'apiVersion' | 'kind'>): boolean {
  return WORKLOAD_KINDS.has(`${ref.apiVersion}/${ref.kind}`);
}

/** `app=web,tier in (a,b)`; undefined for a missing or empty selector (it would match every pod). */
export function labelSelectorOf(workload: Manifest): string | undefined {
  const selector = workload.spec?.selector as LabelSelector | undefined;
  if (!selector) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    const values = (r.values ?? []).join(',');
    if (r.operator === 'In') parts.push(`${r.key} in (${values})`);
    else if (r.operator === 'NotIn') parts.push(`${r.key} notin (${values})`);
    else if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}
