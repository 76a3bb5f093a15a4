/**
 * Keeping sensitive values out of what the engine returns and throws, beyond rendering:
 * - objects generated from a deploy-containers spec are built from the real spec, so their
 *   "redacted" copies would carry any sensitive value the spec used outside `secret.items`
 *   (an env value, a ConfigMap item); `redactPlan` redacts them from the spec document's
 *   redacted copy;
 * - the server quotes rejected values (`Invalid value: "..."`) in its errors, also on the
 *   real apply (objects the pre-flight dry run had to skip); `redactRejection` redacts them.
 */
import { FieldConflictError, ObjectRejectedError } from '../errors.ts';
import type { RenderedObject } from '../model.ts';
import type { PreparedPlan } from './containers-step.ts';
import { redactSensitive } from './preflight.ts';

/** Every string (and key) of `value`, through `redact`. */
function mapStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, redact));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), mapStrings(v, redact)]));
  return value;
}

/** Redacts, in every object the plan generates, the sensitive values of the spec document. */
export function redactPlan(prepared: PreparedPlan, document: RenderedObject): PreparedPlan {
  const redact = (text: string) => redactSensitive(text, document.object, document.redacted);
  for (const step of prepared.plan.steps) {
    if (!('objects' in step)) continue;
    for (const rendered of step.objects) rendered.redacted = mapStrings(rendered.redacted, redact) as RenderedObject['redacted'];
  }
  return prepared;
}

/** The same rejection with the object's sensitive values (as the server quoted them) as `***`. */
export function redactRejection(error: unknown, rendered: RenderedObject): unknown {
  if (error instanceof ObjectRejectedError) {
    return new ObjectRejectedError(error.ref, redactSensitive(error.message, rendered.object, rendered.redacted), error.status, { cause: error.cause });
  }
  if (error instanceof FieldConflictError) return new FieldConflictError(error.ref, error.conflicts, redactSensitive(error.message, rendered.object, rendered.redacted));
  return error;
}
