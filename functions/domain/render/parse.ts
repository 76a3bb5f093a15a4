/**
 * From a planned document (substitute.ts) to Kubernetes objects, each with the place it was
 * written. verify.ts first checks the template and what the values do to it; this file reads
 * the objects out of the verified YAML.
 *
 * A file is YAML with `---` separators, or strict JSON when its name ends in `.json` (json.ts;
 * YAML reads JSON too, so one parser builds the objects). YAML 1.2 core schema (`yes` stays a
 * string), with merge keys (`<<`) in YAML files. Duplicate keys are refused in both.
 * `kind: List`, and any `*List` kind that has `items`, is expanded into its items (a custom
 * kind such as `AllowList` without `items` is an ordinary object). Empty documents (blank,
 * comments only, `~`) are skipped but keep their number. A JSON file holds one value (an
 * object or a List).
 *
 * Lines are always the file's: they come from the skeleton, which has no values in it.
 * An object larger than MAX_OBJECT_BYTES as JSON is refused: etcd would refuse it.
 *
 * Every object needs apiVersion, a string kind and metadata.name. `metadata.generateName`
 * alone is refused: Conveyor applies with server-side apply, which needs a fixed name, and a
 * generated name would create a new object on every deployment.
 */
import { isMap, isSeq, type Node } from 'yaml';
import { type InputProblem, InvalidManifestError } from '../errors.ts';
import type { Manifest, RenderedObject, SourceLocation } from '../model.ts';
import { createSearchBudget, type SearchBudget } from './culprits.ts';
import { formatBytes, MAX_OBJECT_BYTES } from './limits.ts';
import { asMapping, objectLabel } from './objects.ts';
import { documentSizeProblem, jsonLargerThan } from './size.ts';
import { documentsOf, isJsonFile } from './split.ts';
import { type DocumentPlan, redactMarkers, showUses } from './substitute.ts';
import { verifyPlan } from './verify.ts';

/** Bounds alias expansion ("billion laughs"); real manifests use a handful at most. */
const MAX_ALIAS_COUNT = 100;
const LIST_KIND = 'List';
const LIST_SUFFIX = 'List';

const OBJECT_LIMIT = `${formatBytes(MAX_OBJECT_BYTES)} as JSON, the limit for one object (etcd refuses larger requests)`;

/** One object of a document: its data, the line where it starts, and its place in nested Lists (item indexes). */
type FoundObject = { object: Manifest; line: number; path: number[] };

/** The objects of one document, or the problems that keep it from being applied. */
export type ParsedDocument = { objects: RenderedObject[]; problems: InputProblem[] };

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a sequence' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
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
    problems.push(meta?.generateName ? 'missing metadata.name (generateName is not supported: server-side apply needs a fixed name)' : 'missing metadata.name');
  } else if (typeof meta.name !== 'string') problems.push(`metadata.name must be a string, found ${typeName(meta.name)}`);
  if (meta && meta.namespace !== undefined && meta.namespace !== null && typeof meta.namespace !== 'string') {
    problems.push(`metadata.namespace must be a string, found ${typeName(meta.namespace)}`);
  }
  return problems.map((problem) => `${prefix}${problem}`);
}

function isListObject(data: Record<string, unknown>): boolean {
  return data.kind === LIST_KIND || (typeof data.kind === 'string' && data.kind.endsWith(LIST_SUFFIX) && 'items' in data);
}

/**
 * The objects of one document's data, Lists expanded (nested Lists too), with identity
 * problems in `problems`. `node` is the skeleton node of `value`, for lines.
 */
