/**
 * Waits for a rollout: streams the applied objects (and the pods of workloads) from the
 * cluster into a RolloutTracker and evaluates it on every change and on a short tick (for
 * deadlines), until every object is done, one has failed, or the step times out.
 */
import type { Deadline } from '../deadline.ts';
import type { Manifest, ObjectHealth, ObjectRef } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { refKey, refOf } from '../rollout/status.ts';
import { RolloutTracker, type Evaluation } from '../rollout/tracker.ts';
import type { EventSink } from './events.ts';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
/** How often deadlines are re-evaluated when nothing changes. */
const TICK_MS = 200;

/** `deadline`: the step's; the wait ends with it (a rollout not done by then has timed out). */
export type WaitOptions = { deadline: Deadline; waitForJobs?: boolean; now: () => Date; onEvent: EventSink };

export async function waitForRollout(cluster: ClusterClient, refs: ObjectRef[], options: WaitOptions): Promise<Evaluation> {
  // The tracker measures from the step's start, so its timeout is the step's deadline.
  const { deadline } = options;
  const tracker = new RolloutTracker(refs, { timeoutMs: deadline.budgetMs, now: new Date(deadline.at - deadline.budgetMs), waitForJobs: options.waitForJobs });
  const tracked = new Map(refs.map((r) => [refKey(r), r]));
  const workloads = new Map<string, Manifest>();
  const pods = new Map<string, Manifest>();
  const replicaSets = new Map<string, Manifest>();
  const reported = new Map<string, string>();

  return new Promise<Evaluation>((resolve) => {
    let finished = false;
    const evaluate = () => {
      if (finished) return;
      const result = tracker.evaluate(options.now());
      for (const health of result.objects) report(health);
      if (result.state === 'progressing') return;
      finished = true;
      clearInterval(timer);
      subscription.stop();
      resolve(result);
    };
    const report = (health: ObjectHealth) => {
      const fingerprint = `${health.status}|${health.reason ?? ''}|${health.message ?? ''}`;
      const key = refKey(health.ref);
      if (reported.get(key) === fingerprint) return;
      reported.set(key, fingerprint);
      options.onEvent({ type: 'health', health });
    };
    const refreshPods = (namespace: string | undefined) => {
      for (const [key, workload] of workloads) {
        if (workload.metadata.namespace !== namespace) continue;
        const ref = tracked.get(key)!;
        const matches = (o: Manifest) => o.metadata.namespace === namespace && selects(workload.spec?.selector, o.metadata.labels);
        tracker.pods(ref, [...pods.values()].filter(matches), [...replicaSets.values()].filter(matches));
      }
    };
    const onChange = (object: Manifest) => {
      const key = refKey(refOf(object));
      if (tracked.has(key)) {
        tracker.update(object);
        if (WORKLOAD_KINDS.has(object.kind)) workloads.set(key, object);
      } else if (object.kind === 'Pod') {
        pods.set(key, object);
        refreshPods(object.metadata.namespace);
      } else if (object.kind === 'ReplicaSet') {
        replicaSets.set(key, object);
        refreshPods(object.metadata.namespace);
      }
      evaluate();
    };
    const timer = setInterval(evaluate, TICK_MS);
    const subscription = cluster.watch(refs, onChange);
    evaluate();
  });
}

type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** metav1.LabelSelector semantics; an absent selector selects nothing. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const ok =
      e.operator === 'In' ? has && (e.values ?? []).includes(l[e.key]!)
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(l[e.key]!)
      : e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}
