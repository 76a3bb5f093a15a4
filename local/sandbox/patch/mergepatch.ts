/**
 * RFC 7386 JSON merge patch (`application/merge-patch+json`). This is also what kubectl
 * falls back to for custom resources, where strategic merge patch is refused.
 */
import { BadPatchError } from './errors.ts';
import { deepClone, isPlainObject, type JsonObject } from './json.ts';

/** Kube's jsonpatch.MergePatch answers a non-object patch with this error, as a 400. */
export const INVALID_MERGE_PATCH_MESSAGE = 'Invalid JSON Patch';

/**
 * Applies a merge patch to a copy of `original`: objects merge recursively, null deletes,
 * anything else (arrays included) replaces. Throws BadPatchError when the patch is not an
 * object, as kube-apiserver does for a resource body.
 */
export function applyMergePatch<T>(original: T, patch: unknown): T {
  if (!isPlainObject(patch)) throw new BadPatchError(INVALID_MERGE_PATCH_MESSAGE);
  return mergeValue(deepClone(original), patch) as T;
}

/** The RFC 7386 MergePatch(Target, Patch) function, for any JSON values. */
export function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return deepClone(patch);
  const result: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeValue(result[key], value);
  }
  return result;
}
