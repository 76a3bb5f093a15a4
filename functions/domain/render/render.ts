/**
 * The rendering pipeline of an apply-manifests step: files → documents → variable
 * substitution → YAML/JSON parsing → image substitution → duplicate check. Every
 * validation error is terminal and thrown here, before anything could be applied:
 *
 * - InvalidManifestError: a system variable set by the project, malformed `#{...}` or an
 *   unknown filter, unparsable YAML, a document that is not an object, missing identity
 *   fields, a bad image map entry or container image, a duplicate object;
 * - AmbiguousVariableError: a used variable with two equally specific values;
 * - MissingVariablesError: every reference without a value, all at once.
 *
 * The permission boundary needs the cluster's discovery (is a kind namespaced?), so it is a
 * separate async step: call `enforceBoundary` (boundary.ts) on the result, then
 * `applyPhases` (order.ts) to get the apply order.
 */
import { MissingVariablesError, type InputProblem } from '../errors.ts';
import type { RenderContext, RenderedObject, Variable } from '../model.ts';
import { parseImageMap, substituteImages, type BindingReport, type ImageMap } from './images.ts';
import { assertNoDuplicates } from './order.ts';
import { parseSubstituted, throwProblems } from './parse.ts';
import { splitDocuments } from './split.ts';
import { substituteDocument, type SubstitutedDocument, type SubstitutionProblems } from './substitute.ts';
import { createVariableLookup } from './variables.ts';

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
};

/** Renders every file; throws the errors listed in the file comment. */
export function renderManifests(input: RenderInput): RenderResult {
  parseImageMap(input.images ?? {});
  const lookup = createVariableLookup(input.variables, input.context);

  const found: SubstitutionProblems = { problems: [], missing: [] };
  const documents: SubstitutedDocument[] = input.files.flatMap((file) =>
    splitDocuments(file.content).map((doc) => substituteDocument(file.name, doc, lookup, found)),
  );
  throwProblems(found.problems);
  if (found.missing.length > 0) throw new MissingVariablesError(found.missing);

  const parsed: RenderedObject[] = [];
  const problems: InputProblem[] = [];
  for (const doc of documents) {
    const result = parseSubstituted(doc);
    parsed.push(...result.objects);
    problems.push(...result.problems);
  }
  throwProblems(problems);

  const { objects, report } = substituteImages(parsed, input.images ?? {});
  assertNoDuplicates(objects, input.context.target.namespace);
  return { objects, images: report };
}
