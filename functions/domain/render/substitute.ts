/**
 * Octopus variable substitution on the text of one document, before YAML parsing (so that
 * `replicas: #{Replicas}` yields a number, as in Octopus).
 *
 * Syntax: `#{Name}`, `#{ Name }` (blanks trimmed), `#{Name | Filter | Filter}` (filters.ts).
 * Names hold letters, digits, `.`, `_`, `-`. `##{Name}` is the escape: it renders the literal
 * text `#{Name}`. An expression never spans lines. Not supported, and reported as errors so
 * that nothing is silently left as a YAML comment: nested references (`#{Outer#{Inner}}`),
 * Octopus templates (`#{if}`, `#{each}`), indexers, filter arguments, and an unterminated `#{`.
 * A value is inserted as it is: a `#{...}` inside a value is not expanded.
 *
 * Substitution is planned before any text is built: a planner (`createPlanner`) finds every
 * expression of a document and its value, so that sizes are checked (size.ts) before a byte is
 * concatenated, and several texts are built from one plan with `buildText`:
 * - the real text, which is applied (`realValue`);
 * - the skeleton (`skeletonValue`), where each variable use is a unique marker of letters
 *   only: it holds no value at all, so it shows the structure the author wrote (verify.ts
 *   compares the real text's structure with it) and its messages can never quote a value;
 * - the redacted text (`redactedValue`), where each sensitive value is a redaction marker;
 *   after parsing, `redactMarkers` turns the markers into `***`. (Writing `***` into the text
 *   would make YAML read an alias.)
 *
 * Markers are unique per use (a prefix, the use's index in upper-case letters, then `x`), so
 * that two sensitive keys of one mapping stay two keys.
 */
import type { InputProblem } from '../errors.ts';
import type { SourceLocation } from '../model.ts';
import { FILTER_NAMES, type Filter, findFilter } from './filters.ts';
import { MAX_REFERENCES_PER_DOCUMENT } from './limits.ts';
import type { DocumentText } from './split.ts';
import type { VariableLookup } from './variables.ts';

/** What a sensitive value looks like in stored and logged manifests. */
export const REDACTED = '***';

/** Markers stand for values; letters only, so valid in any YAML or JSON scalar and in a key. */
const USE_MARKER_PREFIX = 'CONVEYORxUSEx';
const USE_MARKER = /CONVEYORxUSEx([A-Z]+)x/g;
const REDACTION_MARKER_PREFIX = 'CONVEYORxREDACTEDx';
const REDACTION_MARKER = /CONVEYORxREDACTEDx[A-Z]+x/g;
const MARKER_BASE = 26;
const FIRST_LETTER = 'A'.charCodeAt(0);

/** `##{` (escape), or `#{` up to the next `}` on the same line (group 2 empty when unterminated). */
const EXPRESSION = /##\{|#\{([^}\n]*)(\}?)/g;
const ESCAPE = '##{';
const ESCAPED = '#{';
const NAME = /^[A-Za-z0-9._-]+$/;
const ESCAPE_HINT = 'write "##{" for a literal "#{"';

/** The variable of one reference. */
export type VariableUse = {
  /** As written in the reference. */
  name: string;
  /** Lower-case name: names are case-insensitive, so this identifies the variable. */
  key: string;
  sensitive: boolean;
};

/** One `#{...}` with a value, or one `##{`, and what the real text gets in its place. */
export type Replacement = {
  /** Offsets of the expression in the document text. */
  start: number;
  end: number;
  /** Line in the file. */
  line: number;
  /** The value after filters (`#{` for the escape). */
  value: string;
  /** UTF-8 sizes of the value and of the expression it replaces. */
  valueBytes: number;
  expressionBytes: number;
  /** The variable of a reference; undefined for the escape. */
  variable?: VariableUse;
};

/** A document with every substitution found, none applied yet. */
export type DocumentPlan = DocumentText & {
  file: string;
  /** Strict JSON (json.ts) instead of YAML: decided by the file name. */
  json: boolean;
  /** In text order. References without a value and malformed expressions are not here: they are problems. */
  replacements: Replacement[];
};

/** Everything substitution found wrong; nothing is thrown for these. */
export type SubstitutionProblems = {
  /** Malformed expressions and unknown filters. */
  problems: InputProblem[];
  /** Every reference without a value, one per occurrence. */
  missing: { name: string; source: SourceLocation }[];
};

type Expression = { name: string; filters: Filter[] };

/** What one expression text (`Name | ToLower`) stands for; computed once per text. */
type Resolution = { error: string } | { missing: string } | { value: string; valueBytes: number; variable: VariableUse };

function parseExpression(body: string): { expression?: Expression; error?: string } {
  if (body.includes('#{')) return { error: `nested variable references are not supported (${ESCAPE_HINT})` };
  const [rawName, ...rawFilters] = body.split('|').map((part) => part.trim());
  if (!NAME.test(rawName)) {
    return { error: `not a variable name: letters, digits, ".", "_", "-"; templates such as #{if} are not supported (${ESCAPE_HINT})` };
  }
  const filters: Filter[] = [];
  for (const rawFilter of rawFilters) {
    const filter = findFilter(rawFilter);
    if (!filter) return { error: `unknown filter "${rawFilter}" (known: ${FILTER_NAMES.join(', ')})` };
    filters.push(filter);
  }
  return { expression: { name: rawName, filters } };
}

