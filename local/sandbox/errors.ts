/**
 * Errors of the sandbox API. Each carries the Kubernetes `Status` it becomes on the wire,
 * so the HTTP layer turns any of them into a response in exactly one place. At the end, the
 * errors of the data directory (`--data`): a damaged change log stops the sandbox from
 * starting; a failed log write fails every write request after it (as a 500).
 */

/** The `details` of a metav1.Status. */
export type StatusDetails = {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message: string; field?: string }[];
  retryAfterSeconds?: number;
};

/** A metav1.Status with status Failure. */
export type StatusBody = {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  /** Left out when empty (StatusReasonUnknown), as Go's omitempty does. */
  reason?: string;
  details?: StatusDetails;
  code: number;
};

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: StatusDetails;

  constructor(code: number, reason: string, message: string, details?: StatusDetails, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** "deployments.apps" / "configmaps": how kube-apiserver names a resource in messages. */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const notFound = (group: string, plural: string, name: string) => new ApiError(404, 'NotFound', `${qualifiedResource(group, plural)} "${name}" not found`, { name, group, kind: plural });

export const alreadyExists = (group: string, plural: string, name: string) =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(group, plural)} "${name}" already exists`, { name, group, kind: plural });

export const conflict = (group: string, plural: string, name: string, why: string) =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": ${why}`, { name, group, kind: plural });

export const staleResourceVersion = (group: string, plural: string, name: string) =>
  conflict(group, plural, name, 'the object has been modified; please apply your changes to the latest version and try again');

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

export const methodNotAllowed = (message = 'the server does not allow this method on the requested resource') => new ApiError(405, 'MethodNotAllowed', message);

export const unsupportedMediaType = (contentType: string) =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`,
  );

export const gone = (message: string) => new ApiError(410, 'Expired', message);

export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized');

export const forbidden = (message: string, details?: StatusDetails) => new ApiError(403, 'Forbidden', message, details);

export const pathNotFound = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

export const internalError = (message = 'an internal error occurred') => new ApiError(500, 'InternalError', message);

export const invalid = (kind: string, group: string, name: string, causes: { field: string; message: string; reason?: string }[]) =>
  new ApiError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
    name,
    group,
    kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
  });

/**
 * The change log in the data directory is damaged before its end. (An incomplete record at
 * the very end is what a kill mid-write leaves; it was never acknowledged and is ignored.)
 * Names the file and the byte offset of the bad record, so a person can inspect the file or
 * cut it there, knowingly dropping the changes after it.
 */
export class CorruptLogError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file}: corrupt change log at byte offset ${offset}: ${reason}`);
    this.name = 'CorruptLogError';
  }
}

/** Writing or fsyncing the change log failed: no change after it can be acknowledged any more. */
export class LogWriteError extends Error {
  constructor(path: string, cause: unknown) {
    super(`writing the change log ${path} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'LogWriteError';
  }
}
