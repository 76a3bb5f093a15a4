/**
 * From document text to Kubernetes objects, each with the place it was written.
 *
 * A file is YAML with `---` separators, or JSON (JSON is YAML, so one parser serves both, and
 * duplicate keys are refused in JSON as well). YAML 1.2 core schema (`yes` stays a string),
 * with merge keys (`<<`). `kind: List`, and any `*List` kind that has `items`, is expanded
 * into its items (a custom kind such as `AllowList` without `items` is an ordinary object).
 * Empty documents (blank, comments only, `~`) are skipped but keep their number. A JSON
 * file holds one value (an object or a List); concatenated JSON objects are not read.
 *
 * Lines in YAML syntax errors count in the substituted text; they equal the file's lines
 * unless a variable value spans several lines.
 *
 * Every object needs apiVersion, a string kind and metadata.name. `metadata.generateName`
 * alone is refused: Conveyor applies with server-side apply, which needs a fixed name, and a
 * generated name would create a new object on every deployment.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Node, type YAMLError } from 'yaml';
import { InvalidManifestError, type InputProblem } from '../errors.ts';
import type { Manifest, RenderedObject, SourceLocation } from '../model.ts';
import { asMapping } from './objects.ts';
import { splitDocuments } from './split.ts';
import { redactMarkers, type SubstitutedDocument } from './substitute.ts';

/** Bounds alias expansion ("billion laughs"); real manifests use a handful at most. */
const MAX_ALIAS_COUNT = 100;
const LIST_KIND = 'List';
const LIST_SUFFIX = 'List';

/** Where a document starts: file, document number, first line. */
export type DocumentOrigin = SourceLocation;

/** One object of a document with the line where it starts. */
export type ParsedObject = { object: Manifest; line: number };

export type ParsedDocument = { objects: ParsedObject[]; problems: InputProblem[] };

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a sequence' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

function yamlProblem(error: YAMLError, origin: DocumentOrigin, lineCounter: LineCounter): InputProblem {
  const position = lineCounter.linePos(error.pos[0]);
  const message =
    error.code === 'MULTIPLE_DOCS'
      ? 'a document end marker "..." is followed by more content; separate documents with a line "---"'
      : `invalid YAML: ${error.message} (column ${position.col})`;
  return { source: { ...origin, line: origin.line + position.line - 1 }, message };
}

/** Problems with the identity fields of one object, prefixed for List items. */
function identityProblems(data: Record<string, unknown>, prefix: string): string[] {
  const problems: string[] = [];
  if (data.apiVersion === undefined || data.apiVersion === null || data.apiVersion === '') problems.push('missing apiVersion');
  else if (typeof data.apiVersion !== 'string') problems.push(`apiVersion must be a string, found ${typeName(data.apiVersion)}`);
  if (data.kind === undefined || data.kind === null || data.kind === '') problems.push('missing kind');
  else if (typeof data.kind !== 'string') problems.push(`kind must be a string, found ${typeName(data.kind)}`);
  const metadata = data.metadata;
  const meta = asMapping(metadata);
  if (metadata !== undefined && metadata !== null && !meta) problems.push(`metadata must be a mapping, found ${typeName(metadata)}`);
  else if (!meta || meta.name === undefined || meta.name === null || meta.name === '') {
    problems.push(
      meta?.generateName
        ? 'missing metadata.name (generateName is not supported: server-side apply needs a fixed name)'
        : 'missing metadata.name',
    );
  } else if (typeof meta.name !== 'string') problems.push(`metadata.name must be a string, found ${typeName(meta.name)}`);
  if (meta && meta.namespace !== undefined && meta.namespace !== null && typeof meta.namespace !== 'string') {
    problems.push(`metadata.namespace must be a string, found ${typeName(meta.namespace)}`);
  }
  return problems.map((problem) => `${prefix}${problem}`);
}

function isListObject(data: Record<string, unknown>): boolean {
  return data.kind === LIST_KIND || (typeof data.kind === 'string' && data.kind.endsWith(LIST_SUFFIX) && 'items' in data);
}

