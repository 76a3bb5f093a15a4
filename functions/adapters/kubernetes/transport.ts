/**
 * Requests to the API server through @kubernetes/client-node's KubernetesObjectApi, with three
 * changes that matter for a deploy engine:
 *  - objects travel as plain JSON both ways. The stock client runs bodies through its typed
 *    models, which drops fields the models do not know (newer API fields, typos the server
 *    should reject) and renames `x-kubernetes-*` keys of CRD schemas; responses came back as
 *    class instances with Date objects.
 *  - discovery comes from our own cache (discovery.ts): one request per apiVersion even when
 *    many applies start at once, and a kind the cluster does not serve is a KindNotServedError.
 *  - every request has a timeout, which the caller may shorten as its deadline nears.
 */
import {
  ApiException,
  HttpMethod,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  type V1APIResource,
} from '@kubernetes/client-node';
import type { Manifest } from '#domain/model.ts';
import { Discovery, groupVersionPath } from './discovery.ts';
import { KindNotServedError } from './errors.ts';

/** A list response: items carry apiVersion and kind (the server leaves them out of list items). */
export type ObjectList = { items: Manifest[]; resourceVersion: string };

type Query = Record<string, string | undefined>;

const JSON_TYPE = 'application/json';
const DRY_RUN_ALL = 'All';
const DELETE_PROPAGATION = 'Background';

/** The timeout for the request about to start, in ms (0: none). Asked per request. */
export type RequestTimeout = () => number;

export class ManifestApi extends KubernetesObjectApi {
  private timeoutMs: RequestTimeout = () => 0;
  readonly discovery = new Discovery((path) => this.requestJson(HttpMethod.GET, path));

  /** The API for `kc`'s current context; namespaced objects without a namespace get the context's. */
  static forConfig(kc: KubeConfig, timeoutMs: RequestTimeout): ManifestApi {
    const api = kc.makeApiClient(ManifestApi);
    api.setDefaultNamespace(kc);
    api.timeoutMs = timeoutMs;
    return api;
  }

  /** Server-side apply; the body is the manifest exactly as given. */
  async apply(manifest: Manifest, options: { fieldManager: string; force: boolean; dryRun?: boolean }): Promise<Manifest> {
    const spec = structuredClone(manifest) as KubernetesObject;
    const path = await this.specUriPath(spec, 'patch');
    const query = { fieldManager: options.fieldManager, force: String(options.force), dryRun: options.dryRun ? DRY_RUN_ALL : undefined };
    return this.requestJson(HttpMethod.PATCH, path, query, spec, PatchStrategy.ServerSideApply);
  }

  async readObject(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): Promise<Manifest> {
    return (await this.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } })) as unknown as Manifest;
  }

  async deleteObject(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): Promise<void> {
    const spec = { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
    await this.delete(spec, undefined, undefined, undefined, undefined, DELETE_PROPAGATION);
  }

  /** `/apis/apps/v1/namespaces/ns/deployments` (all namespaces when `namespace` is absent). */
  async collectionPath(apiVersion: string, kind: string, namespace: string | undefined): Promise<string> {
    const resource = await this.resource(apiVersion, kind);
    const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${groupVersionPath(apiVersion)}${ns}/${resource.name}`;
  }

  /** A list with selectors; items get apiVersion and kind back. */
  async listObjects(apiVersion: string, kind: string, namespace: string | undefined, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Promise<ObjectList> {
    const path = await this.collectionPath(apiVersion, kind, namespace);
    const list = await this.requestJson<{ items?: Manifest[]; metadata?: { resourceVersion?: string } }>(HttpMethod.GET, path, selectors);
    return { items: (list.items ?? []).map((item) => ({ ...item, apiVersion, kind })), resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  /** Any JSON request through the client's auth, connection pool and timeout. */
  async requestJson<T>(method: HttpMethod, path: string, query: Query = {}, body?: unknown, contentType = JSON_TYPE): Promise<T> {
    const ctx = this.configuration.baseServer.makeRequestContext(path, method);
    ctx.setHeaderParam('Accept', JSON_TYPE);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) ctx.setQueryParam(key, value);
    if (body !== undefined) {
      ctx.setHeaderParam('Content-Type', contentType);
      ctx.setBody(JSON.stringify(body));
    }
    return this.requestPromise(ctx) as Promise<T>;
  }

  protected override async resource(apiVersion: string, kind: string): Promise<V1APIResource> {
    const found = await this.discovery.find(apiVersion, kind);
    if (!found) throw new KindNotServedError(apiVersion, kind);
    return found as V1APIResource;
  }

  protected override requestPromise<T extends KubernetesObject>(ctx: RequestContext, type?: string): Promise<T> {
    const timeoutMs = this.timeoutMs();
    if (timeoutMs > 0) ctx.setSignal(AbortSignal.timeout(timeoutMs));
    return super.requestPromise<T>(ctx, type);
  }

  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext): Promise<T> {
    if (response.httpStatusCode >= 200 && response.httpStatusCode <= 299) {
      const text = await response.body.text();
      return (text ? JSON.parse(text) : {}) as T;
    }
    throw new ApiException(response.httpStatusCode, 'Unsuccessful HTTP Request', await response.getBodyAsAny(), response.headers);
  }
}
