/**
 * Answers "is this kind namespaced?" for the boundary check: from the cluster's discovery,
 * and for custom resources whose CustomResourceDefinition is part of the same apply (the
 * cluster cannot know them yet), from that definition.
 */
import type { Manifest } from '../model.ts';
import type { ClusterClient } from '../ports.ts';

type Scope = 'Namespaced' | 'Cluster';
const CRD_KIND = 'CustomResourceDefinition';
const CRD_GROUP = 'apiextensions.k8s.io';

export function scopeLookup(cluster: ClusterClient, objects: Manifest[]): (apiVersion: string, kind: string) => Promise<Scope | undefined> {
  const declared = new Map<string, Scope>();
  for (const o of objects) {
    if (o.kind !== CRD_KIND || !o.apiVersion.startsWith(`${CRD_GROUP}/`)) continue;
    const spec = o.spec ?? {};
    const scope: Scope = spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced';
    for (const v of spec.versions ?? []) declared.set(`${spec.group}/${v.name}/${spec.names?.kind}`, scope);
  }
  return async (apiVersion, kind) => declared.get(`${apiVersion}/${kind}`) ?? cluster.scopeOf(apiVersion, kind);
}

/** Kinds defined by CRDs in this apply: they cannot be dry-run before their CRD exists. */
export function declaredKinds(objects: Manifest[]): Set<string> {
  const kinds = new Set<string>();
  for (const o of objects) {
    if (o.kind !== CRD_KIND) continue;
    for (const v of o.spec?.versions ?? []) kinds.add(`${o.spec?.group}/${v.name}/${o.spec?.names?.kind}`);
  }
  return kinds;
}
