/**
 * Server-side apply (`application/apply-patch+yaml`) and the managedFields bookkeeping of
 * every other write, after k8s.io/apiserver's fieldmanager and structured-merge-diff's
 * Updater.Apply / Updater.Update.
 *
 * Apply: the configuration is merged over the live object; fields the applier owned last time
 * and no longer sends are removed unless some manager still owns them; fields another manager
 * owns that the result would add or change are conflicts (409) unless `force`, which moves
 * them to the applier. Re-stating another manager's value changes nothing and shares it.
 */
import type { SchemaNode } from '../openapi/swagger.ts';
import type { KubeObject } from '../types.ts';
import { ApplyConflictError, conflictCauses, conflictMessage, type FieldConflict, reconcileOwnership, type StatusCause } from './conflicts.ts';
import { BadPatchError, PatchError } from './errors.ts';
import { ensureNamedFieldsAreMembers, FieldSet, toFieldSet } from './fieldsets.ts';
import { deepEqual, isPlainObject } from './json.ts';
import { allowedConflictsFromLastApplied, KUBECTL_SERVER_SIDE_MANAGER, syncLastApplied } from './lastapplied.ts';
import {
  BEFORE_FIRST_APPLY_MANAGER,
  decodeManagedFields,
  encodeManagedFields,
  formatTime,
  type IgnoreOptions,
  type Manager,
  type Managers,
  managerKey,
  OPERATION_APPLY,
  OPERATION_UPDATE,
  objectBody,
  withoutIgnored,
} from './managers.ts';
import type { SchemaResolver } from './schema.ts';
import { SsaType } from './ssa-types.ts';
import { mergeTyped, removeItems } from './typed.ts';

export type WriteOptions = {
  /** Field manager (?fieldManager=, or {@link fieldManagerFromUserAgent} for non-apply writes). */
  fieldManager: string;
  /** group/version of the request URL, e.g. 'apps/v1' or 'v1'. */
  apiVersion: string;
  /** The kind's top-level schema; undefined for a custom resource without one. */
  schema: SchemaNode | undefined;
  /** Follows $refs of built-in schemas; omit for inline CRD schemas. */
  resolver?: SchemaResolver;
  /** 'status' for writes to the status subresource (recorded on the entry). */
  subresource?: string;
  /** Whether main-resource writes leave `.status` alone. Default: the schema declares `status`. */
  statusSubresource?: boolean;
  /** Clock, for tests. */
  now?: Date;
};

export type ApplyOptions = WriteOptions & { force?: boolean };

export type ApplyResult =
  | { ok: true; object: KubeObject /** False when the apply changed nothing, not even managedFields. */; changed: boolean }
  | { ok: false; conflicts: FieldConflict[]; message: string; causes: StatusCause[]; status: 409 };

function context(options: WriteOptions): { type: SsaType; ignore: IgnoreOptions } {
  const type = SsaType.root(options.schema, options.resolver);
  return { type, ignore: { subresource: options.subresource, statusSubresource: options.statusSubresource ?? type.isNamedField('status') } };
}

/**
 * Server-side apply of `applied` (the parsed apply-patch body) to `live` (undefined on
 * create). Returns the new object with managedFields updated, or the conflicts. Throws
 * BadPatchError (400) for a configuration at the wrong version, with managedFields, or with
 * list items lacking their keys; PatchError (422) when no field manager is given.
 */
export function serverSideApply(live: KubeObject | undefined, applied: KubeObject, options: ApplyOptions): ApplyResult {
  validateApplied(applied, options);
  const { type, ignore } = context(options);
  const liveBody = objectBody(live) ?? {};
  const managers = decodeManagedFields(live?.metadata?.managedFields);
  if (live && managers.size === 0) {
    // Objects written before managedFields existed: their fields belong to a placeholder updater.
    const all = withoutIgnored(toFieldSet(liveBody, type), ignore);
    const seed: Manager = { manager: BEFORE_FIRST_APPLY_MANAGER, operation: OPERATION_UPDATE, apiVersion: options.apiVersion, set: all };
    if (!all.isEmpty()) managers.set(managerKey(seed), seed);
  }
  const before = snapshot(managers);

  const identity = { manager: options.fieldManager, operation: OPERATION_APPLY, apiVersion: options.apiVersion, subresource: options.subresource } as const;
  const key = managerKey(identity);
  const previous = managers.get(key);
  const appliedSet = withoutIgnored(toFieldSet(applied, type, true), ignore);
  managers.set(key, { ...identity, time: previous?.time, set: appliedSet });

  const merged = mergeTyped(liveBody, applied, type) as KubeObject;
  if (previous && !previous.set.isEmpty()) prune(merged, previous.set, managers, type);

  let outcome = reconcileOwnership(liveBody, merged, type, cloneManagers(managers), key, options.force ?? false, ignore);
  if (outcome.conflicts.length > 0 && options.fieldManager === KUBECTL_SERVER_SIDE_MANAGER) {
    const allowed = allowedConflictsFromLastApplied(live, liveBody, type);
    const remaining = allowed ? outcome.conflicts.filter((c) => !allowed.has(c.path)) : outcome.conflicts;
    outcome = remaining.length === 0 ? reconcileOwnership(liveBody, merged, type, cloneManagers(managers), key, true, ignore) : { ...outcome, conflicts: remaining };
  }
  if (outcome.conflicts.length > 0) {
    return { ok: false, conflicts: outcome.conflicts, message: conflictMessage(outcome.conflicts), causes: conflictCauses(outcome.conflicts), status: 409 };
  }
  reconcileOwnership(liveBody, merged, type, managers, key, true, ignore);

  const unchanged = live !== undefined && deepEqual(merged, liveBody) && sameOwnership(before, managers);
  if (unchanged) return { ok: true, object: structuredClone(live), changed: false };
  managers.get(key)!.time = formatTime(options.now ?? new Date());
  merged.metadata = { ...merged.metadata, managedFields: encodeManagedFields(managers) };
  if (options.fieldManager === KUBECTL_SERVER_SIDE_MANAGER) syncLastApplied(merged, applied);
  return { ok: true, object: merged, changed: true };
}

