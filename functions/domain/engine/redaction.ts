/**
 * How a step's Redactor (redactor.ts) learns its secrets, and the one place it is applied to
 * stored manifests rather than messages:
 * - `sensitiveRedactor`: every value of every sensitive variable, with its filter forms;
 * - `valuesBehindRedaction`: the exact scalars that stand behind `***` in rendered objects
 *   (a value inside a longer string, as YAML parsed it), so text quoting them is caught too;
 * - `redactPlan`: objects generated from a deploy-containers spec are built from the real
 *   spec, so their "redacted" copies would carry any sensitive value the spec used outside
 *   `secret.items` (an env value, a ConfigMap item).
 */
import type { RenderedObject, Variable } from '../model.ts';
import { REDACTED, Redactor } from '../redactor.ts';
import type { PreparedPlan } from './containers-step.ts';

/** A Redactor for every sensitive value of `variables`, in all its filter forms. */
export function sensitiveRedactor(variables: Variable[]): Redactor {
  const values = variables.flatMap((v) => v.values.filter((value) => value.sensitive).map((value) => value.value));
  return new Redactor(values, { withForms: true });
}

/** The real scalars (and the parts of them) that the redacted copies show as `***`. */
export function valuesBehindRedaction(rendered: RenderedObject[]): Set<string> {
  const out = new Set<string>();
  for (const r of rendered) if (r.object !== r.redacted) collect(r.object, r.redacted, out);
  return out;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function collect(real: unknown, shown: unknown, out: Set<string>): void {
  if (typeof shown === 'string' && shown.includes(REDACTED) && real !== shown && real !== null && typeof real !== 'object') {
    const text = String(real);
    out.add(text);
    const parts = new RegExp(`^${shown.split(REDACTED).map(escapeRegExp).join('(.+?)')}$`, 's').exec(text);
    for (const part of parts?.slice(1) ?? []) if (part) out.add(part);
    return;
  }
  if (!real || !shown || typeof real !== 'object' || typeof shown !== 'object') return;
  if (Array.isArray(real) && Array.isArray(shown)) {
    real.forEach((item, i) => collect(item, shown[i], out));
    return;
  }
  // Keys may hold sensitive values too; pair entries by position.
  const shownEntries = Object.entries(shown);
  Object.entries(real).forEach(([key, value], i) => {
    const [shownKey, shownValue] = shownEntries[i] ?? [];
    if (shownKey !== undefined) collect(key, shownKey, out);
    collect(value, shownValue, out);
  });
}

/** Redacts the stored copies of every object the plan generates. */
export function redactPlan(prepared: PreparedPlan, redactor: Redactor): PreparedPlan {
  for (const step of prepared.plan.steps) {
    if (!('objects' in step)) continue;
    for (const rendered of step.objects) rendered.redacted = redactor.deep(rendered.redacted);
  }
  return prepared;
}
