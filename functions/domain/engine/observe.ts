/**
 * One look at a rollout, for check-rollout: read the tracked objects once (and the pods and
 * ReplicaSets of workloads that are not done, to say why), then, if asked, watch them for a
 * bounded time and stop at the first change that settles the check, or when the time is up.
 * Nothing here loops or sleeps: the watch delivers changes, and one timer stands for the next
 * moment the verdict could change by itself (the window's end, the step deadline, a silent
 * Deployment's progress deadline; RolloutTracker.wakeAt).
 *
 * Health is reported as an event only when it differs from what was reported before, in this
 * invocation or (through the state's last health per object) in an earlier one.
 *
 * For a stuck workload whose diagnosis names a pod that runs but is not ready, the pod's
 * Events are read for the kubelet's probe failure: one list (field selector on the pod) per
 * such pod, at most every PROBE_READ_INTERVAL_MS — on a timer, never per watch event.
 */
import { ClusterAccessError } from '../errors.ts';
import type { Manifest, ObjectHealth, ObjectRef } from '../model.ts';
import type { ClusterClient, Subscription } from '../ports.ts';
import { podToProbe } from '../rollout/diagnose.ts';
import { type ProbeFailure, probeFailureOf } from '../rollout/probes.ts';
import { refKey, refOf } from '../rollout/status.ts';
import type { Evaluation, RolloutTracker } from '../rollout/tracker.ts';
import { forEachLimited } from './concurrency.ts';
import type { EventSink } from './events.ts';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
/** The longest delay a Node timer takes (a longer one fires at once); a longer watch ends there and is checked again. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The shortest time between two reads of one pod's Events (the kubelet probes every few seconds). */
export const PROBE_READ_INTERVAL_MS = 2_000;
/** Tracked objects of one kind in one namespace from which one list beats a get each. */
const LIST_FROM_REFS = 3;

type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** metav1.LabelSelector semantics; an absent selector selects nothing. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(l[e.key]!)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(l[e.key]!)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

