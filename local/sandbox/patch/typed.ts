/**
 * Schema-aware operations on whole objects that server-side apply is built from
 * (structured-merge-diff's typed.Merge, typed.Compare and RemoveItems).
 */

import { FIELD_PREFIX, FieldSet, fieldToken, INDEX_PREFIX, itemToken, type Path } from './fieldsets.ts';
import { deepClone, deepEqual, isPlainObject, type JsonObject } from './json.ts';
import type { SsaType } from './ssa-types.ts';

/** Paths that appeared, changed, or disappeared between two versions of an object. */
export type Comparison = { added: FieldSet; modified: FieldSet; removed: FieldSet };

/**
 * Merges an applied configuration over the live object: fields of `config` win, granular maps
 * and associative lists merge item by item, atomic lists and maps are replaced whole. A null
 * in the configuration removes the field.
 */
export function mergeTyped(live: unknown, config: unknown, type: SsaType): unknown {
  if (config === undefined) return deepClone(live);
  if (live === undefined || config === null) return deepClone(config);
  if (isPlainObject(live) && isPlainObject(config) && !type.atomicMap) {
    const result: JsonObject = deepClone(live);
    for (const [name, value] of Object.entries(config)) {
      const merged = mergeTyped(live[name], value, type.field(name));
      if (merged === null) delete result[name];
      else result[name] = merged;
    }
    return result;
  }
  if (Array.isArray(live) && Array.isArray(config) && type.listKind() !== 'atomic') return mergeList(live, config, type);
  return deepClone(config);
}

/** Items of an associative list by token; the first occurrence of a duplicate wins. */
function indexItems(list: unknown[], type: SsaType): { order: string[]; items: Map<string, unknown> } {
  const items = new Map<string, unknown>();
  const order: string[] = [];
  list.forEach((item, i) => {
    const token = itemToken(item, type, i, false);
    if (items.has(token)) return;
    items.set(token, item);
    order.push(token);
  });
  return { order, items };
}

/**
 * Associative list merge, ordered as structured-merge-diff does: items both sides have come
 * in the configuration's order, live-only items stay near their live neighbours, new items
 * go where the configuration puts them.
 */
function mergeList(live: unknown[], config: unknown[], type: SsaType): unknown[] {
  const itemType = type.items();
  const lhs = indexItems(live, type);
  const rhs = indexItems(config, type);
  const shared = rhs.order.filter((t) => lhs.items.has(t));
  let nextShared = 0;
  const out: unknown[] = [];
  const emit = (token: string): void => {
    const merged = mergeTyped(lhs.items.get(token), rhs.items.get(token), itemType);
    if (merged !== null && merged !== undefined) out.push(merged);
  };
  let l = 0;
  let r = 0;
  while (l < lhs.order.length || r < rhs.order.length) {
    if (l < lhs.order.length && r < rhs.order.length) {
      const token = lhs.order[l]!;
      if (token === rhs.order[r]) {
        emit(token);
        l++;
        r++;
        nextShared++;
        continue;
      }
      if (rhs.items.has(token) && nextShared < shared.length && shared[nextShared] !== token) {
        l++; // a shared item the configuration wants later; it is emitted at its rhs position
        continue;
      }
    }
    if (l < lhs.order.length && !rhs.items.has(lhs.order[l]!)) {
      emit(lhs.order[l++]!);
      continue;
    }
    if (r < rhs.order.length) {
      const token = rhs.order[r++]!;
      emit(token);
      if (shared[nextShared] === token) nextShared++;
      continue;
    }
    l++; // a shared live item already emitted from the configuration side
  }
  return out;
}

/** typed.Compare: the difference between two versions of an object, as field paths. */
export function compareTyped(lhs: unknown, rhs: unknown, type: SsaType): Comparison {
  const result: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareNode(lhs, rhs, type, [], result);
  return result;
}

function compareNode(lhs: unknown, rhs: unknown, type: SsaType, path: Path, out: Comparison): void {
  if (lhs === undefined && rhs === undefined) return;
  const leaf = (): void => {
    if (lhs === undefined) out.added.insert(path);
    else if (rhs === undefined) out.removed.insert(path);
    else if (!deepEqual(lhs, rhs)) out.modified.insert(path);
  };
  const afterChildren = (): void => {
    if (lhs === undefined) out.added.insert(path);
    else if (rhs === undefined) out.removed.insert(path);
  };
  const mapLike = (v: unknown): boolean => v === undefined || isPlainObject(v);
  const listLike = (v: unknown): boolean => v === undefined || Array.isArray(v);

  if (mapLike(lhs) && mapLike(rhs)) {
    const left = (lhs ?? {}) as JsonObject;
    const right = (rhs ?? {}) as JsonObject;
    if (type.atomicMap || (Object.keys(left).length === 0 && Object.keys(right).length === 0)) return leaf();
    for (const name of new Set([...Object.keys(left), ...Object.keys(right)])) {
      compareNode(left[name], right[name], type.field(name), [...path, fieldToken(name)], out);
    }
    return afterChildren();
  }
  if (listLike(lhs) && listLike(rhs)) {
    const left = (lhs ?? []) as unknown[];
    const right = (rhs ?? []) as unknown[];
    if (type.listKind() === 'atomic' || (left.length === 0 && right.length === 0)) return leaf();
    const l = indexItems(left, type);
    const r = indexItems(right, type);
    for (const token of new Set([...l.order, ...r.order])) {
      compareNode(l.items.get(token), r.items.get(token), type.items(), [...path, token], out);
    }
    return afterChildren();
  }
  leaf();
}

/** Removes every member path of `set` (with its subtree) from `value`, in place. */
export function removeItems(value: unknown, set: FieldSet, type: SsaType): void {
  for (const path of set.paths()) removePath(value, path, type);
}

function removePath(value: unknown, path: Path, type: SsaType): void {
  let current = value;
  let currentType = type;
  for (let i = 0; i < path.length; i++) {
    const token = path[i]!;
    const last = i === path.length - 1;
    if (token.startsWith(FIELD_PREFIX)) {
      if (!isPlainObject(current)) return;
      const name = token.slice(FIELD_PREFIX.length);
      if (last) {
        delete current[name];
        return;
      }
      current = current[name];
      currentType = currentType.field(name);
      continue;
    }
    if (!Array.isArray(current)) return;
    const list = current;
    const index = token.startsWith(INDEX_PREFIX) ? Number(token.slice(2)) : list.findIndex((item, at) => itemToken(item, currentType, at, false) === token);
    if (index < 0 || index >= list.length) return;
    if (last) {
      list.splice(index, 1);
      return;
    }
    current = list[index];
    currentType = currentType.items();
  }
}
