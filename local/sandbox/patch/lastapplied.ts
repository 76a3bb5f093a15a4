/**
 * The bridge kube-apiserver keeps between client-side `kubectl apply` (which records its
 * configuration in an annotation and writes as manager "kubectl-client-side-apply") and
 * `kubectl apply --server-side` (manager "kubectl"): lastAppliedManager and
 * lastAppliedUpdater in k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager.
 *
 * Because of it, switching an object from client-side to server-side apply does NOT
 * conflict on fields whose live value still equals the last client-side configuration, even
 * when the new value differs (replicas 2 → 3). Conflicts remain for other field managers and
 * for fields changed since the last client-side apply.
 */
import type { KubeObject } from '../types.ts';
import { type FieldSet, toFieldSet } from './fieldsets.ts';
import { isPlainObject, type JsonObject } from './json.ts';
import type { SsaType } from './ssa-types.ts';
import { compareTyped } from './typed.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** The only field manager the bridge serves (kubectl's default for --server-side). */
export const KUBECTL_SERVER_SIDE_MANAGER = 'kubectl';

function lastAppliedOf(obj: KubeObject | undefined): string | undefined {
  const value = obj?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Fields a conflict may be ignored on: those in the last client-side configuration whose
 * live value was not changed since. Undefined when there is no (parsable) annotation.
 */
export function allowedConflictsFromLastApplied(live: KubeObject | undefined, liveBody: unknown, type: SsaType): FieldSet | undefined {
  const text = lastAppliedOf(live);
  if (text === undefined) return undefined;
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(lastApplied)) return undefined;
  try {
    return toFieldSet(lastApplied, type).difference(compareTyped(lastApplied, liveBody, type).modified);
  } catch {
    return undefined;
  }
}

/**
 * After a successful server-side apply by "kubectl", refresh the annotation (when the object
 * has one) with the applied configuration, so a later client-side apply computes its patch
 * from what was really applied last.
 */
export function syncLastApplied(result: KubeObject, applied: KubeObject): void {
  if (lastAppliedOf(result) === undefined) return;
  const config = structuredClone(applied) as KubeObject;
  const annotations = config.metadata?.annotations;
  if (annotations) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete config.metadata.annotations;
  }
  result.metadata.annotations![LAST_APPLIED_ANNOTATION] = `${sortedJson(config)}\n`;
}

/** JSON with object keys sorted, as Go's encoding/json writes maps. */
export function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (isPlainObject(value)) {
    const record: JsonObject = value;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
