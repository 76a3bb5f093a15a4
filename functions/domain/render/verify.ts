/**
 * Checks one planned document (substitute.ts) before any object is built from it, in an order
 * that keeps every message free of values:
 *
 * 1. the template: for JSON, its strictness (with each use replaced by a neutral value: a
 *    marker inside a string, `1` outside); then the skeleton as YAML, and its keys. These are
 *    the author's mistakes, at the lines and columns of the file, with markers shown as
 *    `#{Name}`;
 * 2. the values: the real text must be strict JSON (for a `.json` file), valid YAML, and have
 *    the skeleton's structure (structure.ts). If not, culprits.ts finds the variables;
 * 3. the redacted text, when sensitive variables are used, must have that structure too.
 *
 * Most values are plain tokens (`3`, `1.4.0`, `eu-west-1`, base64): wherever a marker can sit,
 * such a value lexes as the marker does, so it cannot change the structure. A document whose
 * values all are such is parsed once, without its skeleton (`verifyInert`); anything unusual
 * there (an error, a duplicate key) sends it through the full check above.
 */
import { type Document, LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import type { InputProblem } from '../errors.ts';
import { type Check, culpritProblems, type SearchBudget } from './culprits.ts';
import { strictJsonProblem } from './json.ts';
import { duplicateKey, type Skeleton, structureChange } from './structure.ts';
import { buildText, type DocumentPlan, holdsUse, type Pick, realValue, redactedValue, showUses, skeletonValue, useMarker, usesIn } from './substitute.ts';

/** A document whose values keep the skeleton's structure. */
export type Verified = {
  /**
   * Lines of objects and List items come from here: the skeleton, or the real document when
   * its values are inert (same structure and lines). They are the file's lines.
   */
  skeleton: Skeleton;
  real: Document;
  /** Only when sensitive variables are used; otherwise the real document is also the redacted one. */
  redacted?: Document;
};

/** Stands outside JSON strings for a value when only the template is checked: a number. */
const JSON_NEUTRAL = '1';
const MULTIPLE_DOCS = 'MULTIPLE_DOCS';
/**
 * An inert value: letters, digits and `._/+=-`, starting with a letter or digit. No YAML or
 * JSON indicator, blank, quote, backslash, line break or flow character: in a plain, quoted or
 * block scalar it lexes like a marker, so only the type of a plain scalar can change.
 */
const INERT_VALUE = /^[A-Za-z0-9][A-Za-z0-9._/+=-]*$/;
/** Where even an inert value matters: in an anchor, alias or tag, a block scalar header, a directive. */
const NAME_CONTEXT = /[&*!|>][^\s,[\]{}]*#\{|^%/m;
const BLOCK_SCALARS = new Set(['BLOCK_LITERAL', 'BLOCK_FOLDED']);

function parseYaml(text: string, json: boolean, lineCounter?: LineCounter): Document {
  // Duplicate keys are found by structure.ts: YAML's own check is quadratic in a mapping's size.
  // A JSON key "<<" is an ordinary key, so merge keys are YAML only.
  return parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: !json });
}

/** Whether each replacement of a JSON document sits inside a string of the template. */
function jsonStringFlags(plan: DocumentPlan): boolean[] {
  const flags: boolean[] = [];
  let inString = false;
  let at = 0;
  plan.replacements.forEach((replacement, index) => {
    while (at < replacement.start) {
      const char = plan.text[at];
      if (inString && char === '\\') at += 1;
      else if (char === '"') inString = !inString;
      at += 1;
    }
    flags[index] = inString;
    at = replacement.end;
  });
  return flags;
}

/** Line and column in the file of `offset` in a text built with `pick`. */
function positionOf(plan: DocumentPlan, pick: Pick, offset: number): { line: number; column: number } {
  let shift = 0;
  let templateOffset: number | undefined;
  for (const [index, replacement] of plan.replacements.entries()) {
    const start = replacement.start + shift;
    if (offset < start) break;
    const length = pick(replacement, index).length;
    // Inside a replacement: the place of its `#{`.
    if (offset < start + length) templateOffset = replacement.start;
    if (templateOffset !== undefined) break;
    shift += length - (replacement.end - replacement.start);
  }
  const at = templateOffset ?? offset - shift;
  const before = plan.text.slice(0, at);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: plan.line + before.split('\n').length - 1, column: at - lineStart + 1 };
}

