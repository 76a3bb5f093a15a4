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
 * Two texts come out: the real one and a redacted one in which each sensitive value's
 * contribution (after filters) is a marker made of letters only, so the redacted text parses
 * exactly like the real one; after parsing, `redactMarkers` turns the marker into `***`.
 * (Writing `***` into the text would make YAML read an alias.)
 */
import type { InputProblem } from '../errors.ts';
import type { SourceLocation } from '../model.ts';
import { findFilter, FILTER_NAMES, type Filter } from './filters.ts';
import type { DocumentText } from './split.ts';
import type { VariableLookup } from './variables.ts';

/** What a sensitive value looks like in stored and logged manifests. */
export const REDACTED = '***';

/** Stands for a sensitive value in the redacted text; letters only, so valid in any YAML or JSON scalar. */
export const REDACTION_MARKER = 'CONVEYORxREDACTEDxVALUE';

/** `##{` (escape), or `#{` up to the next `}` on the same line (group 2 empty when unterminated). */
const EXPRESSION = /##\{|#\{([^}\n]*)(\}?)/g;
const ESCAPE = '##{';
const NAME = /^[A-Za-z0-9._-]+$/;
const ESCAPE_HINT = 'write "##{" for a literal "#{"';

/** A substituted document: its real and redacted text, and where it used sensitive variables. */
export type SubstitutedDocument = DocumentText & {
  file: string;
  real: string;
  redacted: string;
  /** Each use of a sensitive variable, by name and line in the file. */
  sensitiveUses: { name: string; line: number }[];
};

/** Everything substitution found wrong in one document; nothing is thrown here. */
export type SubstitutionProblems = {
  /** Malformed expressions and unknown filters. */
  problems: InputProblem[];
  /** Every reference without a value, one per occurrence. */
  missing: { name: string; source: SourceLocation }[];
};

type Expression = { name: string; filters: Filter[] };

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

/**
 * Substitutes every expression of one document. Problems are collected into `found` so
 * that the caller can report all of them, across files, at once.
 */
export function substituteDocument(
  file: string,
  doc: DocumentText,
  lookup: VariableLookup,
  found: SubstitutionProblems,
): SubstitutedDocument {
  const sensitiveUses: SubstitutedDocument['sensitiveUses'] = [];
  let real = '';
  let redacted = '';
  let last = 0;
  const lineAt = lineCounter(doc.text, doc.line);
  for (const match of doc.text.matchAll(EXPRESSION)) {
    const source: SourceLocation = { file, document: doc.document, line: lineAt(match.index) };
    let realPart = match[0];
    let redactedPart = match[0];
    if (match[0] === ESCAPE) {
      realPart = redactedPart = '#{';
    } else if (match[2] !== '}') {
      found.problems.push({ source, message: `unterminated "#{" (${ESCAPE_HINT})` });
    } else {
      const { expression, error } = parseExpression(match[1]);
      if (error || !expression) {
        found.problems.push({ source, message: `invalid variable expression "${match[0]}": ${error}` });
      } else {
        const resolved = lookup(expression.name);
        if (!resolved) {
          found.missing.push({ name: expression.name, source });
        } else {
          realPart = expression.filters.reduce((value, filter) => filter(value), resolved.value);
          redactedPart = resolved.sensitive ? REDACTION_MARKER : realPart;
          if (resolved.sensitive) sensitiveUses.push({ name: expression.name, line: source.line });
        }
      }
    }
    real += doc.text.slice(last, match.index) + realPart;
    redacted += doc.text.slice(last, match.index) + redactedPart;
    last = match.index + match[0].length;
  }
  real += doc.text.slice(last);
  redacted += doc.text.slice(last);
  return { ...doc, file, real, redacted, sensitiveUses };
}

/** Replaces the redaction marker by `***` in every string and key of parsed data. */
export function redactMarkers<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll(REDACTION_MARKER, REDACTED) as T;
  if (Array.isArray(value)) return value.map((item) => redactMarkers(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactMarkers(key), redactMarkers(item)])) as T;
  }
  return value;
}
