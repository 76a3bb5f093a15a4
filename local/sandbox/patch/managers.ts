/**
 * metadata.managedFields bookkeeping: decoding entries into field sets keyed the way
 * kube-apiserver keys managers, encoding them back (sorted as the server sorts them), and the
 * fields no manager may own.
 */
import type { KubeObject, ManagedFieldsEntry } from '../types.ts';
import { FieldSet, fieldToken, type Path } from './fieldsets.ts';

export const OPERATION_APPLY = 'Apply';
export const OPERATION_UPDATE = 'Update';
export const FIELDS_TYPE_V1 = 'FieldsV1';
export const STATUS_SUBRESOURCE = 'status';
/** Owner of every field of an object that had no managedFields when first applied to. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';

export type Operation = typeof OPERATION_APPLY | typeof OPERATION_UPDATE;

/** One manager's ownership, decoded. */
export type Manager = {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
};

/** Managers by identity (see {@link managerKey}). */
export type Managers = Map<string, Manager>;

/**
 * BuildManagerIdentifier: the JSON of the entry without fields, type and time; appliers also
 * drop apiVersion so that re-applying at another version is the same manager.
 */
export function managerKey(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const id: Record<string, string> = { manager: m.manager, operation: m.operation };
  if (m.operation === OPERATION_UPDATE && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** printManager: how conflict messages name a manager (`"kubectl-client-side-apply" using apps/v1`). */
export function describeManager(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let text = JSON.stringify(m.manager);
  if (m.subresource) text += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === OPERATION_UPDATE) text += ` using ${m.apiVersion}`;
  return text;
}

export function decodeManagedFields(entries: ManagedFieldsEntry[] | undefined): Managers {
  const managers: Managers = new Map();
  for (const entry of entries ?? []) {
    if (!entry || (entry.operation !== OPERATION_APPLY && entry.operation !== OPERATION_UPDATE)) continue;
    const manager: Manager = {
      manager: entry.manager ?? '',
      operation: entry.operation,
      apiVersion: entry.apiVersion ?? '',
      subresource: entry.subresource || undefined,
      time: entry.time,
      set: FieldSet.fromFieldsV1(entry.fieldsV1),
    };
    const key = managerKey(manager);
    const existing = managers.get(key);
    if (existing) existing.set = existing.set.union(manager.set);
    else managers.set(key, manager);
  }
  return managers;
}

/** Entries sorted like sortEncodedManagedFields: Apply before Update, then time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const seconds = (time?: string): number => (time ? Math.floor(Date.parse(time) / 1000) : 0);
  return [...managers.values()]
    .filter((m) => !m.set.isEmpty())
    .sort((a, b) => cmp(a.operation, b.operation) || seconds(a.time) - seconds(b.time) || cmp(a.manager, b.manager) || cmp(a.apiVersion, b.apiVersion) || cmp(a.subresource ?? '', b.subresource ?? ''))
    .map((m) => {
      // Key order follows the Go struct, which is how the API server writes entries.
      const entry: ManagedFieldsEntry = {
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        ...(m.time ? { time: m.time } : {}),
        fieldsType: FIELDS_TYPE_V1,
        fieldsV1: m.set.toFieldsV1(),
        ...(m.subresource ? { subresource: m.subresource } : {}),
      };
      return entry;
    });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** metav1.Time as Kubernetes serialises it: RFC 3339, whole seconds, UTC. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Exact paths stripped from every manager (stripMeta): the server owns them. */
const SERVER_OWNED_EXACT: Path[] = [
  [fieldToken('apiVersion')],
  [fieldToken('kind')],
  [fieldToken('metadata')],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => [fieldToken('metadata'), fieldToken(f)]),
];
/** Server-set metadata whose whole subtree is never owned. */
const SERVER_OWNED_SUBTREES = ['managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds'].map(fieldToken);
const STATUS_TOKEN = fieldToken('status');
const METADATA_TOKEN = fieldToken('metadata');

export type IgnoreOptions = {
  subresource?: string;
  /** The kind serves a status subresource, so main-resource writes do not own `.status`. */
  statusSubresource: boolean;
};

/**
 * Whether a path is excluded from ownership: server-owned metadata always; with a status
 * subresource, `.status` on main-resource writes and everything but `.status` on status
 * writes (the strategies' ResetFields).
 */
export function isIgnoredPath(path: Path, options: IgnoreOptions): boolean {
  if (SERVER_OWNED_EXACT.some((p) => p.length === path.length && p.every((t, i) => t === path[i]))) return true;
  if (path[0] === METADATA_TOKEN && path.length >= 2 && SERVER_OWNED_SUBTREES.includes(path[1]!)) return true;
  if (options.subresource === STATUS_SUBRESOURCE) return path[0] !== STATUS_TOKEN;
  return options.statusSubresource && !options.subresource && path[0] === STATUS_TOKEN;
}

export function withoutIgnored(set: FieldSet, options: IgnoreOptions): FieldSet {
  return set.filter((path) => !isIgnoredPath(path, options));
}

/** The object's content without managedFields, which never take part in field comparisons. */
export function objectBody(obj: KubeObject | undefined): Record<string, unknown> | undefined {
  if (!obj) return undefined;
  const copy = structuredClone(obj) as KubeObject;
  if (copy.metadata) delete copy.metadata.managedFields;
  return copy;
}

/**
 * The default field manager of a non-apply request without ?fieldManager=: the user agent up
 * to its first '/' (kubectl sends "kubectl-edit/v1.33.0 (...)" and so on), at most 128 chars.
 */
export function fieldManagerFromUserAgent(userAgent: string | undefined): string {
  return (userAgent ?? '').split('/')[0]!.slice(0, 128);
}
