/**
 * Discovery documents (/api, /apis, /api/v1, /apis/<g>/<v>, /version) in the legacy JSON
 * shapes kube-apiserver returns, built from the registry so they always match what is routed.
 * The aggregated (apidiscovery.k8s.io/v2) form is offered too: kubectl asks for it first and
 * it saves one request per group-version; servers that only send the legacy form also work.
 */
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceType } from '../types.ts';
import type { ResourceRegistry } from './registry.ts';

export const KUBERNETES_VERSION = { major: '1', minor: '36', gitVersion: 'v1.36.0' } as const;

/** Content type for aggregated discovery responses; kubectl falls back to legacy without it. */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export type APIResource = {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
};

export type GroupVersionForDiscovery = { groupVersion: string; version: string };
export type APIGroup = { name: string; versions: GroupVersionForDiscovery[]; preferredVersion: GroupVersionForDiscovery };

/** Body of GET /version. */
export function versionInfo(): Record<string, string> {
  return {
    major: KUBERNETES_VERSION.major,
    minor: KUBERNETES_VERSION.minor,
    emulationMajor: KUBERNETES_VERSION.major,
    emulationMinor: KUBERNETES_VERSION.minor,
    minCompatibilityMajor: KUBERNETES_VERSION.major,
    minCompatibilityMinor: String(Number(KUBERNETES_VERSION.minor) - 1),
    gitVersion: KUBERNETES_VERSION.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-04-22T00:00:00Z',
    goVersion: 'go1.25.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** Body of GET /api. `serverAddress` is host:port as the client reached the server. */
export function apiVersions(serverAddress = '127.0.0.1:6443'): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupOf(registry: ResourceRegistry, group: string): APIGroup | undefined {
  const g = registry.groups().find((x) => x.group === group);
  if (!g) return undefined;
  const versions = g.versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions, preferredVersion: { groupVersion: `${group}/${g.preferredVersion}`, version: g.preferredVersion } };
}

/** Body of GET /apis (every named group; the core group lives under /api). */
export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  const groups = registry
    .groups()
    .filter((g) => g.group !== '')
    .map((g) => groupOf(registry, g.group)!);
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** Body of GET /apis/<group>, or undefined (404) when the group is not served. */
export function apiGroup(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  const g = group ? groupOf(registry, group) : undefined;
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...g } : undefined;
}

/** kube-apiserver's storage version hash: base64 of the first 8 bytes of sha256("group/version/kind"). */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

/** Resources without storage (create-only reviews, bindings) report no storage version hash. */
function hasStorage(rt: ResourceType): boolean {
  return rt.verbs.includes('watch');
}

/** The APIResource entries of one resource: itself, then `<plural>/<sub>` per subresource. */
export function apiResourcesOf(registry: ResourceRegistry, rt: ResourceType): APIResource[] {
  const main: APIResource = { name: rt.plural, singularName: rt.singular, namespaced: rt.namespaced, kind: rt.kind, verbs: [...rt.verbs] };
  if (rt.shortNames.length) main.shortNames = [...rt.shortNames];
  if (rt.categories.length) main.categories = [...rt.categories];
  if (hasStorage(rt)) main.storageVersionHash = storageVersionHash(rt.group, rt.version, rt.kind);
  const out = [main];
  for (const sub of registry.subresourcesOf(rt)) {
    const entry: APIResource = { name: `${rt.plural}/${sub.name}`, singularName: '', namespaced: rt.namespaced, kind: sub.kind, verbs: [...sub.verbs] };
    if (sub.group !== rt.group || sub.version !== rt.version) {
      entry.group = sub.group;
      entry.version = sub.version;
    }
    out.push(entry);
  }
  return out;
}

/**
 * Body of GET /api/v1 or /apis/<group>/<version>, or undefined (404) when not served.
 * kube-apiserver omits apiVersion on the core list and sets it on the named groups.
 */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  if (!registry.isServed(group, version)) return undefined;
  const resources = registry.resourcesIn(group, version).flatMap((rt) => apiResourcesOf(registry, rt));
  const groupVersion = apiVersionOf({ group, version });
  return group === '' ? { kind: 'APIResourceList', groupVersion, resources } : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/**
 * Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) for GET /api (`legacy`)
 * or GET /apis, sent when the Accept header asks for it; send with AGGREGATED_DISCOVERY_CONTENT_TYPE.
 */
export function aggregatedDiscovery(registry: ResourceRegistry, which: 'api' | 'apis'): Record<string, unknown> {
  const groups = registry.groups().filter((g) => (which === 'api' ? g.group === '' : g.group !== ''));
  const items = groups.map((g) => ({
    metadata: { name: g.group, creationTimestamp: null },
    versions: g.versions.map((version) => ({
      version,
      resources: registry.resourcesIn(g.group, version).map((rt) => {
        const entry: Record<string, unknown> = {
          resource: rt.plural,
          responseKind: { group: rt.group, version: rt.version, kind: rt.kind },
          scope: rt.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: rt.singular,
          verbs: [...rt.verbs],
        };
        if (rt.shortNames.length) entry.shortNames = [...rt.shortNames];
        if (rt.categories.length) entry.categories = [...rt.categories];
        const subs = registry.subresourcesOf(rt);
        if (subs.length) {
          entry.subresources = subs.map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: [...s.verbs] }));
        }
        return entry;
      }),
      freshness: 'Current',
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** True when an Accept header asks for aggregated discovery v2 (what kubectl 1.33 sends first). */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('g=apidiscovery.k8s.io') && params.includes('v=v2') && params.includes('as=APIGroupDiscoveryList');
  });
}
