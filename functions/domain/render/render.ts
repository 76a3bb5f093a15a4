/**
 * The rendering pipeline of an apply-manifests step: files → documents → variable
 * substitution → YAML/JSON parsing → image substitution → duplicate check. Every
 * validation error is terminal and thrown here, before anything could be applied:
 *
 * - InvalidManifestError: a system variable set by the project, malformed `#{...}` or an
 *   unknown filter, input over a limit of limits.ts (all files, one document before or after
 *   substitution, one object), unparsable YAML, a `.json` file that is not strict JSON, a
 *   variable whose value changes a manifest's structure, a document that is not an object,
 *   missing identity fields, no object at all ("no objects to apply"), a bad image map entry
 *   or container image, a duplicate object;
 * - AmbiguousVariableError: a used variable with two equally specific values;
 * - MissingVariablesError: every reference without a value, all at once.
 *
 * Documents are gone through twice, so that memory stays bounded: first every substitution is
 * planned and sized, with no text built (a value used ten thousand times is refused from
 * arithmetic); then each document is built, verified and parsed in turn, so that only one
 * document's texts and YAML trees are alive at a time.
 *
 * The permission boundary needs the cluster's discovery (is a kind namespaced?), so it is a
 * separate async step: call `enforceBoundary` (boundary.ts) on the result, then
 * `applyPhases` (order.ts) to get the apply order.
 */
import { type InputProblem, InvalidManifestError, MissingVariablesError } from '../errors.ts';
import type { RenderContext, RenderedObject, Variable } from '../model.ts';
import { createSearchBudget } from './culprits.ts';
import { type BindingReport, type ImageMap, parseImageMap, substituteImages } from './images.ts';
import { assertNoDuplicates } from './order.ts';
import { parsePlan, throwProblems } from './parse.ts';
import { documentSizeProblem, inputSizeProblem, RenderedSize } from './size.ts';
import { documentsOf, isJsonFile } from './split.ts';
import { createPlanner, type SubstitutionProblems } from './substitute.ts';
import { createVariableLookup, type VariableLookup } from './variables.ts';

/** One manifest file as the user wrote it. */
export type ManifestFile = {
  /** How messages name the file: its path in the project, `<stdin>`, or a step name. */
  name: string;
  content: string;
};

export type RenderInput = {
  files: ManifestFile[];
  variables: Variable[];
  context: RenderContext;
  /** The release's image map; without it, images are left as written (and still validated). */
  images?: ImageMap;
};

export type RenderResult = {
  /** Objects in file and document order, namespaces as written (see enforceBoundary). */
  objects: RenderedObject[];
  /** What the image map bound; empty entries when no map was given. */
  images: BindingReport;
  /** The variables the manifests use that have a value (names as first written, system ones included), sorted. */
  variables: string[];
};

/** Files named in the "no objects" message before the rest are counted. */
const MAX_FILES_SHOWN = 10;

function noObjects(files: ManifestFile[]): InvalidManifestError {
  if (files.length === 0) return new InvalidManifestError([{ message: 'no objects to apply: no manifest file was given' }]);
  const names = files
    .slice(0, MAX_FILES_SHOWN)
    .map((file) => file.name)
    .join(', ');
  const more = files.length > MAX_FILES_SHOWN ? ` and ${files.length - MAX_FILES_SHOWN} more files` : '';
  const holds = files.length === 1 ? 'holds' : 'hold';
  const message = `no objects to apply: ${names}${more} ${holds} no Kubernetes object (only blank lines, comments, "---" separators, empty documents such as "~", or empty Lists)`;
  return new InvalidManifestError([{ message }]);
}

/** Renders every file; throws the errors listed in the file comment. */
export function renderManifests(input: RenderInput): RenderResult {
  parseImageMap(input.images ?? {});
  const resolve = createVariableLookup(input.variables, input.context);
  // Names only (never values): what the person sees as "variables bound".
  const used = new Map<string, string>();
  const lookup: VariableLookup = (name) => {
    const value = resolve(name);
    if (value && !used.has(name.toLowerCase())) used.set(name.toLowerCase(), name);
    return value;
  };
  const tooLarge = inputSizeProblem(input.files);
  if (tooLarge) throw new InvalidManifestError([tooLarge]);

  const files = input.files.map((file) => ({ name: file.name, json: isJsonFile(file.name), documents: documentsOf(file.name, file.content) }));
  const plan = createPlanner(lookup);
  const found: SubstitutionProblems = { problems: [], missing: [] };
  const sizes = new RenderedSize();
  for (const file of files) {
    for (const doc of file.documents) {
      const oversized = documentSizeProblem(file.name, doc);
      if (oversized) found.problems.push(oversized);
      else sizes.add(plan(file.name, doc, file.json, found));
    }
  }
  throwProblems([...found.problems, ...sizes.problems()]);
  if (found.missing.length > 0) throw new MissingVariablesError(found.missing);

  const parsed: RenderedObject[] = [];
  const problems: InputProblem[] = [];
  // Planned again, one document at a time; the first pass reported every substitution problem.
  const reported: SubstitutionProblems = { problems: [], missing: [] };
  const budget = createSearchBudget();
  for (const file of files) {
    for (const doc of file.documents) {
      const result = parsePlan(plan(file.name, doc, file.json, reported), budget);
      for (const object of result.objects) parsed.push(object);
      problems.push(...result.problems);
    }
  }
  throwProblems(problems);
  if (parsed.length === 0) throw noObjects(input.files);

  const { objects, report } = substituteImages(parsed, input.images ?? {});
  assertNoDuplicates(objects, input.context.target.namespace);
  return { objects, images: report, variables: [...used.values()].sort() };
}
