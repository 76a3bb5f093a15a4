/**
 * The set of resources the sandbox serves: every built-in resource the Kubernetes OpenAPI
 * spec declares a path for (one record per served group-version), plus the custom resources
 * of the CustomResourceDefinitions created at run time. Discovery, routing, the OpenAPI
 * documents and validation all read from here, so they can never disagree.
 */
import type { GVK, KubeObject, ResourceType } from '../types.ts';
import { InvalidCustomResourceDefinitionError, ResourceConflictError } from './errors.ts';
import { gvkKey, type SchemaNode, SwaggerSchemas } from './swagger.ts';

/** A subresource as discovery reports it (`deployments/scale` is kind Scale in autoscaling/v1). */
export type SubresourceInfo = { name: string; group: string; version: string; kind: string; verbs: string[] };

/** One group as `/apis` lists it, versions in priority order (first = preferred). */
export type GroupVersions = { group: string; versions: string[]; preferredVersion: string };

/** The apiextensions.k8s.io/v1 CustomResourceDefinition fields the registry reads. */
export type CustomResourceDefinition = KubeObject & {
  spec: {
    group: string;
    names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      schema?: { openAPIV3Schema?: SchemaNode };
      subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
      [field: string]: any;
    }>;
    [field: string]: any;
  };
};

export type CustomResourceVersion = { resource: ResourceType; schema: SchemaNode; served: boolean; storage: boolean };

/** What adding a CRD produced: the storage-version resource and schema, plus every served version. */
export type CustomResourceRegistration = {
  crdName: string;
  resource: ResourceType;
  schema: SchemaNode;
  listKind: string;
  versions: CustomResourceVersion[];
};

/** kubectl's short names for the built-ins, keyed `group/plural`. */
const SHORT_NAMES: Record<string, string[]> = {
  '/pods': ['po'],
  '/services': ['svc'],
  '/configmaps': ['cm'],
  '/namespaces': ['ns'],
  '/serviceaccounts': ['sa'],
  '/persistentvolumeclaims': ['pvc'],
  '/persistentvolumes': ['pv'],
  '/events': ['ev'],
  '/nodes': ['no'],
  '/endpoints': ['ep'],
  '/resourcequotas': ['quota'],
  '/limitranges': ['limits'],
  '/replicationcontrollers': ['rc'],
  '/componentstatuses': ['cs'],
  'apps/deployments': ['deploy'],
  'apps/replicasets': ['rs'],
  'apps/statefulsets': ['sts'],
  'apps/daemonsets': ['ds'],
  'batch/cronjobs': ['cj'],
  'networking.k8s.io/ingresses': ['ing'],
  'networking.k8s.io/networkpolicies': ['netpol'],
  'policy/poddisruptionbudgets': ['pdb'],
  'storage.k8s.io/storageclasses': ['sc'],
  'autoscaling/horizontalpodautoscalers': ['hpa'],
  'apiextensions.k8s.io/customresourcedefinitions': ['crd', 'crds'],
  'events.k8s.io/events': ['ev'],
  'certificates.k8s.io/certificatesigningrequests': ['csr'],
  'scheduling.k8s.io/priorityclasses': ['pc'],
};

const ALL_CATEGORY = new Set([
  '/pods',
  '/services',
  '/replicationcontrollers',
  'apps/deployments',
  'apps/replicasets',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
  'autoscaling/horizontalpodautoscalers',
]);
const API_EXTENSIONS_CATEGORY = new Set([
  'apiextensions.k8s.io/customresourcedefinitions',
  'apiregistration.k8s.io/apiservices',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies',
  'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'admissionregistration.k8s.io/mutatingadmissionpolicies',
  'admissionregistration.k8s.io/mutatingadmissionpolicybindings',
]);

/** kube-apiserver's /apis order; groups not listed (CRD groups) come after, in creation order. */
const GROUP_ORDER = [
  '',
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
];

/** Alpha and beta versions are off by default in kube-apiserver, so only GA versions are served. */
const GA_VERSION = /^v\d+$/;
const PATH_PATTERN = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Verbs a CRD's resource has, in the order kube-apiserver reports them. */
const CUSTOM_RESOURCE_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];
const OBJECT_META_REF = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

const ACTION_VERBS: Record<string, string> = {
  get: 'get',
  list: 'list',
  watch: 'watch',
  watchlist: 'watch',
  post: 'create',
  put: 'update',
  patch: 'patch',
  delete: 'delete',
  deletecollection: 'deletecollection',
};
const CONNECT_VERBS: Record<string, string> = { get: 'get', post: 'create', put: 'update', patch: 'patch', delete: 'delete' };

