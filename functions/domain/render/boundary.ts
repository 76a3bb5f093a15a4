/**
 * The permission boundary of a target, checked before anything is applied. A namespaced
 * target confines objects to its namespace and refuses cluster-scoped kinds; an admin target
 * may use any namespace and create cluster-scoped objects. Whether a kind is namespaced is
 * the cluster's answer (discovery), given through `ScopeLookup`, so custom resources work.
 *
 * All problems are collected and thrown at once. Unknown kinds make an InvalidManifestError
 * (which also lists any boundary problems, so one run shows everything); boundary problems
 * alone make a NamespaceBoundaryError.
 */
import { type InputProblem, InvalidManifestError, NamespaceBoundaryError } from '../errors.ts';
import type { Manifest, RenderedObject, Target } from '../model.ts';
import { namespaceProblem, showNamespace } from './namespace.ts';
import { objectLabel } from './objects.ts';

/** Whether the cluster serves a kind as namespaced or cluster-scoped; undefined when it does not serve it. */
export type ResourceScope = 'Namespaced' | 'Cluster';
export type ScopeLookup = (apiVersion: string, kind: string) => Promise<ResourceScope | undefined> | ResourceScope | undefined;

/** Where Kubernetes puts a namespaced object that names no namespace, on an admin target without one. */
export const DEFAULT_NAMESPACE = 'default';

export type BoundaryTarget = Pick<Target, 'name' | 'namespace' | 'admin'>;

function withNamespace(manifest: Manifest, namespace: string | undefined): Manifest {
  const { namespace: _dropped, ...metadata } = manifest.metadata;
  return { ...manifest, metadata: namespace === undefined ? metadata : { ...metadata, namespace } };
}

/**
 * A target's namespace is its boundary: an empty, blank or malformed one is refused, never
 * read as "no boundary". Only a target stored as admin has none.
 */
export function checkTarget(target: BoundaryTarget): void {
  if (target.namespace !== undefined) {
    const problem = namespaceProblem(target.namespace);
    if (problem) throw new NamespaceBoundaryError([{ message: `target "${target.name}" has namespace ${showNamespace(target.namespace)}: ${problem}` }]);
  }
  if (!target.admin && target.namespace === undefined) {
    throw new NamespaceBoundaryError([{ message: `target "${target.name}" has no namespace and is not an admin target, so it may hold no object` }]);
  }
}

/**
 * Checks every object against the target and returns copies with namespaces settled:
 * a namespaced object without one gets the target's (or `default` on an admin target
 * without a namespace); a cluster-scoped object loses any namespace it names (the API
 * server ignores it). Throws as described in the file comment.
 */
export async function enforceBoundary(objects: RenderedObject[], target: BoundaryTarget, scopeOf: ScopeLookup): Promise<RenderedObject[]> {
  checkTarget(target);
  const scopes = new Map<string, Promise<ResourceScope | undefined>>();
  const lookup = (manifest: Manifest): Promise<ResourceScope | undefined> => {
    const key = `${manifest.apiVersion}\n${manifest.kind}`;
    if (!scopes.has(key)) scopes.set(key, Promise.resolve(scopeOf(manifest.apiVersion, manifest.kind)));
    return scopes.get(key)!;
  };
  const resolved = await Promise.all(objects.map((rendered) => lookup(rendered.object)));

  const unknown: InputProblem[] = [];
  const outside: InputProblem[] = [];
  const confinedTo = target.admin ? undefined : target.namespace;
  const result = objects.map((rendered, index) => {
    const { object, redacted, source } = rendered;
    const label = objectLabel(redacted);
    const scope = resolved[index];
    if (scope === undefined) {
      unknown.push({ source, message: `${label}: no matches for kind "${object.kind}" in version "${object.apiVersion}"` });
      return rendered;
    }
    if (scope === 'Cluster') {
      if (!target.admin) {
        const message = `${label} is cluster-scoped, but target "${target.name}" is confined to namespace "${target.namespace}" (not an admin target)`;
        outside.push({ source, message });
      }
      return { source, object: withNamespace(object, undefined), redacted: withNamespace(redacted, undefined) };
    }
    const namespace = object.metadata.namespace || target.namespace || DEFAULT_NAMESPACE;
    const invalid = object.metadata.namespace ? namespaceProblem(object.metadata.namespace) : undefined;
    if (invalid) {
      outside.push({ source, message: `${label} names namespace ${showNamespace(redacted.metadata.namespace ?? '')}: ${invalid}` });
    } else if (confinedTo !== undefined && namespace !== confinedTo) {
      const shown = redacted.metadata.namespace;
      const message = `${label} is in namespace "${shown}", but target "${target.name}" is confined to namespace "${confinedTo}"`;
      outside.push({ source, message });
    }
    return { source, object: withNamespace(object, namespace), redacted: withNamespace(redacted, redacted.metadata.namespace || namespace) };
  });
  if (unknown.length > 0) throw new InvalidManifestError([...unknown, ...outside]);
  if (outside.length > 0) throw new NamespaceBoundaryError(outside);
  return result;
}
