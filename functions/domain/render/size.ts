/**
 * The limits of limits.ts, each checked before the work it bounds:
 *
 * - all files together, before they are split (`inputSizeProblem`);
 * - one document's text, before it is substituted or parsed (`documentSizeProblem`);
 * - each document after substitution, and all of them together, computed from the plan's
 *   sizes before any text is built (`RenderedSize`): a 100 KiB value used 10,000 times is
 *   refused from arithmetic, never concatenated. The message names the variables that make
 *   the size, with their value's size and how often they are used;
 * - one rendered object, as JSON, counted without building the JSON (`jsonLargerThan`).
 */
import type { InputProblem } from '../errors.ts';
import type { SourceLocation } from '../model.ts';
import { formatBytes, MAX_DOCUMENT_BYTES, MAX_INPUT_BYTES } from './limits.ts';
import type { DocumentText } from './split.ts';
import type { DocumentPlan } from './substitute.ts';

/** Variables named in a size message, largest contribution first. */
const MAX_VARIABLES_SHOWN = 3;
const DOCUMENT_LIMIT = `${formatBytes(MAX_DOCUMENT_BYTES)}, the limit for one document (the API server refuses larger requests)`;
const INPUT_LIMIT = `${formatBytes(MAX_INPUT_BYTES)}, the limit for all manifests of a step together`;

type VariableSize = { name: string; uses: number; largest: number; total: number };
type Crossing = { source: SourceLocation; sizes: Map<string, VariableSize> };

/** Refuses input whose files are together larger than MAX_INPUT_BYTES; nothing is split or read further. */
export function inputSizeProblem(files: { name: string; content: string }[]): InputProblem | undefined {
  const sizes = files.map((file) => ({ name: file.name, bytes: Buffer.byteLength(file.content) }));
  const total = sizes.reduce((sum, file) => sum + file.bytes, 0);
  if (total <= MAX_INPUT_BYTES) return undefined;
  const largest = [...sizes].sort((a, b) => b.bytes - a.bytes).slice(0, MAX_VARIABLES_SHOWN);
  return { message: `the manifests are ${formatBytes(total)}, more than ${INPUT_LIMIT} (largest: ${largest.map((file) => `${file.name} ${formatBytes(file.bytes)}`).join(', ')})` };
}

/** Refuses a document whose own text, before substitution, is larger than MAX_DOCUMENT_BYTES. */
export function documentSizeProblem(file: string, doc: DocumentText): InputProblem | undefined {
  const bytes = Buffer.byteLength(doc.text);
  if (bytes <= MAX_DOCUMENT_BYTES) return undefined;
  return { source: { file, document: doc.document, line: doc.line }, message: `this document is ${formatBytes(bytes)} before substitution, more than ${DOCUMENT_LIMIT}` };
}

function count(sizes: Map<string, VariableSize>, name: string, key: string, bytes: number): void {
  const entry = sizes.get(key) ?? { name, uses: 0, largest: 0, total: 0 };
  entry.uses += 1;
  entry.largest = Math.max(entry.largest, bytes);
  entry.total += bytes;
  sizes.set(key, entry);
}

/** `#{Big} (100 KiB) is used 10000 times; #{Small} (12 bytes) once`. */
function showSizes(sizes: Map<string, VariableSize>): string {
  const top = [...sizes.values()].sort((a, b) => b.total - a.total).slice(0, MAX_VARIABLES_SHOWN);
  if (top.length === 0) return '';
  const parts = top.map((entry) => `#{${entry.name}} (${formatBytes(entry.largest)}) is used ${entry.uses === 1 ? 'once' : `${entry.uses} times`}`);
  return `: ${parts.join('; ')}`;
}

/** The line of the use at which the rendered text of `plan` passes `room` bytes. */
function crossingLine(plan: DocumentPlan, room: number): number {
  let bytes = 0;
  let last = 0;
  for (const replacement of plan.replacements) {
    bytes += Buffer.byteLength(plan.text.slice(last, replacement.start)) + replacement.valueBytes;
    if (bytes > room) return replacement.line;
    last = replacement.end;
  }
  return plan.replacements.at(-1)?.line ?? plan.line;
}

/**
 * The rendered size of every document and of all together, from plans (file comment).
 * Feed every plan to `add`, then read `problems`.
 */
export class RenderedSize {
  private total = 0;
  private totalCrossing: Crossing | undefined;
  private readonly documents: Crossing[] = [];
  /** Every variable's uses in all documents, for the message about the total. */
  private readonly everywhere = new Map<string, VariableSize>();

  add(plan: DocumentPlan): void {
    const sizes = new Map<string, VariableSize>();
    let bytes = Buffer.byteLength(plan.text);
    for (const replacement of plan.replacements) {
      bytes += replacement.valueBytes - replacement.expressionBytes;
      const { variable } = replacement;
      if (!variable) continue;
      count(sizes, variable.name, variable.key, replacement.valueBytes);
      count(this.everywhere, variable.name, variable.key, replacement.valueBytes);
    }
    const at = (room: number): SourceLocation => ({ file: plan.file, document: plan.document, line: crossingLine(plan, room) });
    if (bytes > MAX_DOCUMENT_BYTES) {
      // Refused on its own; counting it in the total too would report it twice.
      this.documents.push({ source: at(MAX_DOCUMENT_BYTES), sizes });
      return;
    }
    if (!this.totalCrossing && this.total + bytes > MAX_INPUT_BYTES) this.totalCrossing = { source: at(MAX_INPUT_BYTES - this.total), sizes: this.everywhere };
    this.total += bytes;
  }

  problems(): InputProblem[] {
    const problems = this.documents.map(({ source, sizes }) => ({
      source,
      message: `after substitution this document would be larger than ${DOCUMENT_LIMIT}${showSizes(sizes)}`,
    }));
    if (this.totalCrossing) {
      const { source, sizes } = this.totalCrossing;
      problems.push({ source, message: `after substitution the manifests would be larger than ${INPUT_LIMIT}, from this document on${showSizes(sizes)} in all files` });
    }
    return problems;
  }
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Whether `value` as JSON would take more than `limit` bytes. Counts without building the
 * JSON and stops as soon as the count passes the limit, so shared subtrees (YAML aliases) and
 * large objects cost no more than the limit.
 */
export function jsonLargerThan(value: unknown, limit: number): boolean {
  let bytes = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && bytes <= limit) {
    const item = pending.pop();
    if (typeof item === 'string') bytes += Buffer.byteLength(JSON.stringify(item));
    else if (typeof item !== 'object' || item === null) bytes += String(JSON.stringify(item) ?? null).length;
    else if (Array.isArray(item)) {
      bytes += 2 + Math.max(0, item.length - 1);
      for (const element of item) pending.push(element);
    } else if (!isPlainObject(item)) bytes += Buffer.byteLength(JSON.stringify(item) ?? '');
    else {
      const keys = Object.keys(item);
      bytes += 2 + Math.max(0, keys.length - 1);
      for (const key of keys) {
        bytes += Buffer.byteLength(JSON.stringify(key)) + 1;
        pending.push((item as Record<string, unknown>)[key]);
      }
    }
  }
  return bytes > limit;
}