function collectObjects(value: unknown, node: unknown, origin: SourceLocation, lineOf: (node: Node) => number, problems: InputProblem[]): FoundObject[] {
  const found: FoundObject[] = [];
  const collect = (item: unknown, itemNode: unknown, line: number, prefix: string, path: number[]): void => {
    const source: SourceLocation = { ...origin, line };
    const mapping = asMapping(item);
    if (!mapping) {
      const what = prefix ? `${prefix}not a mapping` : 'document is not a mapping';
      problems.push({ source, message: `${what} (found ${typeName(item)})` });
      return;
    }
    if (!isListObject(mapping)) {
      const identity = identityProblems(mapping, prefix);
      if (identity.length > 0) problems.push(...identity.map((message) => ({ source, message })));
      else found.push({ object: mapping as Manifest, line, path });
      return;
    }
    if (!Array.isArray(mapping.items)) {
      problems.push({ source, message: `${prefix}${mapping.kind} has no items array` });
      return;
    }
    const itemsNode = isMap(itemNode) ? itemNode.get('items', true) : undefined;
    mapping.items.forEach((listItem, index) => {
      const listItemNode = isSeq(itemsNode) ? (itemsNode.items[index] as Node | undefined) : undefined;
      const itemLine = listItemNode?.range ? lineOf(listItemNode) : line;
      collect(listItem, listItemNode, itemLine, `${prefix}${mapping.kind} item ${index + 1}: `, [...path, index]);
    });
  };
  const rootLine = (node as Node | null)?.range ? lineOf(node as Node) : origin.line;
  collect(value, node, rootLine, '', []);
  return found;
}

/** The item at `path` (List item indexes) of a document's data. */
function itemAt(data: unknown, path: number[]): Manifest {
  return path.reduce((value, index) => (value as { items: unknown[] }).items[index], data) as Manifest;
}

/**
 * Verifies and parses one planned document into RenderedObjects; problems are returned, not
 * thrown, so that every document of every file is reported at once. `budget` bounds the
 * search for the variables that break documents (culprits.ts), across one rendering.
 */
export function parsePlan(plan: DocumentPlan, budget: SearchBudget): ParsedDocument {
  const verified = verifyPlan(plan, budget);
  if (Array.isArray(verified)) return { objects: [], problems: verified };
  const origin: SourceLocation = { file: plan.file, document: plan.document, line: plan.line };
  const { skeleton, real, redacted } = verified;
  let data: unknown;
  let redactedData: unknown;
  try {
    data = real.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    if (redacted) redactedData = redactMarkers(redacted.toJS({ maxAliasCount: MAX_ALIAS_COUNT }));
  } catch (error) {
    // Unresolved aliases, alias bombs, bad merge sources: names of the template, not values.
    return { objects: [], problems: [{ source: origin, message: `invalid YAML: ${showUses((error as Error).message, plan)}` }] };
  }
  if (data === null || data === undefined) return { objects: [], problems: [] };

  const problems: InputProblem[] = [];
  const found = collectObjects(data, skeleton.document.contents, origin, skeleton.lineOf, problems);
  const objects: RenderedObject[] = [];
  for (const { object, line, path } of found) {
    const source = { ...origin, line };
    const shown = redactedData === undefined ? structuredClone(object) : itemAt(redactedData, path);
    if (jsonLargerThan(object, MAX_OBJECT_BYTES)) problems.push({ source, message: `${objectLabel(shown)} is larger than ${OBJECT_LIMIT}` });
    else objects.push({ object, redacted: shown, source });
  }
  return { objects, problems };
}

/** Throws one InvalidManifestError holding every problem, when there are any. */
export function throwProblems(problems: InputProblem[]): void {
  if (problems.length > 0) throw new InvalidManifestError(problems);
}

/**
 * Parses a whole file that needs no variables: a `#{...}` in it is plain text. Throws
 * InvalidManifestError with every problem of the file.
 */
export function parseManifests(file: string, content: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  const problems: InputProblem[] = [];
  const budget = createSearchBudget();
  for (const doc of documentsOf(file, content)) {
    const oversized = documentSizeProblem(file, doc);
    if (oversized) {
      problems.push(oversized);
      continue;
    }
    const parsed = parsePlan({ ...doc, file, json: isJsonFile(file), replacements: [] }, budget);
    objects.push(...parsed.objects);
    problems.push(...parsed.problems);
  }
  throwProblems(problems);
  return objects;
}
