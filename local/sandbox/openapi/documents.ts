/**
 * The OpenAPI documents the sandbox serves: /openapi/v2 (JSON or gnostic protobuf, the
 * built-in spec with every CRD merged in) and /openapi/v3 (a root index plus one document per
 * served group-version, addressed by a content hash). Everything is built lazily and cached;
 * CRD changes (registry generation) only invalidate the v2 document and the CRD groups' v3
 * documents, since built-in group-versions can never change while the process runs.
 */
import { createHash } from 'node:crypto';
import { customResourceOpenApi } from './crd-openapi.ts';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './protobuf.ts';
import type { ResourceRegistry } from './registry.ts';
import type { SwaggerDocument } from './swagger.ts';
import { groupVersionDocumentV3, ReferenceIndex } from './v3convert.ts';

export { OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './protobuf.ts';
export const JSON_CONTENT_TYPE = 'application/json';
export const OPENAPI_V3_PREFIX = '/openapi/v3/';

/** A serialized document and the hash clients use to address and cache it. */
export type ServedDocument = { contentType: string; body: string | Uint8Array; hash: string; etag: string };
export type V3Document = ServedDocument & { body: string; document: Record<string, any> };

const GV_PATH = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/|$)/;

/** kube-apiserver addresses v3 documents by the upper-case hex SHA-512 of their content. */
export function contentHash(content: string | Uint8Array): string {
  return createHash('sha512').update(content).digest('hex').toUpperCase();
}

/** 'api/v1' for the core group, 'apis/<group>/<version>' otherwise: the v3 root's keys. */
export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function served(body: string | Uint8Array, contentType: string): ServedDocument {
  const hash = contentHash(body);
  return { contentType, body, hash, etag: `"${hash}"` };
}

type V2Cache = { generation: number; doc: SwaggerDocument; index: ReferenceIndex; json?: ServedDocument; proto?: ServedDocument };

export class OpenApiDocuments {
  private readonly registry: ResourceRegistry;
  /** The spec with only served group-versions' paths; the base of every document. */
  private readonly base: SwaggerDocument;
  private readonly baseIndex: ReferenceIndex;
  private readonly builtinV3 = new Map<string, V3Document>();
  private customV3 = new Map<string, V3Document>();
  private v2Cache?: V2Cache;

  constructor(registry: ResourceRegistry) {
    this.registry = registry;
    const spec = registry.schemas.document;
    const paths: SwaggerDocument['paths'] = {};
    for (const [path, item] of Object.entries(spec.paths)) {
      const m = GV_PATH.exec(path);
      if (m && !registry.isServed(m[2] ?? '', m[1] ?? m[3]!)) continue;
      paths[path] = item;
    }
    this.base = { ...spec, paths };
    this.baseIndex = new ReferenceIndex(spec.definitions);
  }

  /** The merged v2 document (built-ins plus CRDs) as an object; do not mutate it. */
  v2(): SwaggerDocument {
    return this.v2State().doc;
  }

  private v2State(): V2Cache {
    const generation = this.registry.generation;
    if (this.v2Cache?.generation === generation) return this.v2Cache;
    this.customV3 = new Map();
    const customs = this.registry.customResources();
    let doc = this.base;
    if (customs.length) {
      const paths = { ...this.base.paths };
      const definitions = { ...this.base.definitions };
      for (const reg of customs) {
        const fragment = customResourceOpenApi(reg);
        Object.assign(paths, fragment.paths);
        Object.assign(definitions, fragment.definitions);
      }
      doc = { ...this.base, paths, definitions };
    }
    this.v2Cache = { generation, doc, index: customs.length ? new ReferenceIndex(doc.definitions) : this.baseIndex };
    return this.v2Cache;
  }

  /** GET /openapi/v2 as JSON. */
  v2Json(): ServedDocument {
    const state = this.v2State();
    state.json ??= served(JSON.stringify(state.doc), JSON_CONTENT_TYPE);
    return state.json;
  }

  /** GET /openapi/v2 as gnostic protobuf, what client-go/kubectl request. */
  v2Protobuf(): ServedDocument {
    const state = this.v2State();
    state.proto ??= served(encodeOpenApiV2(state.doc), OPENAPI_V2_PROTOBUF_CONTENT_TYPE);
    return state.proto;
  }

  /** GET /openapi/v2 negotiated on the Accept header: protobuf when asked for, JSON otherwise. */
  v2ForAccept(accept: string | undefined): ServedDocument {
    return accept?.includes('protobuf') ? this.v2Protobuf() : this.v2Json();
  }

  private customGroupVersions(): Set<string> {
    const set = new Set<string>();
    for (const reg of this.registry.customResources()) for (const v of reg.versions) set.add(groupVersionPath(v.resource.group, v.resource.version));
    return set;
  }

  /**
   * The v3 document of a group-version; `gvPath` is 'api/v1' or 'apis/<group>/<version>'
   * (a leading '/openapi/v3/' and a '?hash=' suffix are tolerated). Undefined when not served.
   */
  v3(gvPath: string): V3Document | undefined {
    const key = normalizeGvPath(gvPath);
    const m = GV_PATH.exec(`/${key}`);
    if (!m || !this.registry.isServed(m[2] ?? '', m[1] ?? m[3]!)) return undefined;
    const state = this.v2State();
    if (this.customGroupVersions().has(key)) {
      let entry = this.customV3.get(key);
      if (!entry) this.customV3.set(key, (entry = build(groupVersionDocumentV3(state.doc, key, state.index))));
      return entry;
    }
    let entry = this.builtinV3.get(key);
    if (!entry) this.builtinV3.set(key, (entry = build(groupVersionDocumentV3(this.base, key, this.baseIndex))));
    return entry;
  }

  /** GET /openapi/v3: every served group-version with its hash-addressed URL. */
  v3Root(): { paths: Record<string, { serverRelativeURL: string }> } {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const g of this.registry.groups()) {
      for (const version of g.versions) {
        const key = groupVersionPath(g.group, version);
        const doc = this.v3(key);
        if (doc) paths[key] = { serverRelativeURL: `${OPENAPI_V3_PREFIX}${key}?hash=${doc.hash}` };
      }
    }
    return { paths };
  }
}

function build(document: Record<string, any>): V3Document {
  const body = JSON.stringify(document);
  const hash = contentHash(body);
  // Only the serialized form is kept: holding every group-version's object form cost ~15 MB.
  return {
    contentType: JSON_CONTENT_TYPE,
    body,
    hash,
    etag: `"${hash}"`,
    get document() {
      return JSON.parse(body) as Record<string, any>;
    },
  };
}

function normalizeGvPath(path: string): string {
  let p = path.split('?')[0]!;
  if (p.startsWith(OPENAPI_V3_PREFIX)) p = p.slice(OPENAPI_V3_PREFIX.length);
  return p.replace(/^\/+|\/+$/g, '');
}
