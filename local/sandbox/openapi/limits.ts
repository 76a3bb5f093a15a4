/**
 * The size limits of kube-apiserver's validation: all annotations of an object together
 * (apimachinery ValidateAnnotations, 256 KiB — kubectl's last-applied-configuration counts),
 * and the data of a ConfigMap or a Secret (core validation, MaxSecretSize, 1 MiB). Sizes are
 * Go's len(): UTF-8 bytes of strings, decoded bytes of base64 ([]byte) values.
 */
import type { KubeObject } from '../types.ts';
import type { FieldError } from './status.ts';

/** apimachinery's TotalAnnotationSizeLimitB. */
export const ANNOTATIONS_LIMIT_BYTES = 256 * 1024;
/** core.MaxSecretSize, which ConfigMaps share. */
export const DATA_LIMIT_BYTES = 1024 * 1024;
/** A UTF-16 code unit is at most 3 UTF-8 bytes: below a third of a limit, no need to count bytes. */
const MAX_UTF8_BYTES_PER_CHAR = 3;

/**
 * field.TooLong as of 1.32 (the value is never shown). The ConfigMap check passes the path
 * NewPath(""), which Go prints as `[]`.
 */
function tooLong(field: string, limit: number): FieldError {
  return { reason: 'FieldValueTooLong', field, detail: `Too long: may not be more than ${limit} bytes` };
}

/** Bytes of a base64 value once decoded (what a []byte field holds). */
function decodedLength(value: unknown): number {
  if (typeof value !== 'string') return 0;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((value.length * 3) / 4) - padding);
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : 0;
}

/** Sum of key and value lengths over the annotations, over 256 KiB: metadata.annotations is too long. */
export function annotationSizeErrors(annotations: unknown): FieldError[] {
  if (!annotations || typeof annotations !== 'object') return [];
  let chars = 0;
  for (const [key, value] of Object.entries(annotations)) chars += key.length + (typeof value === 'string' ? value.length : 0);
  if (chars * MAX_UTF8_BYTES_PER_CHAR <= ANNOTATIONS_LIMIT_BYTES) return [];
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) bytes += Buffer.byteLength(key) + textLength(value);
  return bytes > ANNOTATIONS_LIMIT_BYTES ? [tooLong('metadata.annotations', ANNOTATIONS_LIMIT_BYTES)] : [];
}

/** ValidateConfigMap: data (strings) and binaryData (bytes) together, over 1 MiB. */
export function configMapSizeErrors(configMap: KubeObject): FieldError[] {
  let bytes = 0;
  for (const value of Object.values(configMap.data ?? {})) bytes += textLength(value);
  for (const value of Object.values(configMap.binaryData ?? {})) bytes += decodedLength(value);
  return bytes > DATA_LIMIT_BYTES ? [tooLong('[]', DATA_LIMIT_BYTES)] : [];
}

/** ValidateSecret: the decoded data (stringData merged into it already), over 1 MiB. */
export function secretSizeErrors(secret: KubeObject): FieldError[] {
  let bytes = 0;
  for (const value of Object.values(secret.data ?? {})) bytes += decodedLength(value);
  return bytes > DATA_LIMIT_BYTES ? [tooLong('data', DATA_LIMIT_BYTES)] : [];
}
