/**
 * Namespace controller (plus the service-account and root-CA publishers that fill every new
 * namespace): an Active namespace gets the `default` ServiceAccount and the
 * `kube-root-ca.crt` ConfigMap; a terminating one is emptied object by object and then
 * finalized by clearing spec.finalizers, which is what lets the API server remove it.
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { MANAGER } from './context.ts';
import { NAMESPACE_FINALIZER, NAMESPACE_NAME_LABEL } from './nodes.ts';
import { type Condition, formatTime, upsertCondition } from './util.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** Published when no CA is wired in (unit tests): a syntactically plausible placeholder. */
export const PLACEHOLDER_CA_PEM = '-----BEGIN CERTIFICATE-----\nc2FuZGJveC1jYQ==\n-----END CERTIFICATE-----\n';
const NAMESPACES = '/namespaces';

export class NamespaceController implements Controller {
  readonly name = 'namespace';
  readonly watches = ['*'];

  constructor(private readonly ctx: Context) {}

  start(): void {
    for (const ns of this.ctx.cluster.store.list(NAMESPACES)) this.ctx.queue.add(this, ns.metadata.name!);
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === NAMESPACES) {
      this.ctx.queue.add(this, event.object.metadata.name!);
      return;
    }
    const namespace = event.object.metadata.namespace;
    if (!namespace) return;
    const ns = this.ctx.cluster.store.get(NAMESPACES, undefined, namespace);
    // A namespace being emptied waits for each object to go; otherwise only the two
    // objects this controller maintains matter.
    if (!ns || ns.metadata.deletionTimestamp) {
      if (event.type !== 'ADDED' || !ns) this.ctx.queue.add(this, namespace);
    } else if (event.type === 'DELETED' && (event.object.metadata.name === DEFAULT_SERVICE_ACCOUNT || event.object.metadata.name === ROOT_CA_CONFIGMAP)) {
      this.ctx.queue.add(this, namespace);
    }
  }

  reconcile(name: string): void {
    const rt = this.ctx.type('', 'Namespace');
    if (!rt) return;
    const ns = this.ctx.cluster.tryGet(rt, undefined, name);
    if (!ns) {
      // Deleted without the "kubernetes" finalizer: still nothing may outlive it.
      this.deleteContents(name);
      return;
    }
    if (ns.metadata.deletionTimestamp) this.finalize(rt, ns);
    else this.activate(rt, ns);
  }

  private activate(rt: ResourceType, ns: KubeObject): void {
    const name = ns.metadata.name!;
    let current = ns;
    if (!ns.spec?.finalizers || ns.metadata.labels?.[NAMESPACE_NAME_LABEL] !== name) {
      current =
        this.ctx.writeObject(rt, {
          ...ns,
          metadata: { ...ns.metadata, labels: { ...(ns.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: name } },
          spec: { ...(ns.spec ?? {}), finalizers: ns.spec?.finalizers ?? [NAMESPACE_FINALIZER] },
        }) ?? ns;
    }
    if (current.status?.phase !== 'Active') this.ctx.writeStatus(rt, current, { ...(current.status ?? {}), phase: 'Active' }, 'kube-apiserver');

    const sa = this.ctx.type('', 'ServiceAccount');
    if (sa && !this.ctx.cluster.tryGet(sa, name, DEFAULT_SERVICE_ACCOUNT)) {
      this.ctx.create(sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: name } });
    }
    const cm = this.ctx.type('', 'ConfigMap');
    if (cm && !this.ctx.cluster.tryGet(cm, name, ROOT_CA_CONFIGMAP)) {
      this.ctx.create(cm, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: ROOT_CA_CONFIGMAP,
          namespace: name,
          annotations: {
            'kubernetes.io/description':
              'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
          },
        },
        data: { 'ca.crt': this.ctx.deps.caCertPem ?? PLACEHOLDER_CA_PEM },
      });
    }
  }

  private finalize(rt: ResourceType, ns: KubeObject): void {
    const name = ns.metadata.name!;
    const remaining = this.deleteContents(name);
    if (remaining.length === 0) {
      if ((ns.spec?.finalizers ?? []).length > 0) this.ctx.writeObject(rt, { ...ns, spec: { ...ns.spec, finalizers: [] } });
      return;
    }
    // Objects with finalizers linger; report it like the real controller does.
    const time = formatTime(this.ctx.now());
    const withFinalizers = remaining.filter((o) => (o.metadata.finalizers?.length ?? 0) > 0);
    let conditions: Condition[] = ns.status?.conditions ?? [];
    conditions = upsertCondition(conditions, {
      type: 'NamespaceContentRemaining',
      status: 'True',
      reason: 'SomeResourcesRemain',
      message: `Some resources are remaining: ${summarize(remaining)}`,
      lastTransitionTime: time,
    });
    conditions = upsertCondition(conditions, {
      type: 'NamespaceFinalizersRemaining',
      status: withFinalizers.length ? 'True' : 'False',
      reason: withFinalizers.length ? 'SomeFinalizersRemain' : 'ContentHasNoFinalizers',
      message: withFinalizers.length
        ? `Some content in the namespace has finalizers remaining: ${[...new Set(withFinalizers.flatMap((o) => o.metadata.finalizers!))].join(', ')}`
        : 'All content-preserving finalizers finished',
      lastTransitionTime: time,
    });
    if (JSON.stringify(conditions) !== JSON.stringify(ns.status?.conditions ?? [])) this.ctx.writeStatus(rt, ns, { ...ns.status, conditions }, MANAGER.controllers);
  }

  /** Deletes every object still in the namespace; returns those that linger (finalizers). */
  private deleteContents(namespace: string): KubeObject[] {
    const lingering: KubeObject[] = [];
    for (const ref of this.ctx.cache.namespaceContents(namespace)) {
      const object = this.ctx.cluster.store.get(ref.resource, ref.namespace, ref.name);
      if (!object) continue;
      const rt = this.ctx.typeForKey(ref.resource, object);
      if (!object.metadata.deletionTimestamp) this.ctx.delete(rt, object);
      const after = this.ctx.cluster.store.get(ref.resource, ref.namespace, ref.name);
      if (after) lingering.push(after);
    }
    return lingering;
  }
}

function summarize(objects: KubeObject[]): string {
  const counts = new Map<string, number>();
  for (const o of objects) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind.toLowerCase()}s has ${n} resource instances`).join(', ');
}
