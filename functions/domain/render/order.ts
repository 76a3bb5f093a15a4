/**
 * The order in which objects are applied, and the refusal of duplicates.
 *
 * Objects go in phases so that what an object needs exists before it: Namespaces; then
 * CustomResourceDefinitions (the engine waits until they are Established before the next
 * phase, or custom resources would be "no matches for kind"); ServiceAccounts and RBAC; then
 * ConfigMaps, Secrets and storage claims (pods mount them); Services (so that env-var service
 * discovery and endpoints exist when pods start); workloads; Ingresses (their backends
 * exist); then everything else, custom resources included. Kinds are matched with their API
 * group, so a custom `Service` of another group is "everything else". Within a phase the
 * input order is kept. Empty phases are left out.
 */
import { type InputProblem, InvalidManifestError } from '../errors.ts';
import type { RenderedObject } from '../model.ts';
import { apiGroup, groupKind, objectAt } from './objects.ts';

/** Apply phases in order: name and the group/kinds (`apps/Deployment`, `/Service` for core) it holds. */
export const APPLY_PHASES: readonly { name: string; kinds: readonly string[] }[] = [
  { name: 'namespaces', kinds: ['/Namespace'] },
  { name: 'custom-resource-definitions', kinds: ['apiextensions.k8s.io/CustomResourceDefinition'] },
  {
    name: 'rbac',
    kinds: ['/ServiceAccount', 'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding', 'rbac.authorization.k8s.io/ClusterRoleBinding'],
  },
  { name: 'config-and-storage', kinds: ['/ConfigMap', '/Secret', '/PersistentVolume', '/PersistentVolumeClaim'] },
  { name: 'services', kinds: ['/Service'] },
  {
    name: 'workloads',
    kinds: ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet', 'apps/ReplicaSet', 'batch/Job', 'batch/CronJob', '/Pod', '/ReplicationController'],
  },
  { name: 'ingresses', kinds: ['networking.k8s.io/Ingress', 'extensions/Ingress'] },
];
/** The last phase: every kind not listed above. */
export const OTHER_PHASE = 'other';

export type ApplyPhase = { name: string; objects: RenderedObject[] };

/** Identity of an object in a cluster, independent of the API version it is written in. */
function identity(rendered: RenderedObject, defaultNamespace?: string): string {
  const { apiVersion, kind, metadata } = rendered.object;
  return [apiGroup(apiVersion), kind, metadata.namespace ?? defaultNamespace ?? '', metadata.name].join('\n');
}

/**
 * Throws InvalidManifestError when two objects are the same cluster object (same API group,
 * kind, namespace and name), naming both locations. `defaultNamespace` stands for objects
 * that name no namespace (before the boundary step has settled them).
 */
export function assertNoDuplicates(objects: RenderedObject[], defaultNamespace?: string): void {
  const seen = new Map<string, RenderedObject>();
  const problems: InputProblem[] = [];
  for (const rendered of objects) {
    const key = identity(rendered, defaultNamespace);
    const first = seen.get(key);
    if (first) {
      const message = `duplicate object: ${objectAt(rendered.redacted, rendered.source)} is also defined at ${objectAt(first.redacted, first.source)}`;
      problems.push({ source: rendered.source, message });
    } else {
      seen.set(key, rendered);
    }
  }
  if (problems.length > 0) throw new InvalidManifestError(problems);
}

/** Groups objects into apply phases (file comment); throws InvalidManifestError on duplicates. */
export function applyPhases(objects: RenderedObject[]): ApplyPhase[] {
  assertNoDuplicates(objects);
  const phaseOf = new Map(APPLY_PHASES.flatMap((phase) => phase.kinds.map((kind) => [kind, phase.name] as const)));
  const names = [...APPLY_PHASES.map((phase) => phase.name), OTHER_PHASE];
  return names.map((name) => ({ name, objects: objects.filter((rendered) => (phaseOf.get(groupKind(rendered.object)) ?? OTHER_PHASE) === name) })).filter((phase) => phase.objects.length > 0);
}
