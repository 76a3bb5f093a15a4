/**
 * List handling of strategic merge patch (mergeSlice and its ordering helpers from
 * k8s.io/apimachinery/pkg/util/strategicpatch). Split from strategic.ts to keep both short.
 *
 * Ordering rule (design proposal "preserve order in strategic merge patch"): the order of
 * `$setElementOrder` wins, then the order in the patch, then the order of the live list;
 * items only the server has keep their place relative to their neighbours.
 */
import { BadPatchError } from './errors.ts';
import { deepEqual, isPlainObject, type JsonObject } from './json.ts';
import { DELETE_DIRECTIVE, DIRECTIVE_MARKER, MERGE_DIRECTIVE, mergeMap, REPLACE_DIRECTIVE, type SchemaCursor } from './strategic.ts';

/** How a list field merges: `merge` false means the patch list replaces the original. */
export type ListContext = {
  merge: boolean;
  mergeKey?: string;
  /** Schema of the list items. */
  items: SchemaCursor;
  /** Field name, for error messages. */
  name: string;
};

/**
 * Merges patch list into original list. `isDeleteList` is set for
 * `$deleteFromPrimitiveList/<name>`; `setElementOrder` is the `$setElementOrder/<name>` list.
 */
export function mergeSlice(original: unknown[], patch: unknown[], list: ListContext, isDeleteList: boolean, setElementOrder?: unknown[]): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const isMapList = [...original, ...patch].some(isPlainObject);

  if (!isMapList) {
    if (isDeleteList) return original.filter((item) => !patch.some((del) => deepEqual(del, item)));
    const merged = dedupe([...original, ...patch]);
    return order(merged, setElementOrder ?? patch, original, undefined);
  }

  const mergeKey = list.mergeKey;
  if (!mergeKey) throw new BadPatchError(`cannot merge lists without merge key for ${list.name}`);
  const special = applySpecialElements(original, patch, mergeKey);
  const merged = mergeItems(special.original, special.patch, mergeKey, list.items);
  return order(merged, setElementOrder ?? special.patch, special.original, mergeKey);
}

/** Keeps the first occurrence of each value (deduplicateScalars). */
function dedupe(values: unknown[]): unknown[] {
  const result: unknown[] = [];
  for (const value of values) if (!result.some((seen) => deepEqual(seen, value))) result.push(value);
  return result;
}

/**
 * Handles list items carrying `$patch`: `delete` removes the original items with that merge
 * key, `replace` makes the rest of the patch the whole list (mergeSliceWithSpecialElements).
 */
function applySpecialElements(original: unknown[], patch: unknown[], mergeKey: string): { original: unknown[]; patch: unknown[] } {
  const plain: unknown[] = [];
  let replace = false;
  let remaining = original;
  for (const item of patch) {
    const map = asMap(item);
    if (!Object.hasOwn(map, DIRECTIVE_MARKER)) {
      plain.push(item);
      continue;
    }
    const directive = map[DIRECTIVE_MARKER];
    if (directive === DELETE_DIRECTIVE) {
      if (!Object.hasOwn(map, mergeKey)) throw noMergeKey(map, mergeKey);
      remaining = remaining.filter((candidate) => !(isPlainObject(candidate) && deepEqual(candidate[mergeKey], map[mergeKey])));
    } else if (directive === REPLACE_DIRECTIVE) {
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      throw new BadPatchError('merging lists cannot yet be specified in the patch');
    } else {
      throw new BadPatchError(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(map)}`);
    }
  }
  return replace ? { original: plain, patch: [] } : { original: remaining, patch: plain };
}

/** Merges each patch item into the original item with the same merge key, or appends it. */
function mergeItems(original: unknown[], patch: unknown[], mergeKey: string, items: SchemaCursor): unknown[] {
  const result = [...original];
  for (const item of patch) {
    const map = asMap(item);
    if (!Object.hasOwn(map, mergeKey)) throw noMergeKey(map, mergeKey);
    const index = result.findIndex((candidate) => isPlainObject(candidate) && deepEqual(candidate[mergeKey], map[mergeKey]));
    if (index >= 0) result[index] = mergeMap(result[index] as JsonObject, map, items);
    else result.push(mergeMap({}, map, items));
  }
  return result;
}

/**
 * normalizeElementOrder: items named in `patchOrder` are sorted by it, the others by the live
 * order, then the two runs are interleaved using the live order as the tie-breaker.
 */
function order(merged: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string | undefined): unknown[] {
  const toDelete = patchOrder.filter((item) => isPlainObject(item) && item[DIRECTIVE_MARKER] === DELETE_DIRECTIVE);
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const item of merged) (indexIn(patchOrder, item, mergeKey) >= 0 ? inPatch : serverOnly).push(item);
  const sortedPatch = sortBy(inPatch, patchOrder, mergeKey).filter((item) => indexIn(toDelete, item, mergeKey) < 0);
  const sortedServer = sortBy(serverOnly, serverOrder, mergeKey);
  return interleave(sortedServer, sortedPatch, serverOrder, mergeKey);
}

function indexIn(list: unknown[], item: unknown, mergeKey: string | undefined): number {
  if (mergeKey === undefined) return list.findIndex((candidate) => deepEqual(candidate, item));
  if (!isPlainObject(item)) return -1;
  return list.findIndex((candidate) => isPlainObject(candidate) && Object.hasOwn(candidate, mergeKey) && deepEqual(candidate[mergeKey], item[mergeKey]));
}

/** Stable sort by position in `reference`; items it lacks keep their relative order at the end. */
function sortBy(items: unknown[], reference: unknown[], mergeKey: string | undefined): unknown[] {
  const position = (item: unknown): number => {
    const i = indexIn(reference, item, mergeKey);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return items
    .map((item, i) => ({ item, i, at: position(item) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ item }) => item);
}

/** mergeSortedSlice: inserts server-only items among the patch items by live order. */
function interleave(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string | undefined): unknown[] {
  const result: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) result.push(right[j++]);
    else if (j >= right.length) result.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) result.push(left[i++]);
      else result.push(right[j++]);
    }
  }
  return result;
}

function asMap(item: unknown): JsonObject {
  if (!isPlainObject(item)) throw new BadPatchError(`list elements are not all maps: ${JSON.stringify(item)}`);
  return item;
}

function noMergeKey(map: JsonObject, mergeKey: string): BadPatchError {
  return new BadPatchError(`map: ${JSON.stringify(map)} does not contain declared merge key: ${mergeKey}`);
}
