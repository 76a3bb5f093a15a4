/**
 * The connect subresources (pods/exec, pods/attach, pods/portforward and the proxies) need
 * a running process behind them, and the sandbox runs none. They are refused before any
 * upgrade, with a Status that kubectl prints as it is: kubectl 1.3x first asks for a
 * WebSocket upgrade, takes any non-101 answer as an upgrade failure and retries with SPDY;
 * on SPDY it decodes a non-101 answer's body as a Status (client-go
 * apimachinery/pkg/util/httpstream/spdy/roundtripper.go NewConnection), so
 * `kubectl exec` prints "Error from server (BadRequest): <message>" and
 * `kubectl port-forward` "error: error upgrading connection: <message>".
 *
 * Before refusing, the pod and container are checked as kube-apiserver checks them, so a
 * typo still reads as a typo.
 */
import type { Cluster } from '../cluster.ts';
import { type ApiError, badRequest } from '../errors.ts';
import type { ResourceType } from '../types.ts';

const CONNECT_SUBRESOURCES: Record<string, string> = { exec: 'exec', attach: 'attach', portforward: 'port-forward', proxy: 'proxy' };

/** What the refusal says: the sandbox's limit, and what it does offer instead. */
export const NO_CONTAINERS_MESSAGE = 'the sandbox cluster runs no containers: exec, attach, port-forward and proxy are not available';

/** The connect action of a request ("exec", "port-forward", "proxy"), or undefined. */
export function connectAction(rt: ResourceType, subresource: string | undefined): string | undefined {
  if (!subresource || rt.group !== '') return undefined;
  const head = subresource.split('/')[0]!;
  if (head === 'proxy' && ['pods', 'services', 'nodes'].includes(rt.plural)) return 'proxy';
  return rt.plural === 'pods' ? CONNECT_SUBRESOURCES[head] : undefined;
}

/** The error that answers a connect request, after the checks kube-apiserver makes first. */
export function refuseConnect(cluster: Cluster | undefined, rt: ResourceType, namespace: string | undefined, name: string, action: string, query: URLSearchParams): ApiError {
  if (action === 'proxy') name = proxiedName(name);
  const object = cluster?.get(rt, namespace, name);
  const container = query.get('container');
  if (object && rt.plural === 'pods' && container && (action === 'exec' || action === 'attach')) {
    const names = [...(object.spec?.initContainers ?? []), ...(object.spec?.containers ?? []), ...(object.spec?.ephemeralContainers ?? [])].map((c: any) => c.name);
    if (!names.includes(container)) return badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const target = `${rt.plural === 'pods' ? 'pod' : rt.plural === 'services' ? 'service' : 'node'} "${namespace ? `${namespace}/` : ''}${name}"`;
  return badRequest(`${NO_CONTAINERS_MESSAGE} (${action} to ${target}); kubectl logs shows what its containers write`);
}

/** A proxy path names `[scheme:]name[:port]` (services/https:web:443/proxy): the object's name. */
function proxiedName(name: string): string {
  const parts = name.split(':');
  if (parts.length >= 3) return parts[1]!;
  return parts.length === 2 && (parts[0] === 'http' || parts[0] === 'https') ? parts[1]! : parts[0]!;
}
