/**
 * The OpenAPI v2 paths and definitions kube-apiserver publishes for a CustomResourceDefinition
 * (apiextensions-apiserver's builder, reduced to what clients read): CRUD, list/watch,
 * status and scale operations, each tagged with x-kubernetes-action and the GVK, and PATCH
 * carrying the fieldValidation query parameter that kubectl looks for. Written in v2 form so
 * the same v3 converter serves built-ins and custom resources alike.
 */
import type { ResourceType } from '../types.ts';
import type { CustomResourceRegistration } from './registry.ts';
import type { SchemaNode } from './swagger.ts';

const DEF = '#/definitions/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const PRODUCES = ['application/json', 'application/yaml'];
const PATCH_CONSUMES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/apply-patch+cbor'];

/** `stable.example.com`, v1, CronTab → `com.example.stable.v1.CronTab`, as kube-apiserver names it. */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

const query = (name: string, type: string, description: string) => ({ description, in: 'query', name, type, uniqueItems: true });
const path = (name: string, description: string) => ({ description, in: 'path', name, required: true, type: 'string', uniqueItems: true });
const PRETTY = query('pretty', 'string', "If 'true', then the output is pretty printed.");
const DRY_RUN = query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.');
const FIELD_VALIDATION = query(
  'fieldValidation',
  'string',
  'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
);
const FORCE = query('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.');
const LIST_PARAMS = [
  query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields.'),
  query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels.'),
  query('limit', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  query('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  query('sendInitialEvents', 'boolean', 'sendInitialEvents=true may be set together with watch=true.'),
  query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  query('watch', 'boolean', 'Watch for changes to the described resources.'),
];
const DELETE_PARAMS = [
  { in: 'body', name: 'body', schema: { $ref: `${DEF}${META}DeleteOptions` } },
  DRY_RUN,
  query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted.'),
  query('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy.'),
  query('propagationPolicy', 'string', 'Whether and how garbage collection will be performed.'),
];

const ok = (ref: string) => ({ 200: { description: 'OK', schema: { $ref: ref } }, 401: { description: 'Unauthorized' } });
const created = (ref: string) => ({
  200: { description: 'OK', schema: { $ref: ref } },
  201: { description: 'Created', schema: { $ref: ref } },
  401: { description: 'Unauthorized' },
});

/** v2 schema of a CRD version: v3-only keywords (nullable) dropped, as kube-apiserver's v2 publisher does. */
function toV2Schema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toV2Schema);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'nullable') continue;
    out[k] = k === 'enum' || k === 'default' || k === 'example' ? v : toV2Schema(v);
  }
  return out;
}

type Fragment = { paths: Record<string, Record<string, any>>; definitions: Record<string, SchemaNode> };