/** The selector as a list request's `labelSelector`; undefined when it would match every pod. */
export function selectorText(selector: LabelSelector | undefined): string | undefined {
  if (!selector) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** How health events are told apart: a new fingerprint is a change worth a line. */
export const healthFingerprint = (health: Omit<ObjectHealth, 'ref'>) => `${health.status}|${health.reason ?? ''}|${health.message ?? ''}`;

export type ObserverOptions = {
  onEvent: EventSink;
  now: () => Date;
  /** Reads in flight at once. */
  concurrency: number;
  /** What was last reported per refKey (healthFingerprint), from the state. */
  reported: Map<string, string>;
};

export class RolloutObserver {
  readonly #tracked: Map<string, ObjectRef>;
  readonly #workloads = new Map<string, Manifest>();
  readonly #pods = new Map<string, Manifest>();
  readonly #replicaSets = new Map<string, Manifest>();
  /** The latest probe failure read per pod (refKey), and when each pod's Events were last read (epoch ms). */
  readonly #probes = new Map<string, ProbeFailure>();
  readonly #probeReadAt = new Map<string, number>();
  /** The workloads (refKey) not Healthy at the last evaluation: only their pods are worth a probe read. */
  readonly #stuck = new Set<string>();
  /** The account may not list events (401/403): no more probe reads in this check. */
  #eventsForbidden = false;

  constructor(
    private readonly tracker: RolloutTracker,
    private readonly refs: ObjectRef[],
    private readonly options: ObserverOptions,
  ) {
    this.#tracked = new Map(refs.map((r) => [refKey(r), r]));
  }

  /**
   * Reads every tracked object once: one list for a kind of which a namespace holds several
   * tracked objects (a set of 1,000 ConfigMaps is one request, not 1,000), a get for the
   * others. Then the pods (and ReplicaSets) of workloads that are not done.
   */
  async read(cluster: ClusterClient): Promise<void> {
    const groups = new Map<string, ObjectRef[]>();
    for (const ref of this.refs) {
      const key = `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}`;
      const group = groups.get(key);
      if (group) group.push(ref);
      else groups.set(key, [ref]);
    }
    const reads = [...groups.values()].flatMap((refs) => (refs.length >= LIST_FROM_REFS ? [refs] : refs.map((ref) => [ref])));
    await forEachLimited(reads, this.options.concurrency, async (refs) => {
      const [first] = refs as [ObjectRef, ...ObjectRef[]];
      const found = refs.length === 1 ? [await cluster.get(first)] : await cluster.list(first.apiVersion, first.kind, first.namespace);
      const live = new Map(found.flatMap((o) => (o ? [[o.metadata.name, o] as const] : [])));
      for (const ref of refs) {
        const object = live.get(ref.name);
        if (object) this.#observe(object);
        else this.tracker.missing(ref);
      }
    });
    const stuck = this.tracker
      .evaluate(this.options.now())
      .objects.filter((o) => o.status !== 'Healthy' && this.#workloads.has(refKey(o.ref)))
      .map((o) => this.#workloads.get(refKey(o.ref))!);
    for (const workload of stuck) this.#stuck.add(refKey(refOf(workload)));
    await forEachLimited(stuck, this.options.concurrency, (workload) => this.#readPods(cluster, workload));
    await this.#readProbes(cluster);
  }

  /** The tracker's verdict at `at` (now by default), reporting every health that changed. */
  evaluate(at: Date = this.options.now()): Evaluation {
    const evaluation = this.tracker.evaluate(at);
    this.#stuck.clear();
    for (const health of evaluation.objects) {
      const key = refKey(health.ref);
      if (health.status !== 'Healthy' && this.#workloads.has(key)) this.#stuck.add(key);
      const fingerprint = healthFingerprint(health);
      if (this.options.reported.get(key) === fingerprint) continue;
      this.options.reported.set(key, fingerprint);
      this.options.onEvent({ type: 'health', health });
    }
    return evaluation;
  }

  /**
   * Watches until `settled` says an evaluation ends the check, or until `untilMs` (epoch ms,
   * by the options' clock); the last evaluation is made at the window's end, not before it.
   */
  watch(cluster: ClusterClient, untilMs: number, settled: (evaluation: Evaluation) => boolean): Promise<Evaluation> {
    return new Promise<Evaluation>((resolve) => {
      let finished = false;
      let wake: ReturnType<typeof setTimeout> | undefined;
      let end: ReturnType<typeof setTimeout> | undefined;
      let probeTimer: ReturnType<typeof setTimeout> | undefined;
      let subscription: Subscription | undefined;
      const finish = (evaluation: Evaluation) => {
        finished = true;
        clearTimeout(wake);
        clearTimeout(end);
        clearTimeout(probeTimer);
        subscription?.stop();
        resolve(evaluation);
      };
      const check = () => {
        if (finished) return;
        const evaluation = this.evaluate();
        if (settled(evaluation)) finish(evaluation);
        else schedule();
      };
      // One timer for the next moment the verdict could change by itself; the window's end has its own.
      const schedule = () => {
        clearTimeout(wake);
        const now = this.options.now();
        const at = Math.min(untilMs, this.tracker.wakeAt(now).getTime());
        wake = setTimeout(check, Math.min(MAX_TIMER_MS, Math.max(0, at - now.getTime())));
      };
      // Probe failures of pods that run but are not ready: read when due, then again after the interval while still due.
      const probe = () => {
        clearTimeout(probeTimer);
        if (finished) return;
        const at = this.#nextProbeAt();
        if (at === undefined) return;
        const delay = at - this.options.now().getTime();
        if (delay > 0) {
          probeTimer = setTimeout(probe, Math.min(MAX_TIMER_MS, delay));
          return;
        }
        void this.#readProbes(cluster).then((changed) => {
          if (changed) check();
          probe();
        });
      };
      end = setTimeout(
        () => {
          if (!finished) finish(this.evaluate(new Date(Math.max(untilMs, this.options.now().getTime()))));
        },
        Math.min(MAX_TIMER_MS, Math.max(0, untilMs - this.options.now().getTime())),
      );
      schedule();
      subscription = cluster.watch(this.refs, (object) => {
        if (finished) return;
        this.#observe(object);
        check();
        probe();
      });
      // A client that delivered (and settled the check) while subscribing: stop it now.
      if (finished) subscription.stop();
      else probe();
    });
  }

  /** A live object from a read or the watch: a tracked one, or a pod / ReplicaSet of a workload. */
  #observe(object: Manifest): void {
    const key = refKey(refOf(object));
    if (this.#tracked.has(key)) {
      this.tracker.update(object);
      if (WORKLOAD_KINDS.has(object.kind)) this.#workloads.set(key, object);
    } else if (object.kind === 'Pod') {
      this.#pods.set(key, object);
      this.#refreshPods(object.metadata.namespace);
    } else if (object.kind === 'ReplicaSet') {
      this.#replicaSets.set(key, object);
      this.#refreshPods(object.metadata.namespace);
    }
  }

  /**
   * A workload's pods (and, for a Deployment, ReplicaSets), to name the stuck pod. Diagnosis
   * only: when the account may not list them or the read fails, the verdict stands without it.
   */
  async #readPods(cluster: ClusterClient, workload: Manifest): Promise<void> {
    const namespace = workload.metadata.namespace;
    const labelSelector = selectorText(workload.spec?.selector);
    if (!labelSelector) return;
    try {
      const [pods, replicaSets] = await Promise.all([
        cluster.list('v1', 'Pod', namespace, labelSelector),
        workload.kind === 'Deployment' ? cluster.list('apps/v1', 'ReplicaSet', namespace, labelSelector) : Promise.resolve([]),
      ]);
      for (const pod of pods) this.#pods.set(refKey(refOf(pod)), pod);
      for (const rs of replicaSets) this.#replicaSets.set(refKey(refOf(rs)), rs);
    } catch {
      return;
    }
    this.#refreshPods(namespace);
  }

  /** The pod each stuck workload's diagnosis names as running but not ready. */
  #podsToProbe(): Manifest[] {
    if (this.#eventsForbidden) return [];
    return [...this.#stuck].flatMap((key) => {
      const workload = this.#workloads.get(key);
      if (!workload) return [];
      const { pods, replicaSets } = this.#podsOf(workload);
      const pod = podToProbe(workload, pods, replicaSets);
      return pod ? [pod] : [];
    });
  }

  /** When the next probe read is due (epoch ms), or undefined when no pod needs one. */
  #nextProbeAt(): number | undefined {
    const due = this.#podsToProbe().map((pod) => (this.#probeReadAt.get(refKey(refOf(pod))) ?? Number.NEGATIVE_INFINITY) + PROBE_READ_INTERVAL_MS);
    return due.length > 0 ? Math.min(...due) : undefined;
  }

  /**
   * Reads the Events of every pod to probe whose last read is PROBE_READ_INTERVAL_MS old, and
   * keeps the newest Unhealthy message; true when a known probe failure changed. Diagnosis
   * only: a failed read (an account that may not list events) leaves the diagnosis as it was.
   */
  async #readProbes(cluster: ClusterClient): Promise<boolean> {
    const nowMs = this.options.now().getTime();
    const due = this.#podsToProbe().filter((pod) => nowMs - (this.#probeReadAt.get(refKey(refOf(pod))) ?? Number.NEGATIVE_INFINITY) >= PROBE_READ_INTERVAL_MS);
    for (const pod of due) this.#probeReadAt.set(refKey(refOf(pod)), nowMs);
    let changed = false;
    await forEachLimited(due, this.options.concurrency, async (pod) => {
      let failure: ProbeFailure | undefined;
      try {
        failure = probeFailureOf(await cluster.events(refOf(pod)));
      } catch (error) {
        if (error instanceof ClusterAccessError) this.#eventsForbidden = true;
        return;
      }
      const key = refKey(refOf(pod));
      const known = this.#probes.get(key);
      if (known?.message === failure?.message && known?.container === failure?.container) return;
      if (failure) this.#probes.set(key, failure);
      else this.#probes.delete(key);
      changed = true;
      this.#refreshPods(pod.metadata.namespace);
    });
    return changed;
  }

  /** The pods and ReplicaSets seen so far that the workload's selector selects. */
  #podsOf(workload: Manifest): { pods: Manifest[]; replicaSets: Manifest[] } {
    const namespace = workload.metadata.namespace;
    const matches = (o: Manifest) => o.metadata.namespace === namespace && selects(workload.spec?.selector, o.metadata.labels);
    return { pods: [...this.#pods.values()].filter(matches), replicaSets: [...this.#replicaSets.values()].filter(matches) };
  }

  #refreshPods(namespace: string | undefined): void {
    for (const [key, workload] of this.#workloads) {
      if (workload.metadata.namespace !== namespace) continue;
      const { pods, replicaSets } = this.#podsOf(workload);
      this.tracker.pods(this.#tracked.get(key)!, pods, replicaSets, new Map(this.#probes));
    }
  }
}
