/**
 * Ownership reconciliation after a write (structured-merge-diff's Updater.update) and the
 * conflict report kube-apiserver turns into a 409.
 */
import { PatchError, STATUS_REASON } from './errors.ts';
import { FieldSet, type Path, pathToString } from './fieldsets.ts';
import { describeManager, type IgnoreOptions, type Manager, type Managers, withoutIgnored } from './managers.ts';
import type { SsaType } from './ssa-types.ts';
import { type Comparison, compareTyped } from './typed.ts';

/** StatusCause type kube-apiserver uses for each conflicting field. */
export const FIELD_MANAGER_CONFLICT = 'FieldManagerConflict';

/** One field another manager owns that a write would change. */
export type FieldConflict = Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'> & {
  /** FieldsV1 tokens of the field. */
  path: Path;
  /** The field as messages print it: `.spec.replicas`. */
  field: string;
};

export type StatusCause = { type: typeof FIELD_MANAGER_CONFLICT; message: string; field: string };

/**
 * Compares the object before and after a write by `writerKey` and adjusts every other
 * manager: fields it owns that the write adds or changes are conflicts; unless `force`, they
 * are reported and nothing changes; with `force` they (and any removed fields) are taken from
 * their owners. Managers left owning nothing are dropped. Returns the comparison (filtered of
 * ignored fields) for the writer's own bookkeeping.
 */
export function reconcileOwnership(
  before: unknown,
  after: unknown,
  type: SsaType,
  managers: Managers,
  writerKey: string,
  force: boolean,
  ignore: IgnoreOptions,
): { conflicts: FieldConflict[]; comparison: Comparison } {
  const raw = compareTyped(before, after, type);
  const comparison: Comparison = {
    added: withoutIgnored(raw.added, ignore),
    modified: withoutIgnored(raw.modified, ignore),
    removed: withoutIgnored(raw.removed, ignore),
  };
  const changed = comparison.added.union(comparison.modified);
  const conflictSets = new Map<string, FieldSet>();
  for (const [key, manager] of managers) {
    if (key === writerKey) continue;
    const overlap = manager.set.intersection(changed);
    if (!overlap.isEmpty()) conflictSets.set(key, overlap);
  }
  const conflicts = [...conflictSets.keys()].sort().flatMap((key) => {
    const m = managers.get(key)!;
    return conflictSets
      .get(key)!
      .paths()
      .map((path) => ({
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        subresource: m.subresource,
        path,
        field: pathToString(path),
      }));
  });
  if (!force && conflicts.length > 0) return { conflicts, comparison };

  for (const [key, manager] of managers) {
    if (key === writerKey) continue;
    manager.set = manager.set.difference(conflictSets.get(key) ?? new FieldSet()).difference(comparison.removed);
    if (manager.set.isEmpty()) managers.delete(key);
  }
  return { conflicts: [], comparison };
}

/**
 * The Status message kube-apiserver writes:
 * `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`,
 * or for several, a "conflicts with <manager>:" line per manager followed by "- <field>" lines.
 */
export function conflictMessage(conflicts: FieldConflict[]): string {
  if (conflicts.length === 1) {
    const [c] = conflicts;
    return `Apply failed with 1 conflict: conflict with ${describeManager(c!)}: ${c!.field}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const name = describeManager(c);
    byManager.set(name, [...(byManager.get(name) ?? []), c.field]);
  }
  const lines = [...byManager.keys()].sort().flatMap((name) => [`conflicts with ${name}:`, ...byManager.get(name)!.map((f) => `- ${f}`)]);
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** details.causes of the 409 Status, one per field. */
export function conflictCauses(conflicts: FieldConflict[]): StatusCause[] {
  return conflicts.map((c) => ({ type: FIELD_MANAGER_CONFLICT, message: `conflict with ${describeManager(c)}`, field: c.field }));
}

/** The 409 as a throwable, for callers that prefer exceptions to the result union. */
export class ApplyConflictError extends PatchError {
  readonly conflicts: FieldConflict[];
  readonly causes: StatusCause[];

  constructor(conflicts: FieldConflict[]) {
    super(conflictMessage(conflicts), { status: 409, reason: STATUS_REASON.conflict });
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts;
    this.causes = conflictCauses(conflicts);
  }
}