/** Parses one document's (already substituted) text; problems are returned, not thrown. */
export function parseDocumentText(text: string, origin: DocumentOrigin): ParsedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const result: ParsedDocument = { objects: [], problems: [] };
  if (doc.errors.length > 0) {
    result.problems.push(...doc.errors.map((error) => yamlProblem(error, origin, lineCounter)));
    return result;
  }
  const lineOf = (node: Node | null | undefined, fallback: number): number =>
    node?.range ? origin.line + lineCounter.linePos(node.range[0]).line - 1 : fallback;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    result.problems.push({ source: origin, message: `invalid YAML: ${(error as Error).message}` });
    return result;
  }
  if (data === null || data === undefined) return result;

  /** Adds the objects of one value to the result, expanding Lists (nested Lists too). */
  const collect = (value: unknown, node: unknown, line: number, prefix: string): void => {
    const source: SourceLocation = { ...origin, line };
    const mapping = asMapping(value);
    if (!mapping) {
      const what = prefix ? `${prefix}not a mapping` : 'document is not a mapping';
      result.problems.push({ source, message: `${what} (found ${typeName(value)})` });
      return;
    }
    if (!isListObject(mapping)) {
      const problems = identityProblems(mapping, prefix);
      if (problems.length > 0) result.problems.push(...problems.map((message) => ({ source, message })));
      else result.objects.push({ object: mapping as Manifest, line });
      return;
    }
    if (!Array.isArray(mapping.items)) {
      result.problems.push({ source, message: `${prefix}${mapping.kind} has no items array` });
      return;
    }
    const itemsNode = isMap(node) ? node.get('items', true) : undefined;
    mapping.items.forEach((item, index) => {
      const itemNode = isSeq(itemsNode) ? (itemsNode.items[index] as Node | undefined) : undefined;
      collect(item, itemNode, lineOf(itemNode, line), `${prefix}${mapping.kind} item ${index + 1}: `);
    });
  };
  collect(data, doc.contents, lineOf(doc.contents, origin.line), '');
  return result;
}

/** Throws one InvalidManifestError holding every problem, when there are any. */
export function throwProblems(problems: InputProblem[]): void {
  if (problems.length > 0) throw new InvalidManifestError(problems);
}

/**
 * Parses a substituted document into RenderedObjects, validating the redacted text so that
 * no message can quote a sensitive value. When only the real text fails (a sensitive value
 * breaks the YAML), the problem names the variables, never the value.
 */
export function parseSubstituted(doc: SubstitutedDocument): { objects: RenderedObject[]; problems: InputProblem[] } {
  const origin: DocumentOrigin = { file: doc.file, document: doc.document, line: doc.line };
  const redacted = parseDocumentText(doc.redacted, origin);
  if (redacted.problems.length > 0) {
    return { objects: [], problems: redacted.problems.map((problem) => ({ ...problem, message: redactMarkers(problem.message) })) };
  }
  const real = doc.real === doc.redacted ? redacted : parseDocumentText(doc.real, origin);
  if (real.problems.length > 0 || real.objects.length !== redacted.objects.length) {
    // Lines of the real text are not shown: a multi-line value shifts them, and they would
    // hint at the value's shape. The uses of sensitive variables are what the user can fix.
    const uses = doc.sensitiveUses.map((use) => `${use.name} (line ${use.line})`).join(', ');
    const message =
      `the value of sensitive variable ${uses} makes this document invalid (the text is not shown, to keep ` +
      'the value secret); quote the reference or use a filter such as YamlSingleQuoteEscape or JsonEscape';
    return { objects: [], problems: [{ source: { ...origin, line: doc.sensitiveUses[0]?.line ?? origin.line }, message }] };
  }
  const objects = redacted.objects.map((parsed, index) => ({
    object: real === redacted ? structuredClone(parsed.object) : real.objects[index].object,
    redacted: redactMarkers(parsed.object),
    source: { ...origin, line: parsed.line },
  }));
  return { objects, problems: [] };
}

/**
 * Parses a whole file that needs no variables (`conveyor apply` of plain manifests).
 * Throws InvalidManifestError with every problem of the file.
 */
export function parseManifests(file: string, content: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  const problems: InputProblem[] = [];
  for (const doc of splitDocuments(content)) {
    const parsed = parseSubstituted({ ...doc, file, real: doc.text, redacted: doc.text, sensitiveUses: [] });
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
  }
  throwProblems(problems);
  return objects;
}