/**
 * Orders versions like kube-apiserver: GA before beta before alpha, higher numbers first,
 * anything else last alphabetically.
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0];
    const stage = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0)];
  };
  const [ra, rb] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  return a < b ? -1 : a > b ? 1 : 0;
}

function resourceKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

function sortVerbs(verbs: Iterable<string>): string[] {
  return [...new Set(verbs)].sort();
}

type Building = { group: string; version: string; plural: string; kind?: string; namespaced: boolean; verbs: Set<string>; subs: Map<string, { gvk?: GVK; verbs: Set<string> }> };

export class ResourceRegistry {
  readonly schemas: SwaggerSchemas;
  private readonly byResource = new Map<string, ResourceType>();
  private readonly byGvkKey = new Map<string, ResourceType>();
  private readonly byKindName = new Map<string, ResourceType[]>();
  private readonly subresourceInfo = new Map<string, SubresourceInfo[]>();
  private readonly groupVersionMap = new Map<string, Set<string>>();
  private readonly customByCrd = new Map<string, CustomResourceRegistration>();
  private readonly customSchemas = new Map<string, SchemaNode>();
  private readonly listeners = new Set<() => void>();
  /** Bumped on every CRD change so caches (OpenAPI documents, discovery) know to rebuild. */
  generation = 0;

  constructor(schemas: SwaggerSchemas = SwaggerSchemas.shared()) {
    this.schemas = schemas;
    this.loadBuiltIns();
  }

  private static cached: ResourceRegistry | undefined;

  /** A registry of the built-ins only, for callers that never add CRDs (tests, tools). */
  static builtIns(): ResourceRegistry {
    ResourceRegistry.cached ??= new ResourceRegistry();
    return ResourceRegistry.cached;
  }

  private loadBuiltIns(): void {
    const building = new Map<string, Building>();
    for (const [path, item] of Object.entries(this.schemas.document.paths)) {
      const m = PATH_PATTERN.exec(path);
      if (!m) continue;
      const group = m[2] ?? '';
      const version = m[1] ?? m[3]!;
      if (!GA_VERSION.test(version)) continue;
      let segments = m[4]!.split('/');
      if (segments[0] === 'watch') segments = segments.slice(1);
      let namespaced = false;
      if (segments[0] === 'namespaces' && segments[1] === '{namespace}' && segments.length >= 3) {
        namespaced = true;
        segments = segments.slice(2);
      }
      // '<plural>/{name}/proxy/{path}' repeats '<plural>/{name}/proxy'.
      if (segments.length > 3 || (segments.length >= 2 && segments[1] !== '{name}')) continue;
      const [plural, , sub] = segments as [string, string?, string?];
      const key = resourceKey(group, version, plural);
      let entry = building.get(key);
      if (!entry) building.set(key, (entry = { group, version, plural, namespaced: false, verbs: new Set(), subs: new Map() }));
      entry.namespaced ||= namespaced;
      for (const method of HTTP_METHODS) {
        const op = item[method];
        if (!op) continue;
        const action: string | undefined = op['x-kubernetes-action'];
        const gvk: GVK | undefined = op['x-kubernetes-group-version-kind'];
        const verb = action === 'connect' ? CONNECT_VERBS[method] : action ? ACTION_VERBS[action] : undefined;
        if (!verb) continue;
        if (sub) {
          let s = entry.subs.get(sub);
          if (!s) entry.subs.set(sub, (s = { gvk, verbs: new Set() }));
          s.verbs.add(verb);
        } else {
          entry.verbs.add(verb);
          if (gvk && !entry.kind) entry.kind = gvk.kind;
        }
      }
    }
    const ordered = [...building.values()].sort((a, b) => groupRank(a.group) - groupRank(b.group) || (a.plural < b.plural ? -1 : 1));
    for (const b of ordered) {
      if (!b.kind || b.verbs.size === 0) continue;
      const catalogKey = `${b.group}/${b.plural}`;
      const categories = ALL_CATEGORY.has(catalogKey) ? ['all'] : API_EXTENSIONS_CATEGORY.has(catalogKey) ? ['api-extensions'] : [];
      const subs = [...b.subs.entries()].sort(([x], [y]) => (x < y ? -1 : 1));
      const rt: ResourceType = {
        group: b.group,
        version: b.version,
        kind: b.kind,
        plural: b.plural,
        singular: b.kind.toLowerCase(),
        namespaced: b.namespaced,
        verbs: sortVerbs(b.verbs),
        shortNames: SHORT_NAMES[catalogKey] ?? [],
        subresources: subs.map(([name]) => name),
        categories,
      };
      const infos = subs.map(([name, s]) => ({
        name,
        group: s.gvk?.group ?? b.group,
        version: s.gvk?.version ?? b.version,
        kind: s.gvk?.kind ?? b.kind!,
        verbs: sortVerbs(s.verbs),
      }));
      this.index(rt, infos);
    }
  }

  private index(rt: ResourceType, subresources: SubresourceInfo[]): void {
    const key = resourceKey(rt.group, rt.version, rt.plural);
    if (this.byResource.has(key)) throw new ResourceConflictError(`resource ${key} is already served`);
    this.byResource.set(key, rt);
    this.subresourceInfo.set(key, subresources);
    const gk = gvkKey(rt);
    if (!this.byGvkKey.has(gk)) this.byGvkKey.set(gk, rt);
    const list = this.byKindName.get(rt.kind) ?? [];
    list.push(rt);
    list.sort((a, b) => groupRank(a.group) - groupRank(b.group) || compareKubeVersions(a.version, b.version));
    this.byKindName.set(rt.kind, list);
    const versions = this.groupVersionMap.get(rt.group) ?? new Set<string>();
    versions.add(rt.version);
    this.groupVersionMap.set(rt.group, versions);
  }

  private unindex(rt: ResourceType): void {
    const key = resourceKey(rt.group, rt.version, rt.plural);
    this.byResource.delete(key);
    this.subresourceInfo.delete(key);
    this.customSchemas.delete(gvkKey(rt));
    if (this.byGvkKey.get(gvkKey(rt)) === rt) this.byGvkKey.delete(gvkKey(rt));
    const list = (this.byKindName.get(rt.kind) ?? []).filter((r) => r !== rt);
    if (list.length) this.byKindName.set(rt.kind, list);
    else this.byKindName.delete(rt.kind);
    const stillServed = [...this.byResource.values()].some((r) => r.group === rt.group && r.version === rt.version);
    if (!stillServed) {
      const versions = this.groupVersionMap.get(rt.group);
      versions?.delete(rt.version);
      if (versions && versions.size === 0) this.groupVersionMap.delete(rt.group);
    }
  }

  /** The resource served at /apis/<group>/<version>/<plural> (group '' for /api/v1). */
  get(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byResource.get(resourceKey(group, version, plural));
  }

  byGvk(gvk: GVK): ResourceType | undefined {
    return this.byGvkKey.get(gvkKey(gvk));
  }

  /** The resource for a kind in its preferred version; core group first when a kind is in several groups (Event). */
  byKind(kind: string, group?: string): ResourceType | undefined {
    const list = this.byKindName.get(kind);
    if (!list) return undefined;
    if (group === undefined) return list[0];
    const inGroup = list.filter((r) => r.group === group);
    const preferred = this.preferredVersion(group);
    return inGroup.find((r) => r.version === preferred) ?? inGroup[0];
  }

  /** Every served resource, in discovery order. */
  all(): ResourceType[] {
    return [...this.byResource.values()];
  }

  /** Resources of one group-version, in the order discovery lists them. */
  resourcesIn(group: string, version: string): ResourceType[] {
    return this.all().filter((r) => r.group === group && r.version === version);
  }

  /** Discovery details of the subresources of a resource. */
  subresourcesOf(rt: ResourceType): SubresourceInfo[] {
    return this.subresourceInfo.get(resourceKey(rt.group, rt.version, rt.plural)) ?? [];
  }

  subresource(rt: ResourceType, name: string): SubresourceInfo | undefined {
    return this.subresourcesOf(rt).find((s) => s.name === name);
  }

  /** Served groups in /apis order (the core group '' first), each with versions, preferred first. */
  groups(): GroupVersions[] {
    return [...this.groupVersionMap.entries()]
      .sort(([a], [b]) => groupRank(a) - groupRank(b))
      .map(([group, set]) => {
        const versions = [...set].sort(compareKubeVersions);
        return { group, versions, preferredVersion: versions[0]! };
      });
  }

  preferredVersion(group: string): string | undefined {
    const set = this.groupVersionMap.get(group);
    return set ? [...set].sort(compareKubeVersions)[0] : undefined;
  }

  isServed(group: string, version: string): boolean {
    return this.groupVersionMap.get(group)?.has(version) ?? false;
  }

  /** True when the resource comes from a CustomResourceDefinition. */
  isCustom(rt: ResourceType): boolean {
    return this.customSchemas.has(gvkKey(rt));
  }

  /** The schema that validates objects of a kind: the swagger definition, or the CRD's (with ObjectMeta). */
  schemaFor(gvk: GVK): SchemaNode | undefined {
    return this.customSchemas.get(gvkKey(gvk)) ?? this.schemas.schemaFor(gvk);
  }

  customResources(): CustomResourceRegistration[] {
    return [...this.customByCrd.values()];
  }

  /** Subscribe to CRD changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Serves the custom resource a CRD declares (replacing an earlier version of the same CRD).
   * @throws InvalidCustomResourceDefinitionError when names, scope or versions are unusable.
   * @throws ResourceConflictError when the group/version/plural is a built-in.
   */
  addCustomResource(crd: CustomResourceDefinition): CustomResourceRegistration {
    const spec = crd.spec;
    const crdName = crd.metadata?.name ?? `${spec?.names?.plural}.${spec?.group}`;
    if (!spec?.group || !spec.names?.plural || !spec.names.kind) {
      throw new InvalidCustomResourceDefinitionError(crdName, 'spec.group, spec.names.plural and spec.names.kind are required');
    }
    const served = (spec.versions ?? []).filter((v) => v.served);
    if (served.length === 0) throw new InvalidCustomResourceDefinitionError(crdName, 'no served version');
    for (const v of served) {
      const existing = this.get(spec.group, v.name, spec.names.plural);
      if (existing && !this.customByCrd.get(crdName)?.versions.some((cv) => cv.resource === existing)) {
        throw new ResourceConflictError(`${spec.group}/${v.name} ${spec.names.plural} is already served`);
      }
    }
    this.detach(crdName);
    const versions = served.map((v): CustomResourceVersion => {
      const subresources = [...(v.subresources?.scale ? ['scale'] : []), ...(v.subresources?.status ? ['status'] : [])];
      const resource: ResourceType = {
        group: spec.group,
        version: v.name,
        kind: spec.names.kind,
        plural: spec.names.plural,
        singular: spec.names.singular || spec.names.kind.toLowerCase(),
        namespaced: spec.scope !== 'Cluster',
        verbs: [...CUSTOM_RESOURCE_VERBS],
        shortNames: [...(spec.names.shortNames ?? [])],
        subresources,
        categories: [...(spec.names.categories ?? [])],
      };
      const schema = customResourceSchema(v.schema?.openAPIV3Schema, resource);
      return { resource, schema, served: true, storage: Boolean(v.storage) };
    });
    for (const v of versions) {
      this.index(
        v.resource,
        v.resource.subresources.map((name) =>
          name === 'scale'
            ? { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: [...STATUS_VERBS] }
            : { name, group: spec.group, version: v.resource.version, kind: spec.names.kind, verbs: [...STATUS_VERBS] },
        ),
      );
      this.customSchemas.set(gvkKey(v.resource), v.schema);
    }
    const main = versions.find((v) => v.storage) ?? versions[0]!;
    const registration: CustomResourceRegistration = {
      crdName,
      resource: main.resource,
      schema: main.schema,
      listKind: spec.names.listKind || `${spec.names.kind}List`,
      versions,
    };
    this.customByCrd.set(crdName, registration);
    this.changed();
    return registration;
  }

  /** Stops serving a CRD's resources; accepts the CRD or its name. Returns whether it was served. */
  removeCustomResource(crd: CustomResourceDefinition | string): boolean {
    const name = typeof crd === 'string' ? crd : (crd.metadata?.name ?? `${crd.spec.names.plural}.${crd.spec.group}`);
    const removed = this.detach(name);
    if (removed) this.changed();
    return removed;
  }

  private detach(crdName: string): boolean {
    const existing = this.customByCrd.get(crdName);
    if (!existing) return false;
    for (const v of existing.versions) this.unindex(v.resource);
    this.customByCrd.delete(crdName);
    return true;
  }

  private changed(): void {
    this.generation++;
    for (const listener of this.listeners) listener();
  }
}

function groupRank(group: string): number {
  const i = GROUP_ORDER.indexOf(group);
  return i < 0 ? GROUP_ORDER.length : i;
}

/**
 * A CRD's schema as the server validates with it: apiVersion/kind strings and metadata as
 * ObjectMeta are implied for every custom resource, whatever the CRD author wrote.
 */
function customResourceSchema(schema: SchemaNode | undefined, rt: ResourceType): SchemaNode {
  const base: SchemaNode = schema ? { ...schema } : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  base.type ??= 'object';
  base.properties = {
    ...(base.properties ?? {}),
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { $ref: OBJECT_META_REF },
  };
  base['x-kubernetes-group-version-kind'] = [{ group: rt.group, version: rt.version, kind: rt.kind }];
  return base;
}
