/**
 * The rollout wait as a pure state machine. The engine feeds it live objects (from watches
 * or reads) and the pods/ReplicaSets of workloads, and asks `evaluate(now)` with its own
 * clock; the tracker never reads time or the cluster itself, so tests drive it with an
 * injected clock and a retried Lambda can rebuild it from fresh reads.
 *
 * Rules it adds over `healthOf`:
 * - Done is not health forever (rule 5): an object once Healthy stays Healthy for the same
 *   rollout (latch), so later scaling or pod restarts do not fail the step.
 * - Always end (rule 4): the step timeout, and for a Deployment its progressDeadlineSeconds.
 *   The cluster's `ProgressDeadlineExceeded` condition is the primary signal; the tracker's
 *   own measure (time without any change in the Deployment's status) only backs it up when
 *   the controller stays silent, after a grace that lets the controller's message win.
 *
 * What it remembers between evaluations (the latches and the Deployment progress clocks) is
 * plain data: `snapshot()` gives it as JSON and `RolloutTracker.restore` takes it back, so a
 * check that runs as a one-shot Lambda goes on where the previous invocation stopped. Live
 * objects are not part of it: every invocation reads them afresh.
 */
import type { Manifest, ObjectHealth, ObjectRef } from '../model.ts';
import { aggregate, missingHealth, worstObject } from './aggregate.ts';
import { diagnose, explain, type ProbeFailures, REVISION_ANNOTATION } from './diagnose.ts';
import { healthOf } from './rules.ts';
import { apiGroupOf, describeRef, refKey, refOf } from './status.ts';
import { REASON_PROGRESS_DEADLINE } from './workloads.ts';

export type TrackerOptions = {
  /** The step timeout, from the tracker's start. */
  timeoutMs: number;
  /** When the objects were applied: the start of every deadline. */
  now: Date;
  /** Wait for Jobs to complete (step option); see rules.ts. */
  waitForJobs?: boolean;
};

export type RolloutState = 'done' | 'progressing' | 'failed' | 'timeout';

export type Evaluation = {
  state: RolloutState;
  /** One entry per tracked ref, in the order given, with a diagnosis for stuck workloads. */
  objects: ObjectHealth[];
  /** For `failed` the first Degraded object; for `timeout` the worst unfinished one. */
  failure?: ObjectHealth;
};

/** Kubernetes' default `spec.progressDeadlineSeconds`. */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
/** How long past the deadline the tracker lets the controller report it first. */
export const PROGRESS_DEADLINE_GRACE_MS = 15_000;
export const REASON_TIMEOUT = 'Timeout';
export const REASON_DONE_EARLIER = 'RolloutDone';
export const REASON_AWAITING_STATUS = 'AwaitingStatus';
const MS_PER_SECOND = 1000;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** What the tracker remembers of one object between evaluations, as plain JSON. */
export type TrackedMemory = {
  ref: ObjectRef;
  /** The latch key of the rollout this object was seen Healthy in (rule 5). */
  latched?: string;
  /** Deployment progress as the tracker saw it: a status fingerprint and since when (epoch ms) it has not changed. */
  progress?: { fingerprint: string; sinceMs: number };
};

type Entry = TrackedMemory & {
  live?: Manifest;
  gone: boolean;
  pods: Manifest[];
  replicaSets: Manifest[];
  probes: ProbeFailures;
};

/**
 * What "the same rollout" means for the latch. The brief's "per object and generation" —
 * but `metadata.generation` also moves when an autoscaler changes `spec.replicas`, which
 * must not undo a finished rollout. So workloads that scale are keyed by their pod-template
 * revision (Deployment: the revision annotation; StatefulSet: updateRevision), ReplicaSets
 * and Pods by nothing (their template changes roll nothing), everything else by generation.
 */
