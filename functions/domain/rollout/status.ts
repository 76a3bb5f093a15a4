/**
 * Small readers shared by the per-kind rules: object identity, conditions, the stale
 * generation guard, and constructors that keep every message in one shape —
 * `Kind/name: Reason: message` for failures and `Kind/name: what we wait for` otherwise —
 * so a person reading a failed step always learns which object and why.
 */
import type { HealthStatus, Manifest, ObjectHealth, ObjectRef } from '../model.ts';

/** One entry of `status.conditions`, as every built-in controller writes them. */
export type Condition = { type: string; status: 'True' | 'False' | 'Unknown' | string; reason?: string; message?: string };

/** Reason used when `observedGeneration` is behind `generation` (rule 2). */
export const REASON_STALE_GENERATION = 'ObservedGenerationStale';

/** The reference of a live (or rendered) object. */
export function refOf(object: Manifest): ObjectRef {
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name ?? '' };
  if (object.metadata.namespace !== undefined) ref.namespace = object.metadata.namespace;
  return ref;
}

/** `Kind/name`, the way kubectl names objects; what every message starts with. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind}/${ref.name}`;
}

/** A stable key per object, for maps keyed by reference. */
export function refKey(ref: ObjectRef): string {
  return `${apiGroupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** The API group of an apiVersion ('' for the core group: `v1`). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function conditionOf(object: Manifest, type: string): Condition | undefined {
  const conditions: unknown = object.status?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  return conditions.find((c): c is Condition => typeof c === 'object' && c !== null && (c as Condition).type === type);
}

export function isConditionTrue(object: Manifest, type: string): boolean {
  return conditionOf(object, type)?.status === 'True';
}

/** A number from a status or spec field, with the API's default when absent. */
export function count(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/**
 * Rule 2, never trust stale status: a controller that has not yet seen the latest spec
 * reports the previous rollout's numbers, which may look done. `requireObserved` says
 * whether a missing `observedGeneration` also counts as stale (workload controllers always
 * write it; custom resources may never do so).
 */
export function staleGeneration(object: Manifest, requireObserved: boolean): ObjectHealth | undefined {
  const generation = object.metadata.generation;
  const observed = object.status?.observedGeneration;
  if (typeof observed !== 'number') {
    if (!requireObserved) return undefined;
    const wanted = typeof generation === 'number' ? ` ${generation}` : '';
    return progressing(object, `waiting for the controller to observe generation${wanted}`, REASON_STALE_GENERATION);
  }
  if (typeof generation === 'number' && observed < generation) {
    return progressing(object, `waiting for the controller to observe generation ${generation} (observed ${observed})`, REASON_STALE_GENERATION);
  }
  return undefined;
}

function health(object: Manifest, status: HealthStatus, text: string | undefined, reason?: string): ObjectHealth {
  const ref = refOf(object);
  const result: ObjectHealth = { ref, status };
  if (reason !== undefined) result.reason = reason;
  if (text !== undefined) result.message = `${describeRef(ref)}: ${text}`;
  return result;
}

export function healthy(object: Manifest, text?: string): ObjectHealth {
  return health(object, 'Healthy', text);
}

export function progressing(object: Manifest, text: string, reason?: string): ObjectHealth {
  return health(object, 'Progressing', text, reason);
}

export function suspended(object: Manifest, text: string, reason: string): ObjectHealth {
  return health(object, 'Suspended', text, reason);
}

/** A failure: the message names the object, the reason and the controller's own words. */
export function degraded(object: Manifest, reason: string, detail?: string): ObjectHealth {
  return health(object, 'Degraded', detail ? `${reason}: ${detail}` : reason, reason);
}

export function unknown(object: Manifest, text: string, reason?: string): ObjectHealth {
  return health(object, 'Unknown', text, reason);
}
