/**
 * Pure helpers of the deployment controller, ported from kubernetes
 * pkg/controller/deployment/util/deployment_util.go: revisions and their annotations,
 * template identity, surge/unavailability fenceposts, replica counting and the rollout
 * predicates (complete, progressing, timed out).
 */
import type { KubeObject } from '../types.ts';
import { type Condition, canonicalJson, getCondition, int, parseTime, scaledValue } from './util.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** Annotations of a Deployment that are not copied onto its ReplicaSets. */
const SKIPPED_ANNOTATIONS = new Set([LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, DEPRECATED_ROLLBACK_TO]);
const MAX_INT32 = 2147483647;

export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minAvailable: 'MinimumReplicasAvailable',
  minUnavailable: 'MinimumReplicasUnavailable',
} as const;

export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

export const replicasOf = (o: KubeObject | undefined): number => int(o?.spec?.replicas, 1);
export const rsReplicas = (rs: KubeObject | undefined): number => int(rs?.spec?.replicas, 0);

export function isRollingUpdate(d: KubeObject): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

export function progressDeadlineSeconds(d: KubeObject): number | undefined {
  const value = d.spec?.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS;
  return value === MAX_INT32 ? undefined : value;
}

/** ResolveFenceposts: surge rounds up, unavailable rounds down, and both zero means one unavailable. */
export function resolveFenceposts(d: KubeObject): { surge: number; unavailable: number } {
  const desired = replicasOf(d);
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const surge = scaledValue(ru.maxSurge, desired, true, '25%');
  let unavailable = scaledValue(ru.maxUnavailable, desired, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxUnavailable(d: KubeObject): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, replicasOf(d));
}

export function maxSurge(d: KubeObject): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

export function revisionOf(rs: KubeObject): number {
  const value = Number.parseInt(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '', 10);
  return Number.isNaN(value) ? 0 : value;
}

export function maxRevision(rss: KubeObject[]): number {
  return rss.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}

/** Stored objects are immutable, so a template's identity can be remembered per object. */
const identities = new WeakMap<object, string>();

/** The template without the pod-template-hash label, as canonical JSON. */
function templateIdentity(template: unknown): string {
  if (template && typeof template === 'object') {
    let id = identities.get(template);
    if (id === undefined) identities.set(template, (id = computeIdentity(template)));
    return id;
  }
  return computeIdentity(template);
}

function computeIdentity(template: unknown): string {
  const copy = structuredClone(template ?? {}) as Record<string, any>;
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return canonicalJson(semanticForm(copy));
}

/**
 * apiequality.Semantic.DeepEqual compares Go structs, where a JSON null, an empty map or
 * list and an absent field are all the same zero value (kubectl rollout undo, for one,
 * sends templates with `creationTimestamp: null` and `resources: {}`).
 */
function semanticForm(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(semanticForm);
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const normal = semanticForm(v);
    if (normal === null || normal === undefined) continue;
    if (typeof normal === 'object' && Object.keys(normal).length === 0) continue;
    out[key] = normal;
  }
  return out;
}

export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return templateIdentity(a) === templateIdentity(b);
}

export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}

/** FindNewReplicaSet: the oldest ReplicaSet whose template equals the deployment's. */
export function findNewReplicaSet(d: KubeObject, rsList: KubeObject[]): KubeObject | undefined {
  const identity = templateIdentity(d.spec?.template);
  return [...rsList].sort(byCreation).find((rs) => templateIdentity(rs.spec?.template) === identity);
}

export const activeReplicaSets = (rss: (KubeObject | undefined)[]): KubeObject[] => rss.filter((rs): rs is KubeObject => !!rs && rsReplicas(rs) > 0);
export const specReplicaSum = (rss: (KubeObject | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? rsReplicas(rs) : 0), 0);
export const statusSum = (rss: (KubeObject | undefined)[], field: string): number => rss.reduce((n, rs) => n + int(rs?.status?.[field], 0), 0);

/** Copies the deployment's annotations onto a ReplicaSet; returns whether anything changed. */
export function copyAnnotations(d: KubeObject, rsAnnotations: Record<string, string>): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(k) || rsAnnotations[k] === v) continue;
    rsAnnotations[k] = v;
    changed = true;
  }
  return changed;
}

export function setReplicasAnnotations(annotations: Record<string, string>, desired: number, max: number): boolean {
  const changed = annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || annotations[MAX_REPLICAS_ANNOTATION] !== String(max);
  annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
  annotations[MAX_REPLICAS_ANNOTATION] = String(max);
  return changed;
}

/** SetNewReplicaSetAnnotations; mutates `annotations`. */
export function setNewReplicaSetAnnotations(d: KubeObject, annotations: Record<string, string>, newRevision: number, exists: boolean): boolean {
  let changed = copyAnnotations(d, annotations);
  const oldRevision = annotations[REVISION_ANNOTATION];
  const oldRevisionInt = oldRevision === undefined ? 0 : Number.parseInt(oldRevision, 10);
  if (Number.isNaN(oldRevisionInt)) return false;
  if (oldRevisionInt < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    // Rolling back to this ReplicaSet: keep the revisions it used to have.
    if (oldRevision !== undefined) {
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${oldRevision}` : oldRevision;
    }
  }
  if (!exists && setReplicasAnnotations(annotations, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

export type DeploymentStatus = {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: Condition[];
  collisionCount?: number;
};

/** DeploymentComplete. */
export function deploymentComplete(d: KubeObject, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available pods. */
export function deploymentProgressing(d: KubeObject, s: DeploymentStatus): boolean {
  const old: DeploymentStatus = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** DeploymentTimedOut: no progress recorded within progressDeadlineSeconds of lastUpdateTime. */
export function deploymentTimedOut(d: KubeObject, s: DeploymentStatus, now: number): boolean {
  const deadline = progressDeadlineSeconds(d);
  if (deadline === undefined) return false;
  const condition = getCondition(s, 'Progressing');
  if (!condition) return false;
  if (condition.reason === REASON.newRSAvailable) return false;
  if (condition.reason === REASON.timedOut) return true;
  const from = parseTime(condition.lastUpdateTime);
  return from !== undefined && from + deadline * 1000 < now;
}

export function newCondition(type: string, status: Condition['status'], reason: string, message: string, time: string): Condition {
  return { type, status, lastUpdateTime: time, lastTransitionTime: time, reason, message };
}