function templateProblem(plan: DocumentPlan, pick: Pick, offset: number, message: string): InputProblem {
  const { line, column } = positionOf(plan, pick, offset);
  return { source: { file: plan.file, document: plan.document, line }, message: `${showUses(message, plan)} (column ${column})` };
}

function yamlTemplateProblem(plan: DocumentPlan, error: YAMLError): InputProblem {
  const message = error.code === MULTIPLE_DOCS ? 'a document end marker "..." is followed by more content; separate documents with a line "---"' : `invalid YAML: ${error.message}`;
  return templateProblem(plan, skeletonValue, error.pos[0], message);
}

/** What a YAML error in a partial text says about the values in it. */
function yamlErrorChange(plan: DocumentPlan, error: YAMLError, sensitive: boolean): string {
  if (error.code === MULTIPLE_DOCS) return 'adds a document (a "---" or "..." line)';
  return sensitive ? 'is not valid YAML there' : `makes the YAML invalid: ${showUses(error.message, plan)}`;
}

function selectsSensitive(plan: DocumentPlan, selected: (index: number) => boolean): boolean {
  return plan.replacements.some((replacement, index) => replacement.variable?.sensitive && selected(index));
}

function yamlCheck(plan: DocumentPlan, skeleton: Skeleton): Check {
  return (selected) => {
    const partial = parseYaml(
      buildText(plan, (replacement, index) => (selected(index) ? replacement.value : skeletonValue(replacement, index))),
      plan.json,
    );
    if (partial.errors.length > 0) return yamlErrorChange(plan, partial.errors[0], selectsSensitive(plan, selected));
    return structureChange(skeleton, partial);
  };
}

function jsonCheck(plan: DocumentPlan, neutral: Pick): Check {
  return (selected) => {
    const problem = strictJsonProblem(buildText(plan, (replacement, index) => (selected(index) ? replacement.value : neutral(replacement, index))));
    if (!problem) return undefined;
    return selectsSensitive(plan, selected) ? 'is not valid JSON there' : `makes the JSON invalid: ${problem.message}`;
  };
}

/** Whether use `index` sits in a block scalar (`|`, `>`) of the skeleton. */
function inBlockScalar(skeleton: Skeleton, index: number): boolean {
  let found = false;
  visit(skeleton.document, {
    Scalar(_key, node) {
      if (!BLOCK_SCALARS.has(node.type ?? '') || typeof node.value !== 'string' || !usesIn(node.value).includes(index)) return undefined;
      found = true;
      return visit.BREAK;
    },
  });
  return found;
}

function hintFor(plan: DocumentPlan, skeleton: Skeleton, jsonStrings: boolean[] | undefined): (index: number) => string {
  return (index) => {
    const { variable, value } = plan.replacements[index];
    const quoted = `"#{${variable?.name} | JsonEscape}"`;
    if (jsonStrings) {
      return jsonStrings[index] ? `inside a JSON string, write ${quoted}` : `outside quotes a value must be a JSON number, true, false or null; for text, write ${quoted}`;
    }
    if (value.includes('\n') && inBlockScalar(skeleton, index)) {
      return `a multi-line value in a block scalar ("|" or ">") would have to be indented like the block on every line; write ${quoted} in double quotes instead`;
    }
    return `to insert the value as one string, write ${quoted} in double quotes`;
  };
}

