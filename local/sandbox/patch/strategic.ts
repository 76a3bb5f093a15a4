/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the patch kubectl sends
 * for `kubectl apply` (client-side), `kubectl edit`, `kubectl patch` and `kubectl scale` on
 * built-in kinds. Port of k8s.io/apimachinery/pkg/util/strategicpatch mergeMap/mergeSlice
 * with the options the API server uses (MergeParallelList and IgnoreUnmatchedNulls).
 *
 * Lists whose field carries x-kubernetes-patch-strategy "merge" are merged: maps by their
 * x-kubernetes-patch-merge-key, primitives as a union. Every other list is replaced.
 * Directives: `$patch: replace|delete` (maps and list items), `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>` and `$retainKeys`.
 *
 * Custom resources: kube-apiserver has no patch metadata for them and answers 415; call
 * {@link assertStrategicMergePatchSupported} first to reproduce that (kubectl then retries
 * with a JSON merge patch). Without a schema this function itself degrades to "maps merge,
 * lists replace", which is also how fields missing from the schema are treated.
 */
import type { SchemaNode } from '../openapi/swagger.ts';
import { BadPatchError, PatchError, StrategicMergePatchUnsupportedError } from './errors.ts';
import { deepClone, isPlainObject, type JsonObject } from './json.ts';
import { fieldSchema, PATCH_MERGE_KEY, patchStrategies, resolveSchema, type SchemaResolver } from './schema.ts';
import { type ListContext, mergeSlice } from './strategic-lists.ts';

export const DIRECTIVE_MARKER = '$patch';
export const REPLACE_DIRECTIVE = 'replace';
export const DELETE_DIRECTIVE = 'delete';
export const MERGE_DIRECTIVE = 'merge';
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder/';
export const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList/';
export const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const MERGE_STRATEGY = 'merge';
const RETAIN_KEYS_STRATEGY = 'retainKeys';

/** Throws the 415 kube-apiserver answers with when a kind has no strategic-merge metadata. */
export function assertStrategicMergePatchSupported(schema: SchemaNode | undefined): asserts schema is SchemaNode {
  if (!schema) throw new StrategicMergePatchUnsupportedError();
}

/**
 * Applies `patch` to a copy of `original` (neither is modified) and returns the result.
 * `schema` is the kind's top-level schema; `resolver` follows its $refs (omit for inline CRD
 * schemas). Throws BadPatchError (400) for malformed patches and PatchError (422) for
 * patches whose content contradicts a directive.
 */
export function applyStrategicMergePatch(original: any, patch: any, schema: SchemaNode | undefined, resolver?: SchemaResolver): any {
  if (!isPlainObject(patch)) throw new BadPatchError('strategic merge patch must be a JSON object');
  const base = isPlainObject(original) ? deepClone(original) : {};
  return mergeMap(base, deepClone(patch), new SchemaCursor(resolveSchema(schema, resolver), resolver));
}

/** Where we are in the schema: the resolved object schema of the map being merged. */
export class SchemaCursor {
  constructor(
    readonly node: SchemaNode | undefined,
    readonly resolver: SchemaResolver | undefined,
  ) {}

  /** Patch metadata of field `name`: its strategies, merge key and resolved schema. */
  field(name: string): { strategies: string[]; mergeKey?: string; schema: SchemaNode | undefined; items: SchemaCursor } {
    const raw = fieldSchema(this.node, name);
    const resolved = resolveSchema(raw, this.resolver);
    const mergeKey = raw?.[PATCH_MERGE_KEY];
    return {
      strategies: patchStrategies(raw),
      mergeKey: typeof mergeKey === 'string' ? mergeKey : undefined,
      schema: resolved,
      items: new SchemaCursor(resolveSchema(resolved?.items, this.resolver), this.resolver),
    };
  }

  child(name: string): SchemaCursor {
    return new SchemaCursor(this.field(name).schema, this.resolver);
  }

  /** The list-merge context for field `name`; merge is false when the list is replaced. */
  list(name: string): ListContext {
    const meta = this.field(name);
    return { merge: meta.strategies.includes(MERGE_STRATEGY), mergeKey: meta.mergeKey, items: meta.items, name };
  }
}