function operations(rt: ResourceType, defName: string, listName: string, hasScale: boolean, hasStatus: boolean): Fragment['paths'] {
  const gvk = { group: rt.group, kind: rt.kind, version: rt.version };
  const ref = `${DEF}${defName}`;
  const listRef = `${DEF}${listName}`;
  const tag = `${rt.group.replace(/\./g, '')}_${rt.version}`;
  const idBase = `${rt.version}${rt.namespaced ? 'Namespaced' : ''}${rt.kind}`;
  const op = (action: string, id: string, extra: Record<string, unknown>, kind = gvk) => ({
    description: `${action} ${rt.kind}`,
    operationId: `${id}${idBase}`,
    produces: PRODUCES,
    schemes: ['https'],
    tags: [tag],
    consumes: ['*/*'],
    ...extra,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': kind,
  });
  const patchOp = (suffix: string, schemaRef: string, kind = gvk) =>
    op(
      'patch',
      `patch${suffix}`,
      {
        consumes: PATCH_CONSUMES,
        parameters: [{ in: 'body', name: 'body', required: true, schema: { $ref: `${DEF}${META}Patch` } }, DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
        responses: created(schemaRef),
      },
      kind,
    );
  const putOp = (suffix: string, schemaRef: string, kind = gvk) =>
    op(
      'put',
      `replace${suffix}`,
      {
        parameters: [{ in: 'body', name: 'body', required: true, schema: { $ref: schemaRef } }, DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
        responses: created(schemaRef),
      },
      kind,
    );
  const base = `/apis/${rt.group}/${rt.version}`;
  const collection = rt.namespaced ? `${base}/namespaces/{namespace}/${rt.plural}` : `${base}/${rt.plural}`;
  const scopeParams = rt.namespaced ? [path('namespace', 'object name and auth scope, such as for teams and projects')] : [];
  const item = `${collection}/{name}`;
  const itemParams = [path('name', `name of the ${rt.kind}`), ...scopeParams, PRETTY];
  const paths: Fragment['paths'] = {
    [collection]: {
      parameters: [...scopeParams, PRETTY],
      get: op('list', 'list', { parameters: LIST_PARAMS, responses: ok(listRef) }),
      post: op('post', 'create', {
        parameters: [{ in: 'body', name: 'body', required: true, schema: { $ref: ref } }, DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
        responses: { ...created(ref), 202: { description: 'Accepted', schema: { $ref: ref } } },
      }),
      delete: op('deletecollection', 'deleteCollection', { parameters: [...DELETE_PARAMS, ...LIST_PARAMS], responses: ok(`${DEF}${META}Status`) }),
    },
    [item]: {
      parameters: itemParams,
      get: op('get', 'read', { responses: ok(ref) }),
      put: putOp('', ref),
      patch: patchOp('', ref),
      delete: op('delete', 'delete', { parameters: DELETE_PARAMS, responses: ok(`${DEF}${META}Status`) }),
    },
  };
  if (rt.namespaced) {
    paths[`${base}/${rt.plural}`] = { parameters: [PRETTY], get: op('list', 'list', { parameters: LIST_PARAMS, responses: ok(listRef), operationId: `list${rt.version}${rt.kind}ForAllNamespaces` }) };
  }
  if (hasStatus) {
    paths[`${item}/status`] = { parameters: itemParams, get: op('get', 'readStatus', { responses: ok(ref) }), put: putOp('Status', ref), patch: patchOp('Status', ref) };
  }
  if (hasScale) {
    const scale = { group: 'autoscaling', kind: 'Scale', version: 'v1' };
    const scaleRef = `${DEF}io.k8s.api.autoscaling.v1.Scale`;
    paths[`${item}/scale`] = {
      parameters: itemParams,
      get: op('get', 'readScale', { responses: ok(scaleRef) }, scale),
      put: putOp('Scale', scaleRef, scale),
      patch: patchOp('Scale', scaleRef, scale),
    };
  }
  return paths;
}

/** Paths and definitions of every served version of a CRD, ready to merge into the v2 document. */
export function customResourceOpenApi(reg: CustomResourceRegistration): Fragment {
  const fragment: Fragment = { paths: {}, definitions: {} };
  for (const v of reg.versions) {
    const rt = v.resource;
    const defName = customDefinitionName(rt.group, rt.version, rt.kind);
    const listName = customDefinitionName(rt.group, rt.version, reg.listKind);
    fragment.definitions[defName] = toV2Schema(v.schema) as SchemaNode;
    fragment.definitions[listName] = {
      description: `${reg.listKind} is a list of ${rt.kind}`,
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { type: 'string' },
        items: { type: 'array', items: { $ref: `${DEF}${defName}` } },
        kind: { type: 'string' },
        metadata: { $ref: `${DEF}${META}ListMeta` },
      },
      'x-kubernetes-group-version-kind': [{ group: rt.group, kind: reg.listKind, version: rt.version }],
    };
    Object.assign(fragment.paths, operations(rt, defName, listName, rt.subresources.includes('scale'), rt.subresources.includes('status')));
  }
  return fragment;
}