/** The skeleton of a plan, parsed, or the template's own problems. */
function parseSkeleton(plan: DocumentPlan): Skeleton | InputProblem[] {
  const lineCounter = new LineCounter();
  const document = parseYaml(buildText(plan, skeletonValue), plan.json, lineCounter);
  if (document.errors.length > 0) return document.errors.map((error) => yamlTemplateProblem(plan, error));
  const skeleton: Skeleton = {
    document,
    holdsUse,
    show: (text) => showUses(text, plan),
    lineOf: (node) => plan.line + lineCounter.linePos(node.range?.[0] ?? 0).line - 1,
  };
  const duplicate = duplicateKey(skeleton);
  if (duplicate) return [templateProblem(plan, skeletonValue, duplicate.node.range?.[0] ?? 0, `invalid YAML: ${duplicate.message}`)];
  return skeleton;
}

/** One parse for a document whose values are all inert (file comment); undefined when the full check must decide. */
function verifyInert(plan: DocumentPlan): Verified | undefined {
  const inert = plan.replacements.every((replacement) => !replacement.variable || INERT_VALUE.test(replacement.value));
  if (!inert || NAME_CONTEXT.test(plan.text)) return undefined;
  const realText = buildText(plan, realValue);
  if (plan.json && strictJsonProblem(realText)) return undefined;
  const lineCounter = new LineCounter();
  const real = parseYaml(realText, plan.json, lineCounter);
  if (real.errors.length > 0) return undefined;
  const layout: Skeleton = {
    document: real,
    holdsUse: () => false,
    show: (text) => text,
    lineOf: (node) => plan.line + lineCounter.linePos(node.range?.[0] ?? 0).line - 1,
  };
  if (duplicateKey(layout)) return undefined;
  if (!plan.replacements.some((replacement) => replacement.variable?.sensitive)) return { skeleton: layout, real };
  const redacted = parseYaml(buildText(plan, redactedValue), plan.json);
  return redacted.errors.length > 0 ? undefined : { skeleton: layout, real, redacted };
}

/**
 * Verifies a planned document as the file comment says; problems instead when it fails.
 * `budget` bounds the search for culprits, shared by the documents of one rendering.
 */
export function verifyPlan(plan: DocumentPlan, budget: SearchBudget): Verified | InputProblem[] {
  const verified = plan.replacements.some((replacement) => replacement.variable) ? verifyInert(plan) : undefined;
  if (verified) return verified;
  let jsonStrings: boolean[] | undefined;
  let neutral: Pick = realValue;
  if (plan.json) {
    const flags = (jsonStrings = jsonStringFlags(plan));
    neutral = (replacement, index) => (!replacement.variable ? replacement.value : flags[index] ? useMarker(index) : JSON_NEUTRAL);
    const problem = strictJsonProblem(buildText(plan, neutral));
    if (problem) return [templateProblem(plan, neutral, problem.offset, `invalid JSON: ${problem.message}`)];
  }
  const skeleton = parseSkeleton(plan);
  if (Array.isArray(skeleton)) return skeleton;
  if (!plan.replacements.some((replacement) => replacement.variable)) return { skeleton, real: skeleton.document };

  const hints = hintFor(plan, skeleton, jsonStrings);
  const realText = buildText(plan, realValue);
  if (plan.json && strictJsonProblem(realText)) return culpritProblems(plan, jsonCheck(plan, neutral), hints, budget);
  const real = parseYaml(realText, plan.json);
  if (real.errors.length > 0 || structureChange(skeleton, real)) return culpritProblems(plan, yamlCheck(plan, skeleton), hints, budget);
  if (!plan.replacements.some((replacement) => replacement.variable?.sensitive)) return { skeleton, real };

  const redacted = parseYaml(buildText(plan, redactedValue), plan.json);
  if (redacted.errors.length > 0 || structureChange(skeleton, redacted)) {
    // The real text is fine, but without the sensitive values it is not: other values pair
    // up with them (a quote opened in one and closed in the other). The redacted text is, up
    // to the names of markers, the one with only the other values: those are the culprits.
    const check = yamlCheck(plan, skeleton);
    return culpritProblems(plan, (selected) => check((index) => selected(index) && !plan.replacements[index].variable?.sensitive), hints, budget);
  }
  return { skeleton, real, redacted };
}