/** Like {@link serverSideApply} but throws ApplyConflictError (409) instead of returning conflicts. */
export function serverSideApplyOrThrow(live: KubeObject | undefined, applied: KubeObject, options: ApplyOptions): KubeObject {
  const result = serverSideApply(live, applied, options);
  if (!result.ok) throw new ApplyConflictError(result.conflicts);
  return result.object;
}

/**
 * managedFields for a create, update or (non-apply) patch by `options.fieldManager`: the
 * fields the write added or changed become that manager's (operation Update, keyed by
 * manager + apiVersion + subresource) and are taken from every other manager; removed fields
 * are dropped from everyone. Returns a copy of `next` with metadata.managedFields set.
 *
 * Like kube-apiserver, managedFields sent in the request replace the stored ones; absent ones,
 * and an empty list (a client unaware of the field), keep them, so `[{}]` is how a client
 * clears them. Subresource writes ignore them.
 */
export function updateManagedFields(previous: KubeObject | undefined, next: KubeObject, options: WriteOptions): KubeObject {
  const { type, ignore } = context(options);
  const managers = managersForUpdate(previous, next, options.subresource);
  const identity = { manager: options.fieldManager, operation: OPERATION_UPDATE, apiVersion: options.apiVersion, subresource: options.subresource } as const;
  const key = managerKey(identity);
  const nextBody = objectBody(next)!;
  const { comparison } = reconcileOwnership(objectBody(previous) ?? emptyObject(type), nextBody, type, managers, key, true, ignore);

  const existing = managers.get(key);
  const own = existing?.set ?? new FieldSet();
  const touched = comparison.modified.union(comparison.added).difference(comparison.removed);
  const set = own.difference(comparison.removed).union(touched);
  // managedFieldsUpdater: only an operation that took fields moves the entry's time.
  if (set.isEmpty()) managers.delete(key);
  else managers.set(key, touched.isEmpty() && existing ? { ...existing, set } : { ...identity, time: formatTime(options.now ?? new Date()), set });

  const result = structuredClone(next);
  result.metadata = { ...result.metadata, managedFields: encodeManagedFields(managers) };
  return result;
}

function validateApplied(applied: KubeObject, options: ApplyOptions): void {
  if (!options.fieldManager) throw new PatchError('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  if (!isPlainObject(applied)) throw new BadPatchError('error decoding YAML: apply patch must be an object');
  if (applied.apiVersion !== options.apiVersion) {
    throw new BadPatchError(`Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion ?? ''}, expected: ${options.apiVersion}`);
  }
  if (applied.metadata?.managedFields != null) throw new BadPatchError('metadata.managedFields must be nil');
}

/**
 * Removes what the applier owned last time, no longer applies and nobody else owns
 * (Updater.prune with addBackOwnedItems/addBackDanglingItems).
 */
function prune(merged: KubeObject, lastSet: FieldSet, managers: Managers, type: SsaType): void {
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.set);
  const stale = ensureNamedFieldsAreMembers(lastSet, type).difference(ensureNamedFieldsAreMembers(owned, type));
  removeItems(merged, stale, type);
}

/**
 * FieldManager.Update: which managedFields an Update starts from. Entries that name no
 * operation (`{}`) own nothing and are dropped when encoding.
 */
function managersForUpdate(previous: KubeObject | undefined, next: KubeObject, subresource: string | undefined): Managers {
  const sent = next.metadata?.managedFields;
  if (subresource || !Array.isArray(sent) || sent.length === 0) return decodeManagedFields(previous?.metadata?.managedFields);
  return decodeManagedFields(sent);
}

/**
 * What a create is compared against. Go's empty typed object already has its non-pointer
 * structs (metadata, spec, status), so those are never "added" and FieldsV1 shows no `.` for them.
 */
function emptyObject(type: SsaType): Record<string, unknown> {
  const empty: Record<string, unknown> = {};
  for (const name of ['metadata', 'spec', 'status']) if (type.isNamedField(name)) empty[name] = {};
  return empty;
}

function cloneManagers(managers: Managers): Managers {
  return new Map([...managers].map(([k, m]) => [k, { ...m }]));
}

function snapshot(managers: Managers): Map<string, FieldSet> {
  return new Map([...managers].map(([k, m]) => [k, m.set]));
}

function sameOwnership(before: Map<string, FieldSet>, after: Managers): boolean {
  const nonEmpty = [...after].filter(([, m]) => !m.set.isEmpty());
  return nonEmpty.length === before.size && nonEmpty.every(([k, m]) => before.get(k)?.equals(m.set) ?? false);
}