/** mergeMap: merges `patch` into `original` (both owned by us and mutated) and returns the result. */
export function mergeMap(original: JsonObject, patch: JsonObject, cursor: SchemaCursor): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE_MARKER)) return handleMapDirective(patch);
  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, cursor);

  for (const [rawKey, patchValue] of Object.entries(patch)) {
    let key = rawKey;
    let isDeleteList = false;
    if (rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      key = rawKey.slice(DELETE_FROM_PRIMITIVE_LIST_PREFIX.length);
      isDeleteList = true;
    } else if (rawKey.startsWith(SET_ELEMENT_ORDER_PREFIX) || rawKey === RETAIN_KEYS_DIRECTIVE) {
      continue;
    }

    if (patchValue === null) {
      delete original[key];
      continue;
    }
    if (!Object.hasOwn(original, key)) {
      if (!isDeleteList) original[key] = mergeValue(undefined, patchValue, key, cursor);
      continue;
    }
    const originalValue = original[key];
    if (isDeleteList) {
      if (!Array.isArray(patchValue)) throw new BadPatchError(`invalid value for ${rawKey}: expected a list`);
      if (Array.isArray(originalValue)) original[key] = mergeSlice(originalValue, patchValue, cursor.list(key), true);
      continue;
    }
    original[key] = mergeValue(originalValue, patchValue, key, cursor);
  }
  return original;
}

/** Merges one field's patch value into its original value (undefined when absent). */
function mergeValue(originalValue: unknown, patchValue: unknown, key: string, cursor: SchemaCursor): unknown {
  if (isPlainObject(patchValue)) {
    const strategies = cursor.field(key).strategies.filter((s) => s !== RETAIN_KEYS_STRATEGY);
    if (strategies.includes(REPLACE_DIRECTIVE)) return withoutNulls(patchValue);
    const base = isPlainObject(originalValue) ? originalValue : {};
    return mergeMap(base, patchValue, cursor.child(key));
  }
  if (Array.isArray(patchValue)) {
    const list = cursor.list(key);
    if (!list.merge) return withoutNulls(patchValue);
    return mergeSlice(Array.isArray(originalValue) ? originalValue : [], patchValue, list, false);
  }
  return patchValue;
}

function handleMapDirective(patch: JsonObject): JsonObject {
  const directive = patch[DIRECTIVE_MARKER];
  if (directive === REPLACE_DIRECTIVE) {
    const { [DIRECTIVE_MARKER]: _marker, ...rest } = patch;
    return withoutNulls(rest) as JsonObject;
  }
  if (directive === DELETE_DIRECTIVE) return {};
  throw new BadPatchError(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
}

/**
 * `$retainKeys: [a, b]` (sent for fields with the retainKeys strategy, e.g. Deployment
 * spec.strategy and Pod volumes) drops every key of the original not listed, so switching
 * `type: RollingUpdate` to `Recreate` also removes `rollingUpdate`.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retain = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retain)) throw new BadPatchError(`invalid type for ${RETAIN_KEYS_DIRECTIVE}: expected a list of strings`);
  const keep = new Set(retain.map(String));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith('$')) continue;
    if (!keep.has(key)) throw new PatchError('content of patch does not match retainKeys list');
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

/**
 * `$setElementOrder/<list>`: merge that list now and order the result by the directive,
 * keeping items only the server knows about where they were (mergePatchIntoOriginal).
 */
function mergeOrderedLists(original: JsonObject, patch: JsonObject, cursor: SchemaCursor): void {
  for (const [directiveKey, order] of Object.entries(patch)) {
    if (!directiveKey.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const key = directiveKey.slice(SET_ELEMENT_ORDER_PREFIX.length);
    delete patch[directiveKey];
    if (!Array.isArray(order)) throw new BadPatchError(`invalid type for ${directiveKey}: expected a list`);
    const originalValue = original[key] ?? [];
    const patchValue = patch[key] ?? [];
    if (!Array.isArray(originalValue) || !Array.isArray(patchValue)) continue;
    const list = cursor.list(key);
    if (!list.merge) continue; // an ordinary replace, handled by the main loop
    const merged = mergeSlice(originalValue, patchValue, list, false, order);
    if (Object.hasOwn(original, key) || merged.length > 0) original[key] = merged;
    delete patch[key];
  }
}

/** discardNullValuesFromPatch: values new to the object carry no deletions. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isPlainObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, v] of Object.entries(value)) if (v !== null) result[key] = withoutNulls(v);
  return result;
}
