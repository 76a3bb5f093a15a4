/**
 * What can be known about an apply-manifests step's files when a project is saved, before any
 * variable has a value: the rendering pipeline's own checks (render/), run with a placeholder
 * in place of every `#{...}`. That finds what no value can fix — YAML or JSON that does not
 * parse, malformed `#{...}` expressions and unknown filters, documents that are not objects or
 * lack apiVersion, kind or metadata.name, files and documents over the limits of limits.ts —
 * and nothing that depends on values (those are checked at deployment).
 *
 * The placeholder is a plain token in YAML (it lexes like the value of a scalar, so it never
 * changes structure) and `1` in JSON (valid both inside a string and where a number goes).
 * A document that is a single `#{...}` is its variable's value entirely: only a deployment knows it.
 */
import type { InputProblem } from '#domain/errors.ts';
import { createSearchBudget } from '#domain/render/culprits.ts';
import type { ManifestFile } from '#domain/render/index.ts';
import { parsePlan } from '#domain/render/parse.ts';
import { documentSizeProblem, inputSizeProblem } from '#domain/render/size.ts';
import { documentsOf, isJsonFile } from '#domain/render/split.ts';
import { createPlanner, type SubstitutionProblems } from '#domain/render/substitute.ts';

const YAML_PLACEHOLDER = 'conveyor-placeholder';
const JSON_PLACEHOLDER = '1';
/** A document whose whole content is one expression. */
const WHOLE_DOCUMENT_REFERENCE = /^#\{[^}\n]*\}$/;

/** `deploy/web.yaml: document 2, line 7: missing kind`. */
export function describeProblem(problem: InputProblem): string {
  const where = problem.source ? `${problem.source.file}: document ${problem.source.document}, line ${problem.source.line}: ` : '';
  return `${where}${problem.message}`;
}

/** Every problem of the files that no variable value could fix; empty when there is none. */
export function manifestProblems(files: ManifestFile[]): string[] {
  const tooLarge = inputSizeProblem(files);
  if (tooLarge) return [describeProblem(tooLarge)];
  const planners = {
    yaml: createPlanner(() => ({ value: YAML_PLACEHOLDER, sensitive: false })),
    json: createPlanner(() => ({ value: JSON_PLACEHOLDER, sensitive: false })),
  };
  const found: SubstitutionProblems = { problems: [], missing: [] };
  const problems: InputProblem[] = [];
  const budget = createSearchBudget();
  let documents = 0;
  for (const file of files) {
    const json = isJsonFile(file.name);
    for (const doc of documentsOf(file.name, file.content)) {
      const oversized = documentSizeProblem(file.name, doc);
      if (oversized) {
        problems.push(oversized);
        continue;
      }
      if (WHOLE_DOCUMENT_REFERENCE.test(doc.text.trim())) {
        documents += 1;
        continue;
      }
      const before = found.problems.length;
      const parsed = parsePlan((json ? planners.json : planners.yaml)(file.name, doc, json, found), budget);
      documents += parsed.objects.length;
      // A malformed expression stays in the text, where YAML reads it as a comment: what the
      // parse then says (a missing field) follows from the expression's problem, told already.
      if (found.problems.length === before) problems.push(...parsed.problems);
    }
  }
  const all = [...found.problems, ...problems];
  if (all.length === 0 && documents === 0) return ['the manifests hold no Kubernetes object (only blank lines, comments, "---" separators or empty documents)'];
  return all.map(describeProblem);
}