export function latchKey(object: Manifest): string {
  const group = apiGroupOf(object.apiVersion);
  const isApps = group === 'apps' || group === 'extensions';
  const revision = object.metadata.annotations?.[REVISION_ANNOTATION];
  if (isApps && object.kind === 'Deployment' && revision !== undefined) return `revision:${revision}`;
  if (isApps && object.kind === 'StatefulSet' && typeof object.status?.updateRevision === 'string') return `revision:${object.status.updateRevision}`;
  if ((isApps && object.kind === 'ReplicaSet') || (group === '' && object.kind === 'Pod')) return 'any';
  return `generation:${String(object.metadata.generation ?? '')}`;
}

function deploymentFingerprint(object: Manifest): string {
  const s = object.status ?? {};
  return [object.metadata.generation, s.observedGeneration, s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas].join('/');
}

function progressDeadlineSeconds(deployment: Manifest): number {
  const seconds: unknown = deployment.spec?.progressDeadlineSeconds;
  return typeof seconds === 'number' ? seconds : DEFAULT_PROGRESS_DEADLINE_SECONDS;
}

function withoutPrefix(health: ObjectHealth): string {
  const prefix = `${describeRef(health.ref)}: `;
  const message = health.message ?? health.status;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

export class RolloutTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #order: string[] = [];
  readonly #startMs: number;
  readonly #timeoutMs: number;
  readonly #waitForJobs: boolean | undefined;

  constructor(refs: ObjectRef[], options: TrackerOptions) {
    this.#startMs = options.now.getTime();
    this.#timeoutMs = options.timeoutMs;
    this.#waitForJobs = options.waitForJobs;
    for (const ref of refs) {
      const key = refKey(ref);
      if (this.#entries.has(key)) continue;
      this.#entries.set(key, { ref, gone: false, pods: [], replicaSets: [], probes: new Map() });
      this.#order.push(key);
    }
  }

  /** A tracker that goes on from `memory` (a `snapshot()` of an earlier one): same objects, latches and progress clocks. */
  static restore(memory: TrackedMemory[], options: TrackerOptions): RolloutTracker {
    const tracker = new RolloutTracker(
      memory.map((m) => m.ref),
      options,
    );
    for (const m of memory) {
      const entry = tracker.#entries.get(refKey(m.ref))!;
      if (m.latched !== undefined) entry.latched = m.latched;
      if (m.progress) entry.progress = { ...m.progress };
    }
    return tracker;
  }

  /** What a later tracker needs to go on (see `restore`), one entry per tracked ref in order. */
  snapshot(): TrackedMemory[] {
    return this.#order.map((key) => {
      const { ref, latched, progress } = this.#entries.get(key)!;
      return { ref, ...(latched !== undefined ? { latched } : {}), ...(progress ? { progress: { ...progress } } : {}) };
    });
  }

  /** When the step times out. */
  get deadline(): Date {
    return new Date(this.#startMs + this.#timeoutMs);
  }

  /**
   * The next moment after `now` at which `evaluate` could change with no new input: the step
   * deadline, or a silent Deployment's progress deadline. A watcher sets one timer for it
   * instead of re-evaluating on a tick.
   */
  wakeAt(now: Date): Date {
    const nowMs = now.getTime();
    let wake = this.#startMs + this.#timeoutMs;
    for (const entry of this.#entries.values()) {
      if (!entry.progress || entry.live?.kind !== 'Deployment') continue;
      const at = entry.progress.sinceMs + progressDeadlineSeconds(entry.live) * MS_PER_SECOND + PROGRESS_DEADLINE_GRACE_MS;
      if (at > nowMs && at < wake) wake = at;
    }
    return new Date(wake);
  }

  /** The latest live state of a tracked object; false (ignored) for an untracked one. */
  update(object: Manifest): boolean {
    const entry = this.#entries.get(refKey(refOf(object)));
    if (!entry) return false;
    entry.live = object;
    entry.gone = false;
    return true;
  }

  /** The object was read back as absent (deleted after the apply). */
  missing(ref: ObjectRef): boolean {
    const entry = this.#entries.get(refKey(ref));
    if (!entry) return false;
    entry.gone = true;
    entry.live = undefined;
    return true;
  }

  /**
   * The current pods (and, for a Deployment, ReplicaSets) of a workload, and the probe failures
   * known for them (by the pod's refKey), for diagnosis only.
   */
  pods(ref: ObjectRef, pods: Manifest[], replicaSets: Manifest[] = [], probes: ProbeFailures = new Map()): boolean {
    const entry = this.#entries.get(refKey(ref));
    if (!entry) return false;
    entry.pods = pods;
    entry.replicaSets = replicaSets;
    entry.probes = probes;
    return true;
  }

  evaluate(now: Date): Evaluation {
    const nowMs = now.getTime();
    const objects = this.#order.map((key) => this.#healthOf(this.#entries.get(key)!, nowMs));
    const verdict = aggregate(objects);
    if (verdict.outcome === 'failed') return { state: 'failed', objects, failure: verdict.culprit! };
    if (verdict.outcome === 'succeeded') return { state: 'done', objects };
    if (nowMs - this.#startMs >= this.#timeoutMs) {
      const worst = worstObject(objects.filter((o) => o.status !== 'Healthy'))!;
      const seconds = Math.round(this.#timeoutMs / MS_PER_SECOND);
      const message = `${describeRef(worst.ref)}: ${REASON_TIMEOUT}: step timed out after ${seconds}s; last status ${worst.status}: ${withoutPrefix(worst)}`;
      return { state: 'timeout', objects, failure: { ref: worst.ref, status: worst.status, reason: REASON_TIMEOUT, message } };
    }
    return { state: 'progressing', objects };
  }

  #healthOf(entry: Entry, nowMs: number): ObjectHealth {
    if (entry.gone) return missingHealth(entry.ref);
    const live = entry.live;
    if (!live) {
      return { ref: entry.ref, status: 'Progressing', reason: REASON_AWAITING_STATUS, message: `${describeRef(entry.ref)}: waiting for the first live read` };
    }
    const current = healthOf(live, { waitForJobs: this.#waitForJobs, now: new Date(nowMs) });
    const key = latchKey(live);
    if (current.status === 'Healthy') {
      entry.latched = key;
      return current;
    }
    if (entry.latched === key) {
      return { ref: current.ref, status: 'Healthy', reason: REASON_DONE_EARLIER, message: `${describeRef(current.ref)}: rollout finished earlier; now: ${withoutPrefix(current)}` };
    }
    const diagnosed = WORKLOAD_KINDS.has(live.kind) ? explain(current, diagnose(live, entry.pods, entry.replicaSets, entry.probes)) : current;
    return this.#progressDeadline(entry, live, diagnosed, nowMs);
  }

  /** The tracker's backup for a Deployment whose controller never reports the deadline. */
  #progressDeadline(entry: Entry, live: Manifest, health: ObjectHealth, nowMs: number): ObjectHealth {
    if (live.kind !== 'Deployment' || health.status !== 'Progressing') return health;
    const fingerprint = deploymentFingerprint(live);
    if (!entry.progress) entry.progress = { fingerprint, sinceMs: this.#startMs };
    else if (entry.progress.fingerprint !== fingerprint) entry.progress = { fingerprint, sinceMs: nowMs };
    const seconds = progressDeadlineSeconds(live);
    if (nowMs - entry.progress.sinceMs < seconds * MS_PER_SECOND + PROGRESS_DEADLINE_GRACE_MS) return health;
    const message = `${describeRef(health.ref)}: ${REASON_PROGRESS_DEADLINE}: no progress for ${seconds}s (spec.progressDeadlineSeconds) and the controller has not reported it; last status: ${withoutPrefix(health)}`;
    return { ref: health.ref, status: 'Degraded', reason: REASON_PROGRESS_DEADLINE, message };
  }
}
