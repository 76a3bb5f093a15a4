/**
 * `Status` bodies for rejected writes, worded exactly like kube-apiserver's so kubectl prints
 * the same lines users know (`The Deployment "web" is invalid: ...` is kubectl rendering our
 * details; the message itself reads `Deployment.apps "web" is invalid: ...`).
 */

export const HTTP_BAD_REQUEST = 400;
export const HTTP_UNPROCESSABLE_ENTITY = 422;
export const HTTP_INTERNAL_ERROR = 500;

export type CauseReason = 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueTooLong' | 'FieldValueTypeInvalid' | 'FieldValueForbidden';

export type StatusCause = { reason: CauseReason; message: string; field: string };

export type KubeStatus = {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason?: 'BadRequest' | 'Invalid';
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
  code: number;
};

/** A field error before it is rendered: `<field>: <detail>` is the message kube prints. */
export type FieldError = { reason: CauseReason; field: string; detail: string };

/** Go's %#v-ish rendering kube uses for "Invalid value: X" (strings quoted, maps as map[string]string{...}). */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(formatValue).join(', ')}}`;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.every(([, v]) => typeof v === 'string')) {
    return `map[string]string{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

export function required(field: string, detail = ''): FieldError {
  return { reason: 'FieldValueRequired', field, detail: detail ? `Required value: ${detail}` : 'Required value' };
}

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, detail: `Invalid value: ${formatValue(value)}: ${detail}` };
}

export function notSupported(field: string, value: unknown, supported: string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return { reason: 'FieldValueNotSupported', field, detail: `Unsupported value: ${formatValue(value)}: supported values: ${list}` };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { reason: 'FieldValueDuplicate', field, detail: `Duplicate value: ${formatValue(value)}` };
}

/** `apps` + Deployment → `Deployment.apps`; core kinds are just `Pod`. */
export function qualifiedKind(kind: string, group: string): string {
  return group ? `${kind}.${group}` : kind;
}

/**
 * 422 Invalid, e.g. `Deployment.apps "web" is invalid: spec.selector: Required value`, several
 * errors bracketed and comma-joined as kube-apiserver's aggregate does.
 */
export function invalidStatus(kind: string, group: string, name: string, errors: FieldError[]): KubeStatus {
  const rendered = errors.map((e) => `${e.field}: ${e.detail}`);
  const list = rendered.length === 1 ? rendered[0]! : `[${rendered.join(', ')}]`;
  const details: KubeStatus['details'] = { name, kind, causes: errors.map((e) => ({ reason: e.reason, message: e.detail, field: e.field })) };
  if (group) details.group = group;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${qualifiedKind(kind, group)} ${JSON.stringify(name)} is invalid: ${list}`,
    reason: 'Invalid',
    details,
    code: HTTP_UNPROCESSABLE_ENTITY,
  };
}

/** 400 BadRequest with a free-form message. */
export function badRequestStatus(message: string): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: HTTP_BAD_REQUEST };
}

/** The decode failure kube-apiserver reports for a body it cannot turn into the kind. */
export function cannotBeHandledStatus(kind: string, version: string, detail: string): KubeStatus {
  return badRequestStatus(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${detail}`);
}

/** `strict decoding error: unknown field "a", unknown field "b"` (fieldValidation=Strict). */
export function strictDecodingDetail(unknownFields: string[]): string {
  return `strict decoding error: ${unknownFields.map(unknownFieldWarning).join(', ')}`;
}

/** The text of one unknown-field warning; send as `Warning: 299 - "<text, quotes escaped>"`. */
export function unknownFieldWarning(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}

/** A `Warning` response header value in the RFC 7234 form kube-apiserver uses. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/**
 * Server-side apply with a field the schema lacks fails regardless of fieldValidation, with
 * a plain (reason-less) 500 in kube-apiserver 1.36: `failed to create typed patch object
 * (default/web; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema`.
 */
export function applyUnknownFieldStatus(namespace: string | undefined, name: string, apiVersion: string, kind: string, path: string): KubeStatus {
  const message = `failed to create typed patch object (${namespace ?? ''}/${name}; ${apiVersion}, Kind=${kind}): ${path}: field not declared in schema`;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: HTTP_INTERNAL_ERROR };
}
