/**
 * The watch verb: a chunked stream of `{"type": ..., "object": ...}` lines, resumable from
 * a resourceVersion, filtered by namespace and selectors. An object that stops matching a
 * selector is reported as DELETED and one that starts matching as ADDED, as the apiserver's
 * watch cache does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from '../cluster.ts';
import { parseFieldSelector, parseLabelSelector } from '../selectors.ts';
import { resourceKey, type StoreEvent } from '../store.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from '../types.ts';

/** Annotation on the BOOKMARK that ends the initial events of a watch-list request. */
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

export type WatchRequest = {
  rt: ResourceType;
  namespace?: string;
  query: URLSearchParams;
  /** Turns a stored object into what the client sees (e.g. hides managedFields, Table). */
  present?: (object: KubeObject) => unknown;
};

export function serveWatch(req: IncomingMessage, res: ServerResponse, cluster: Cluster, w: WatchRequest): void {
  const { rt, namespace, query } = w;
  const byLabel = parseLabelSelector(query.get('labelSelector') ?? undefined);
  const byField = parseFieldSelector(query.get('fieldSelector') ?? undefined, rt.kind);
  const key = resourceKey(rt);
  const scoped = (o: KubeObject | undefined) => !!o && (!rt.namespaced || namespace === undefined || o.metadata.namespace === namespace);
  const matches = (o: KubeObject | undefined) => scoped(o) && byLabel(o!) && byField(o!);
  const present = w.present ?? ((o: KubeObject) => o);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);

  const translate = (event: StoreEvent) => {
    if (event.resource !== key) return;
    const now = event.type === 'DELETED' ? false : matches(event.object);
    const before = event.type === 'ADDED' ? false : matches(event.previous);
    if (event.type === 'DELETED') {
      if (before) send('DELETED', present(event.object));
    } else if (now && before) send('MODIFIED', present(event.object));
    else if (now) send('ADDED', present(event.object));
    else if (before) send('DELETED', present(event.object));
  };

  const rvParam = query.get('resourceVersion') ?? '';
  const sendInitial = query.get('sendInitialEvents') === 'true';
  if (rvParam === '' || rvParam === '0' || sendInitial) {
    for (const object of cluster.list(rt, namespace).items) if (byLabel(object) && byField(object)) send('ADDED', present(object));
    if (sendInitial) {
      send('BOOKMARK', { kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: { resourceVersion: String(cluster.store.resourceVersion), annotations: { [INITIAL_EVENTS_END]: 'true' } } });
    }
  } else {
    const rv = Number(rvParam);
    const past = Number.isFinite(rv) ? cluster.store.eventsSince(rv) : undefined;
    if (!past) {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${rvParam} (${cluster.store.resourceVersion})`,
        reason: 'Expired',
        code: 410,
      });
      res.end();
      return;
    }
    for (const event of past) translate(event);
  }

  const unsubscribe = cluster.store.subscribe(translate);
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
  const finish = () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
  req.on('close', finish);
  res.on('close', finish);
}
