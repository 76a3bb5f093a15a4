/**
 * The pre-flight dry run: every object is server-side applied with dryRun before anything
 * is changed, so a field the server rejects, an unknown field, or a conflict with another
 * field manager fails the whole step with nothing applied. It also tells which objects
 * exist already (a dry-run create carries no resourceVersion).
 */
import { FieldConflictError, type InputProblem, ObjectRejectedError, ObjectsRejectedError } from '../errors.ts';
import type { Manifest, RenderedObject } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { refKey } from '../rollout/status.ts';
import { settleLimited } from './concurrency.ts';
import { describe, refOf } from './events.ts';

export type PreflightResult = {
  /** resourceVersion of each object that exists (by object key), '' for new ones. */
  existing: Map<string, string>;
  /** Objects that could not be dry-run (their namespace or kind does not exist yet). */
  skipped: Set<string>;
};

/** The key results and dry-run outcomes are filed under: the same as the rollout's refKey. */
export const objectKey = (o: Manifest) => refKey(refOf(o));

export async function preflight(
  cluster: ClusterClient,
  objects: RenderedObject[],
  options: { fieldManager: string; force: boolean; concurrency: number; missingNamespaces: Set<string>; undeclaredKinds: Set<string> },
): Promise<PreflightResult> {
  const existing = new Map<string, string>();
  const skipped = new Set<string>();
  const checkable = objects.filter(({ object }) => {
    const blocked = (object.metadata.namespace && options.missingNamespaces.has(object.metadata.namespace)) || options.undeclaredKinds.has(`${object.apiVersion}/${object.kind}`);
    if (blocked) skipped.add(objectKey(object));
    return !blocked;
  });
  const failures = await settleLimited(checkable, options.concurrency, async ({ object }) => {
    const result = await cluster.apply(object, { fieldManager: options.fieldManager, force: options.force, dryRun: true });
    existing.set(objectKey(object), result.metadata?.resourceVersion ? String(result.metadata.resourceVersion) : '');
  });
  const problems: InputProblem[] = [];
  for (const { item, error } of failures) {
    if (error instanceof ObjectRejectedError || error instanceof FieldConflictError) {
      // The server quotes rejected values (`Invalid value: "..."`); the step's Redactor
      // takes sensitive ones out of this message on its way out.
      problems.push({ message: `${describe(refOf(item.redacted))}: ${error.message}`, source: item.source });
    } else {
      throw error;
    }
  }
  if (problems.length) throw new ObjectsRejectedError(problems);
  return { existing, skipped };
}