/** Counts lines as the scan moves forward, so that a large file is read once. */
function lineCounter(text: string, firstLine: number): (index: number) => number {
  let line = firstLine;
  let scanned = 0;
  return (index) => {
    for (let i = text.indexOf('\n', scanned); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line += 1;
    scanned = Math.max(scanned, index);
    return line;
  };
}

/** Plans the substitutions of one document of `file`; problems go into `found`. */
export type Planner = (file: string, doc: DocumentText, json: boolean, found: SubstitutionProblems) => DocumentPlan;

/**
 * A planner for one deployment. Each distinct expression is looked up and filtered once, so a
 * value used ten thousand times costs one filter run and no copy. Problems go into `found`, so
 * that the caller reports all of them, across files, at once. Throws AmbiguousVariableError
 * (from the lookup) for a used variable with two equally specific values.
 */
export function createPlanner(lookup: VariableLookup): Planner {
  const resolutions = new Map<string, Resolution>();
  const resolve = (body: string): Resolution => {
    const known = resolutions.get(body);
    if (known) return known;
    const { expression, error } = parseExpression(body);
    let resolution: Resolution;
    if (error || !expression) resolution = { error: error ?? 'invalid expression' };
    else {
      const resolved = lookup(expression.name);
      if (!resolved) resolution = { missing: expression.name };
      else {
        const value = expression.filters.reduce((text, filter) => filter(text), resolved.value);
        const variable = { name: expression.name, key: expression.name.toLowerCase(), sensitive: resolved.sensitive };
        resolution = { value, valueBytes: Buffer.byteLength(value), variable };
      }
    }
    resolutions.set(body, resolution);
    return resolution;
  };

  return (file, doc, json, found) => {
    // Stops at MAX_REFERENCES_PER_DOCUMENT expressions, with a problem: the rest is not planned.
    const replacements: Replacement[] = [];
    const lineAt = lineCounter(doc.text, doc.line);
    let expressions = 0;
    for (const match of doc.text.matchAll(EXPRESSION)) {
      const line = lineAt(match.index);
      const source: SourceLocation = { file, document: doc.document, line };
      expressions += 1;
      if (expressions > MAX_REFERENCES_PER_DOCUMENT) {
        found.problems.push({ source, message: `this document holds more than ${MAX_REFERENCES_PER_DOCUMENT} "#{...}" expressions, the limit for one document` });
        break;
      }
      const span = { start: match.index, end: match.index + match[0].length, line, expressionBytes: Buffer.byteLength(match[0]) };
      if (match[0] === ESCAPE) {
        replacements.push({ ...span, value: ESCAPED, valueBytes: ESCAPED.length });
        continue;
      }
      if (match[2] !== '}') {
        found.problems.push({ source, message: `unterminated "#{" (${ESCAPE_HINT})` });
        continue;
      }
      const resolution = resolve(match[1]);
      if ('error' in resolution) found.problems.push({ source, message: `invalid variable expression "${match[0]}": ${resolution.error}` });
      else if ('missing' in resolution) found.missing.push({ name: resolution.missing, source });
      else replacements.push({ ...span, value: resolution.value, valueBytes: resolution.valueBytes, variable: resolution.variable });
    }
    return { ...doc, file, json, replacements };
  };
}

/** What one replacement becomes in a text; `index` is its place in the plan. */
export type Pick = (replacement: Replacement, index: number) => string;

/** The document's text with `pick` in place of each replacement. */
export function buildText(plan: DocumentPlan, pick: Pick): string {
  const parts: string[] = [];
  let last = 0;
  plan.replacements.forEach((replacement, index) => {
    parts.push(plan.text.slice(last, replacement.start), pick(replacement, index));
    last = replacement.end;
  });
  parts.push(plan.text.slice(last));
  return parts.join('');
}

/** `index` in upper-case letters, base 26: 0 → A, 26 → BA. */
function letters(index: number): string {
  let text = '';
  let rest = index;
  do {
    text = String.fromCharCode(FIRST_LETTER + (rest % MARKER_BASE)) + text;
    rest = Math.floor(rest / MARKER_BASE);
  } while (rest > 0);
  return text;
}

/** The marker of use `index` in the skeleton. */
export function useMarker(index: number): string {
  return `${USE_MARKER_PREFIX}${letters(index)}x`;
}

/** The marker of sensitive use `index` in the redacted text. */
export function redactionMarker(index: number): string {
  return `${REDACTION_MARKER_PREFIX}${letters(index)}x`;
}

export const realValue: Pick = (replacement) => replacement.value;
export const skeletonValue: Pick = (replacement, index) => (replacement.variable ? useMarker(index) : replacement.value);
export const redactedValue: Pick = (replacement, index) => (replacement.variable?.sensitive ? redactionMarker(index) : replacement.value);

/** Whether skeleton text holds a use marker, i.e. a value goes there. */
export function holdsUse(text: string): boolean {
  return text.includes(USE_MARKER_PREFIX);
}

/** Indexes of the uses whose markers `text` holds. */
export function usesIn(text: string): number[] {
  return [...text.matchAll(USE_MARKER)].map((match) => [...match[1]].reduce((n, letter) => n * MARKER_BASE + letter.charCodeAt(0) - FIRST_LETTER, 0));
}

/** Skeleton text as a person reads it: each marker shown as the reference it stands for. */
export function showUses(text: string, plan: DocumentPlan): string {
  if (!holdsUse(text)) return text;
  const names = usesIn(text).map((index) => plan.replacements[index]?.variable?.name);
  let next = 0;
  return text.replace(USE_MARKER, (marker) => {
    const name = names[next++];
    return name === undefined ? marker : `#{${name}}`;
  });
}

/** Replaces every redaction marker by `***` in every string and key of parsed data. */
export function redactMarkers<T>(value: T): T {
  if (typeof value === 'string') return (value.includes(REDACTION_MARKER_PREFIX) ? value.replace(REDACTION_MARKER, REDACTED) : value) as T;
  if (Array.isArray(value)) return value.map((item) => redactMarkers(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactMarkers(key), redactMarkers(item)])) as T;
  }
  return value;
}
