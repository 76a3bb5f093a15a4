/**
 * etcd's limit on one request (its --max-request-bytes, 1.5 MiB by default), which bounds the
 * size of any stored object whatever the API checks before it: kube-apiserver passes etcd's
 * refusal on as a reason-less 500 "etcdserver: request is too large" (it maps no etcd error to
 * a Status; kubernetes/kubernetes#112152). Dry runs never reach etcd and are not limited.
 *
 * The sandbox stores JSON, not etcd's protobuf, so the size is estimated from the object:
 * the UTF-8 bytes of every key and string plus a few bytes per value for tags and lengths.
 */
import { ApiError } from './errors.ts';
import type { KubeObject } from './types.ts';

/** etcd's default --max-request-bytes. */
export const STORAGE_REQUEST_LIMIT_BYTES = 1.5 * 1024 * 1024;
/** Tag and length bytes counted for every value, and the size of a number. */
const FIELD_OVERHEAD_BYTES = 3;
const NUMBER_BYTES = 9;
/** A UTF-16 code unit is at most 3 UTF-8 bytes. */
const MAX_UTF8_BYTES_PER_CHAR = 3;

/** Throws etcd's error when `object` would not fit in one etcd request. */
export function checkStorageSize(object: KubeObject): void {
  if (estimatedSize(object, (s) => s.length) * MAX_UTF8_BYTES_PER_CHAR <= STORAGE_REQUEST_LIMIT_BYTES) return;
  if (estimatedSize(object, (s) => Buffer.byteLength(s)) <= STORAGE_REQUEST_LIMIT_BYTES) return;
  throw new ApiError(500, '', 'etcdserver: request is too large');
}

/** The encoded size of a JSON value, measuring strings with `measure`. */
function estimatedSize(value: unknown, measure: (s: string) => number): number {
  if (typeof value === 'string') return measure(value) + FIELD_OVERHEAD_BYTES;
  if (typeof value === 'number') return NUMBER_BYTES;
  if (value === null || typeof value !== 'object') return FIELD_OVERHEAD_BYTES;
  let size = FIELD_OVERHEAD_BYTES;
  if (Array.isArray(value)) {
    for (const item of value) size += estimatedSize(item, measure);
    return size;
  }
  for (const key in value) size += measure(key) + estimatedSize((value as Record<string, unknown>)[key], measure);
  return size;
}
