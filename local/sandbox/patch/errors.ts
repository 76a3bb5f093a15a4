/**
 * Errors raised by the patch module. Each carries the HTTP status and Status `reason` that
 * kube-apiserver answers with for the same failure, so the API layer can turn any of them
 * into a metav1.Status without knowing which patch flavour produced it.
 */

/** Status reasons used here (metav1.StatusReason values). */
export const STATUS_REASON = {
  badRequest: 'BadRequest',
  invalid: 'Invalid',
  conflict: 'Conflict',
  unsupportedMediaType: 'UnsupportedMediaType',
} as const;

export type PatchErrorOptions = {
  /** HTTP status the API server should answer with. */
  status?: number;
  /** metav1.Status reason. */
  reason?: string;
  cause?: unknown;
};

/**
 * A patch could not be applied to the object. Defaults to 422 Invalid, which is what
 * kube-apiserver answers when a well-formed JSON patch does not apply
 * (e.g. "replace operation does not apply: doc is missing key: /spec/foo: missing value").
 */
export class PatchError extends Error {
  readonly status: number;
  readonly reason: string;

  constructor(message: string, options: PatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PatchError';
    this.status = options.status ?? 422;
    this.reason = options.reason ?? STATUS_REASON.invalid;
  }
}

/** The patch body itself is malformed (not a JSON patch array, bad directive, missing merge key...): 400. */
export class BadPatchError extends PatchError {
  constructor(message: string, options: Omit<PatchErrorOptions, 'status' | 'reason'> = {}) {
    super(message, { ...options, status: 400, reason: STATUS_REASON.badRequest });
    this.name = 'BadPatchError';
  }
}

/**
 * kube-apiserver refuses strategic merge patches for kinds it has no Go struct for (custom
 * resources, aggregated APIs) with 415 and exactly this message; kubectl then falls back to
 * a JSON merge patch, so reproducing it matters.
 */
export const SMP_UNSUPPORTED_MESSAGE =
  'the body of the request was in an unknown format - accepted media types include: ' + 'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

export class StrategicMergePatchUnsupportedError extends PatchError {
  constructor() {
    super(SMP_UNSUPPORTED_MESSAGE, { status: 415, reason: STATUS_REASON.unsupportedMediaType });
    this.name = 'StrategicMergePatchUnsupportedError';
  }
}
