/**
 * The one place secrets are taken out of text. The deploy engine builds one Redactor per step
 * from its sensitive variables and passes every event, result and error through it on the way
 * out (engine/boundary.ts), so rollout diagnoses, pod and event messages, server rejections and
 * anything added later are covered without a fix per message type. The Kubernetes adapter uses
 * the same class for account secrets in server text.
 *
 * What it replaces by `***`:
 * - every value it was given, in every form the variable filters can make of it (case changes,
 *   Base64, JsonEscape, YamlSingleQuoteEscape, Trim, chained up to MAX_FILTER_CHAIN deep),
 *   matched without regard to case;
 * - credential shapes whatever their value: bearer/basic authorization values, JWTs, EKS
 *   tokens, private keys, presigned AWS query parameters, and the user:password part of URLs.
 *
 * Values shorter than the minimum length are not searched for in free text (they would blank
 * out ordinary words); they are still `***` in rendered manifests, which are redacted by
 * structure, not by search.
 */
import { FILTER_NAMES, type Filter, findFilter } from './render/filters.ts';
import { REDACTED } from './render/index.ts';

export { REDACTED };

/** Credential shapes that are redacted whatever their value. */
const CREDENTIAL_PATTERNS: { pattern: RegExp; replace: string }[] = [
  { pattern: /k8s-aws-v1\.[A-Za-z0-9_-]+/g, replace: REDACTED },
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, replace: `$1 ${REDACTED}` },
  { pattern: /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, replace: REDACTED },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, replace: REDACTED },
  { pattern: /X-Amz-(Signature|Security-Token|Credential)=[^&\s"]+/gi, replace: `X-Amz-$1=${REDACTED}` },
  // https://user:password@host: both parts, as the user name is often a key id.
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, replace: `$1${REDACTED}@` },
];

/** Filter chains this deep are covered (6 filters: 258 chains); deeper ones are not idioms. */
export const MAX_FILTER_CHAIN = 3;
/** Sensitive variable values shorter than this are not searched for in free text. */
export const MIN_SENSITIVE_LENGTH = 3;
/** Nested causes followed when redacting an error. */
const MAX_CAUSE_DEPTH = 8;
/** Fields of an error that identify it to code (exit codes, Retry/Catch): never rewritten. */
const IDENTITY_FIELDS = new Set(['name', 'category', 'cause']);

const FILTERS: Filter[] = FILTER_NAMES.map((name) => findFilter(name)!);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every text the filters can make of `value`, chains up to MAX_FILTER_CHAIN long. */
export function filterForms(value: string): Set<string> {
  const forms = new Set([value]);
  let frontier = [value];
  for (let depth = 0; depth < MAX_FILTER_CHAIN; depth++) {
    const next: string[] = [];
    for (const text of frontier) {
      for (const filter of FILTERS) {
        const form = filter(text);
        if (!forms.has(form)) {
          forms.add(form);
          next.push(form);
        }
      }
    }
    frontier = next;
  }
  return forms;
}

export class Redactor {
  /** Lower-cased forms to search for, so that matching ignores case. */
  readonly #forms = new Set<string>();
  #pattern: RegExp | undefined;

  /**
   * @param values secret values to search for, with their filter forms when `withForms`
   * @param minLength values shorter than this are not searched for
   */
  constructor(
    values: Iterable<string> = [],
    private readonly options: { minLength?: number; withForms?: boolean } = {},
  ) {
    this.add(values);
  }

  /** Adds values (and, if the Redactor was built with forms, their filter forms). */
  add(values: Iterable<string>): this {
    const minLength = this.options.minLength ?? MIN_SENSITIVE_LENGTH;
    for (const value of values) {
      const forms = this.options.withForms ? filterForms(value) : [value];
      for (const form of forms) if (form.length >= minLength) this.#forms.add(form.toLowerCase());
    }
    this.#pattern = undefined;
    return this;
  }

  /** `text` with every known value and credential shape replaced by `***`. */
  text(text: string): string {
    let out = text;
    if (this.#forms.size > 0) {
      // Longest first, so a value that contains another is replaced whole.
      this.#pattern ??= new RegExp(
        [...this.#forms]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegExp)
          .join('|'),
        'gi',
      );
      out = out.replace(this.#pattern, REDACTED);
    }
    for (const { pattern, replace } of CREDENTIAL_PATTERNS) out = out.replace(pattern, replace);
    return out;
  }

  /** A copy of plain data with every string (and key) redacted. */
  deep<T>(value: T): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.deep(item)) as T;
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.text(key), this.deep(item)])) as T;
    }
    return value;
  }

  /**
   * The same error, redacted in place: its message and stack, every own field (problems,
   * reasons, references), and its causes. The class, name and category stay, so that exit
   * codes and state machines see the same error.
   */
  error<E>(error: E, depth = 0): E {
    if (!(error instanceof Error) || depth > MAX_CAUSE_DEPTH) return error;
    const fields = error as unknown as Record<string, unknown>;
    for (const key of Object.keys(error)) if (!IDENTITY_FIELDS.has(key)) fields[key] = this.deep(fields[key]);
    error.message = this.text(error.message);
    if (error.stack) error.stack = this.text(error.stack);
    if (error.cause !== undefined) this.error(error.cause, depth + 1);
    return error;
  }
}
