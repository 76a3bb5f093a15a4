/**
 * Parses a request path into what kube-apiserver's RequestInfoFactory would: whether it is
 * a resource request, the group/version/resource/subresource/namespace/name, and the verb.
 */
export type RequestInfo = {
  resourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix?: 'api' | 'apis';
  apiGroup: string;
  apiVersion: string;
  namespace?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  /** Path segments after the API group/version when no resource could be identified. */
  parts: string[];
};

/** /api/v1/namespaces/{name}/status and /finalize address the Namespace object itself. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const METHOD_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete', GET: 'get', HEAD: 'get' };

export function resolveRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  // Non-resource requests authorize with the lower-cased HTTP method (`put`, `post`), as kube's
  // RequestInfoFactory does; HEAD stays `get` so health checks keep working for public-info-viewer.
  const info: RequestInfo = { resourceRequest: false, path, verb: method === 'HEAD' ? 'get' : method.toLowerCase(), apiGroup: '', apiVersion: '', parts };
  if (parts[0] !== 'api' && parts[0] !== 'apis') return info;
  info.apiPrefix = parts[0];
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length < 2) return info;
    info.apiVersion = parts[1]!;
    rest = parts.slice(2);
  } else {
    if (parts.length < 3) {
      if (parts.length === 2) info.apiGroup = parts[1]!;
      return info;
    }
    info.apiGroup = parts[1]!;
    info.apiVersion = parts[2]!;
    rest = parts.slice(3);
  }
  if (rest.length === 0) return info;
  info.resourceRequest = true;
  info.verb = (METHOD_VERBS[method] ?? method).toLowerCase();

  // /namespaces/{ns}/{resource}/... — but /namespaces/{name}[/{sub}] is the namespace itself.
  const namespaceSubresource = rest[0] === 'namespaces' && rest.length === 3 && NAMESPACE_SUBRESOURCES.has(rest[2]!);
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    info.namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length >= 2) {
    info.namespace = rest[1];
  }
  info.resource = rest[0];
  if (rest.length >= 2) info.name = rest[1];
  if (rest.length >= 3) info.subresource = rest.slice(2).join('/');

  const watching = query.get('watch') === 'true' || query.get('watch') === '1';
  if (info.verb === 'get' && info.name === undefined) info.verb = watching ? 'watch' : 'list';
  else if (info.verb === 'get' && watching) info.verb = 'watch';
  if (info.verb === 'delete' && info.name === undefined) info.verb = 'deletecollection';
  return info;
}
