/**
 * OpenAPI v2 → v3.0 conversion of one group-version, shaped like kube-apiserver's
 * /openapi/v3/<gv> documents: only that group-version's paths, parameters inlined on each
 * operation (kubectl's fieldValidation probe reads `name` and `in` off the PATCH operation
 * itself), request bodies as `requestBody`, responses with `content`, and every schema the
 * paths reach, transitively, under `components.schemas`.
 */
import type { SchemaNode, SwaggerDocument } from './swagger.ts';

const V2_DEF = '#/definitions/';
const V2_PARAM = '#/parameters/';
const V3_SCHEMA = '#/components/schemas/';
const INT_OR_STRING = 'int-or-string';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
/** How kube-apiserver lists response content types (protobuf and CBOR are not served here). */
const RESPONSE_TYPES = ['application/json', 'application/yaml'];

type Json = Record<string, any>;

/** Rewrites `$ref`s to components and turns v2 int-or-string into the v3 form. */
export function schemaToV3(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(schemaToV3);
  if (!node || typeof node !== 'object') return node;
  const src = node as Json;
  if (src.format === INT_OR_STRING && src.type === 'string') {
    const { type: _t, format: _f, ...rest } = src;
    return { ...rest, 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.startsWith(V2_DEF) ? V3_SCHEMA + v.slice(V2_DEF.length) : v;
    else if (k === 'enum' || k === 'default' || k === 'example' || k.startsWith('x-kubernetes-group-version-kind')) out[k] = v;
    else out[k] = schemaToV3(v);
  }
  return out;
}

/** Definition names a node refers to directly. */
function directRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) directRefs(n, into);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(V2_DEF)) into.add(v.slice(V2_DEF.length));
    else if (typeof v === 'object') directRefs(v, into);
  }
}

/** Caches each definition's direct references so closures over the 4 MB spec stay cheap. */
export class ReferenceIndex {
  private readonly direct = new Map<string, string[]>();

  constructor(private readonly definitions: Record<string, SchemaNode>) {}

  private refsOf(name: string): string[] {
    let refs = this.direct.get(name);
    if (!refs) {
      const set = new Set<string>();
      directRefs(this.definitions[name], set);
      refs = [...set];
      this.direct.set(name, refs);
    }
    return refs;
  }

  /** Every definition reachable from `roots`, sorted by name. */
  closure(roots: Iterable<string>): string[] {
    const seen = new Set<string>();
    const queue = [...roots];
    while (queue.length) {
      const name = queue.pop()!;
      if (seen.has(name) || !this.definitions[name]) continue;
      seen.add(name);
      queue.push(...this.refsOf(name));
    }
    return [...seen].sort();
  }
}

function resolveParameter(doc: SwaggerDocument, p: Json): Json {
  if (typeof p.$ref === 'string' && p.$ref.startsWith(V2_PARAM)) return doc.parameters?.[p.$ref.slice(V2_PARAM.length)] ?? p;
  return p;
}

/** A v2 non-body parameter as a v3 parameter (type and friends move under `schema`). */
function parameterToV3(p: Json): Json {
  const { name, in: where, description, required, type, format, items, uniqueItems, default: dflt, enum: values, collectionFormat: _c, ...rest } = p;
  const schema: Json = {};
  if (type) schema.type = type;
  if (format) schema.format = format;
  if (items) schema.items = schemaToV3(items);
  if (uniqueItems) schema.uniqueItems = uniqueItems;
  if (dflt !== undefined) schema.default = dflt;
  if (values) schema.enum = values;
  const out: Json = { name, in: where };
  if (description) out.description = description;
  if (required) out.required = true;
  out.schema = schema;
  for (const [k, v] of Object.entries(rest)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

function operationToV3(doc: SwaggerDocument, op: Json, refs: Set<string>): Json {
  const out: Json = {};
  if (op.tags) out.tags = op.tags;
  if (op.description) out.description = op.description;
  if (op.operationId) out.operationId = op.operationId;
  const parameters: Json[] = [];
  for (const raw of op.parameters ?? []) {
    const p = resolveParameter(doc, raw);
    if (p.in === 'body') {
      directRefs(p.schema, refs);
      const consumes: string[] = op.consumes ?? ['*/*'];
      const content: Json = {};
      for (const type of consumes) content[type] = { schema: schemaToV3(p.schema) };
      out.requestBody = { content, ...(p.required ? { required: true } : {}) };
    } else {
      parameters.push(parameterToV3(p));
    }
  }
  if (parameters.length) out.parameters = parameters;
  const responses: Json = {};
  for (const [code, resp] of Object.entries((op.responses ?? {}) as Json)) {
    const r: Json = { description: resp.description ?? '' };
    if (resp.schema) {
      directRefs(resp.schema, refs);
      const schema = schemaToV3(resp.schema);
      r.content = Object.fromEntries(RESPONSE_TYPES.map((t) => [t, { schema }]));
    }
    responses[code] = r;
  }
  out.responses = responses;
  if (op.deprecated) out.deprecated = true;
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

/** True when a swagger path belongs to `/api/v1` or `/apis/<g>/<v>` (given as that prefix). */
function inGroupVersion(path: string, prefix: string): boolean {
  return path === `${prefix}/` || path.startsWith(`${prefix}/`);
}

/**
 * The v3 document of one group-version. `gvPath` is 'api/v1' or 'apis/<group>/<version>'.
 * Path-level parameters (name, namespace, pretty) stay on the path item, as kube-apiserver writes them.
 */
export function groupVersionDocumentV3(doc: SwaggerDocument, gvPath: string, index: ReferenceIndex): Json {
  const prefix = `/${gvPath}`;
  const refs = new Set<string>();
  const paths: Json = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!inGroupVersion(path, prefix)) continue;
    const shared = (item.parameters ?? []).map((p: Json) => resolveParameter(doc, p));
    const outItem: Json = {};
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      outItem[method] = operationToV3(doc, op, refs);
    }
    if (shared.length) outItem.parameters = shared.map(parameterToV3);
    paths[path] = outItem;
  }
  const schemas: Json = {};
  for (const name of index.closure(refs)) schemas[name] = schemaToV3(doc.definitions[name]);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}
