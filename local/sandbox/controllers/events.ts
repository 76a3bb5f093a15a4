/**
 * core/v1 Events as the controllers and kubelet emit them (record.EventRecorder): repeats
 * of the same reason and message for the same object are folded into one Event whose
 * count and lastTimestamp grow. The total is bounded; the oldest Events are deleted first,
 * standing in for the API server's one-hour event TTL.
 */
import type { Cluster } from '../cluster.ts';
import { ApiError } from '../errors.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import { formatTime } from './util.ts';

export type EventSource = { component: string; host?: string; fieldPath?: string };
export type EventType = 'Normal' | 'Warning';

/** Namespace of Events about cluster-scoped objects (nodes, namespaces, CRDs). */
const CLUSTER_EVENT_NAMESPACE = 'default';

export class EventRecorder {
  /** Coalescing key → stored Event (namespace/name), oldest first. */
  private readonly recent = new Map<string, { namespace: string; name: string }>();
  private sequence = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly eventType: () => ResourceType | undefined,
    private readonly now: () => number,
    private readonly maxEvents: number,
  ) {}

  record(involved: KubeObject, type: EventType, reason: string, message: string, source: EventSource): void {
    const rt = this.eventType();
    if (!rt || !involved.metadata.name) return;
    const namespace = involved.metadata.namespace ?? CLUSTER_EVENT_NAMESPACE;
    const key = [involved.metadata.uid, source.fieldPath ?? '', reason, message, source.component, source.host ?? '', type].join('\u0000');
    const timestamp = formatTime(this.now());
    try {
      const known = this.recent.get(key);
      const existing = known && this.cluster.tryGet(rt, known.namespace, known.name);
      if (existing) {
        this.recent.delete(key);
        this.recent.set(key, known!);
        this.cluster.writeAsController(rt, { ...existing, count: (existing.count ?? 1) + 1, lastTimestamp: timestamp }, source.component);
        return;
      }
      const name = `${involved.metadata.name}.${(BigInt(this.now()) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`;
      const event: KubeObject = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          kind: involved.kind,
          ...(involved.metadata.namespace ? { namespace: involved.metadata.namespace } : {}),
          name: involved.metadata.name,
          uid: involved.metadata.uid,
          apiVersion: involved.apiVersion,
          resourceVersion: involved.metadata.resourceVersion,
          ...(source.fieldPath ? { fieldPath: source.fieldPath } : {}),
        },
        reason,
        message,
        source: { component: source.component, ...(source.host ? { host: source.host } : {}) },
        firstTimestamp: timestamp,
        lastTimestamp: timestamp,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: source.component,
        reportingInstance: source.host ?? '',
      };
      this.cluster.create(rt, namespace, event, { fieldManager: source.component });
      this.recent.set(key, { namespace, name });
      this.trim(rt);
    } catch (error) {
      // Events are best effort, as in client-go: a terminating namespace refuses them.
      if (!(error instanceof ApiError)) throw error;
    }
  }

  private trim(rt: ResourceType): void {
    while (this.recent.size > this.maxEvents) {
      const [key, oldest] = this.recent.entries().next().value!;
      this.recent.delete(key);
      if (this.cluster.tryGet(rt, oldest.namespace, oldest.name)) this.cluster.delete(rt, oldest.namespace, oldest.name);
    }
  }
}
