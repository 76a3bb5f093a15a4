/**
 * Serves the schema side (registry, discovery, OpenAPI documents) to the HTTP layer.
 */
import type { RegistryPort } from '../http/ports.ts';
import { AGGREGATED_DISCOVERY_CONTENT_TYPE, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo, wantsAggregatedDiscovery } from '../openapi/discovery.ts';
import { OPENAPI_V3_PREFIX, OpenApiDocuments } from '../openapi/documents.ts';
import type { ResourceRegistry } from '../openapi/registry.ts';
import type { ResourceType } from '../types.ts';

export class RegistryDocuments implements RegistryPort {
  readonly documents: OpenApiDocuments;

  constructor(
    private readonly registry: ResourceRegistry,
    private readonly serverAddress: () => string,
  ) {
    this.documents = new OpenApiDocuments(registry);
  }

  /** Builds the expensive documents before the first kubectl asks for them. */
  warm(): void {
    this.documents.v2Protobuf();
    this.documents.v3Root();
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.registry.get(group, version, plural);
  }

  servesGroupVersion(group: string, version: string): boolean {
    return this.registry.isServed(group, version);
  }

  document(path: string, _query: URLSearchParams, accept?: string): { body: unknown; contentType?: string; headers?: Record<string, string> } | undefined {
    switch (path) {
      case '/version':
        return { body: versionInfo() };
      case '/api':
        return wantsAggregatedDiscovery(accept) ? { body: aggregatedDiscovery(this.registry, 'api'), contentType: AGGREGATED_DISCOVERY_CONTENT_TYPE } : { body: apiVersions(this.serverAddress()) };
      case '/apis':
        return wantsAggregatedDiscovery(accept) ? { body: aggregatedDiscovery(this.registry, 'apis'), contentType: AGGREGATED_DISCOVERY_CONTENT_TYPE } : { body: apiGroupList(this.registry) };
      case '/openapi/v2': {
        const doc = this.documents.v2ForAccept(accept);
        return { body: Buffer.from(doc.body), contentType: doc.contentType, headers: { ETag: doc.etag } };
      }
      case '/openapi/v3':
        return { body: this.documents.v3Root() };
    }
    if (path.startsWith(OPENAPI_V3_PREFIX)) {
      const doc = this.documents.v3(path);
      return doc ? { body: doc.body, contentType: 'application/json', headers: { ETag: doc.etag } } : undefined;
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const list = apiResourceList(this.registry, '', parts[1]!);
      return list ? { body: list } : undefined;
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const group = apiGroup(this.registry, parts[1]!);
      return group ? { body: group } : undefined;
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const list = apiResourceList(this.registry, parts[1]!, parts[2]!);
      return list ? { body: list } : undefined;
    }
    return undefined;
  }
}
