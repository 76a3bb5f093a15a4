/**
 * Why is a workload stuck? The workload's own status says only "2 of 3 available"; the
 * answer is in its pods. This picks the most telling pod (worst first) and names the pod,
 * the container, the reason and the kubelet's message, e.g.
 * `pod web-abc-x1 container web: ImagePullBackOff: Back-off pulling image "nginx:nope"`.
 * For a pod that runs but is not ready it quotes the probe failure when one is known
 * (probes.ts; the caller reads it from the pod's Events), else names the unready containers.
 * Diagnosis only explains; the workload's own rule decides its health (rule 1).
 */
import type { Manifest, ObjectHealth } from '../model.ts';
import { containerStatuses, failedPodCause, PHASE, unreadyContainers, waitingFailures } from './pods.ts';
import type { ProbeFailure } from './probes.ts';
import { conditionOf, isConditionTrue, refKey, refOf } from './status.ts';

/** The finding for one pod (or, when no pod could be created, for the ReplicaSet). */
export type Diagnosis = {
  /** `pod <name>` or `replicaset <name>`: what a person would `kubectl describe`. */
  subject: string;
  container?: string;
  reason: string;
  message?: string;
  /** The whole finding as one line, ready to append to a health message. */
  summary: string;
};

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REASON_NOT_READY = 'ContainersNotReady';
export const REASON_UNSCHEDULABLE = 'Unschedulable';

/** Lower is more telling; the order in which a person would want to hear about problems. */
const SEVERITY = { failingContainer: 0, failedPod: 1, unschedulable: 2, notReady: 3, starting: 4 } as const;

type Finding = Diagnosis & { severity: number; restarts: number };

function restartsOf(pod: Manifest): number {
  return containerStatuses(pod).reduce((sum, { status }) => sum + (status.restartCount ?? 0), 0);
}

function lastExit(pod: Manifest, container: string): string {
  const status = containerStatuses(pod).find(({ status }) => status.name === container)?.status;
  const terminated = status?.lastState?.terminated;
  if (!terminated) return '';
  return `; last exit: ${terminated.reason ?? 'Terminated'}, exit code ${terminated.exitCode ?? 'unknown'}`;
}

function finding(severity: number, pod: Manifest, reason: string, message: string | undefined, container?: string): Finding {
  const subject = `pod ${pod.metadata.name}`;
  const where = container ? `${subject} container ${container}` : subject;
  const summary = `${where}: ${reason}${message ? `: ${message}` : ''}`;
  const result: Finding = { severity, restarts: restartsOf(pod), subject, reason, summary };
  if (container !== undefined) result.container = container;
  if (message !== undefined) result.message = message;
  return result;
}

/** Probe failures by the pod's refKey, for the pods whose Events were read. */
export type ProbeFailures = ReadonlyMap<string, ProbeFailure>;

const NO_PROBE_FAILURES: ProbeFailures = new Map();

/** `running but not ready (Readiness probe failed: ...)`, naming the container the probe is about. */
function notReadyFinding(pod: Manifest, probe: ProbeFailure | undefined): Finding {
  const restarts = new Map(containerStatuses(pod).map(({ status }) => [status.name, status.restartCount ?? 0]));
  const unready = unreadyContainers(pod);
  if (probe) {
    const container = probe.container ?? (unready.length === 1 ? unready[0] : undefined);
    const count = container === undefined ? 0 : (restarts.get(container) ?? 0);
    return finding(SEVERITY.notReady, pod, REASON_NOT_READY, `running but not ready (${probe.message}${count > 0 ? `; restarts: ${count}` : ''})`, container);
  }
  const listed = unready.map((name) => `${name} (restarts: ${restarts.get(name) ?? 0})`);
  return finding(SEVERITY.notReady, pod, REASON_NOT_READY, `running but not ready: ${listed.join(', ') || 'readiness gates not passed'}`);
}

/** What is wrong with one pod, or undefined when it is fine (Ready or Succeeded); `probe`: its latest probe failure, if known. */
export function podFinding(pod: Manifest, probe?: ProbeFailure): Finding | undefined {
  const failing = waitingFailures(pod)[0];
  if (failing) {
    const restarts = failing.reason === 'CrashLoopBackOff' ? ` (restarts: ${failing.restartCount}${lastExit(pod, failing.container)})` : '';
    return finding(SEVERITY.failingContainer, pod, failing.reason, `${failing.message ?? ''}${restarts}`.trim() || undefined, failing.container);
  }
  const phase = pod.status?.phase;
  if (phase === PHASE.succeeded) return undefined;
  if (phase === PHASE.failed) {
    const cause = failedPodCause(pod);
    return finding(SEVERITY.failedPod, pod, cause.reason, cause.message, cause.container);
  }
  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status === 'False') return finding(SEVERITY.unschedulable, pod, scheduled.reason ?? REASON_UNSCHEDULABLE, scheduled.message);
  if (phase === PHASE.running) {
    if (isConditionTrue(pod, 'Ready')) return undefined;
    return notReadyFinding(pod, probe);
  }
  const waiting = containerStatuses(pod).find(({ status }) => status.state?.waiting)?.status;
  return finding(SEVERITY.starting, pod, waiting?.state?.waiting?.reason ?? PHASE.pending, waiting?.state?.waiting?.message ?? pod.status?.message, waiting?.name);
}

function isOwnedBy(object: Manifest, owner: Manifest): boolean {
  const owners: unknown = object.metadata.ownerReferences;
  if (!Array.isArray(owners)) return false;
  const uid = owner.metadata.uid;
  return owners.some((o) => o?.kind === owner.kind && (uid ? o.uid === uid : o.name === owner.metadata.name));
}

function revisionOf(replicaSet: Manifest): number {
  return Number(replicaSet.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
}

/** A Deployment's newest ReplicaSet: the one the rollout is moving to. */
export function newestReplicaSet(deployment: Manifest, replicaSets: Manifest[]): Manifest | undefined {
  const owned = replicaSets.filter((rs) => isOwnedBy(rs, deployment));
  return owned.sort((a, b) => revisionOf(b) - revisionOf(a))[0];
}

/**
 * The pods that matter: for a Deployment with known ReplicaSets, those of the newest one
 * (old pods being scaled down say nothing about the new version); otherwise all given.
 * Terminating pods are left out while others remain.
 */
function relevantPods(pods: Manifest[], newest: Manifest | undefined): Manifest[] {
  const current = newest ? pods.filter((pod) => isOwnedBy(pod, newest)) : pods;
  const candidates = current.length > 0 ? current : pods;
  const live = candidates.filter((pod) => !pod.metadata.deletionTimestamp);
  return live.length > 0 ? live : candidates;
}

/** The most telling pod finding (the pod with it); the probe failures change wording, never the choice. */
function worstPod(pods: Manifest[], newest: Manifest | undefined, probes: ProbeFailures): { pod: Manifest; finding: Finding } | undefined {
  const findings = relevantPods(pods, newest)
    .flatMap((pod) => {
      const finding = podFinding(pod, probes.get(refKey(refOf(pod))));
      return finding ? [{ pod, finding }] : [];
    })
    .sort((a, b) => a.finding.severity - b.finding.severity || b.finding.restarts - a.finding.restarts || a.finding.subject.localeCompare(b.finding.subject));
  return findings[0];
}

/**
 * The pod `diagnose` would name when its finding is "running but not ready": the one pod of
 * the workload whose Events are worth reading for a probe failure; undefined otherwise.
 */
export function podToProbe(workload: Manifest, pods: Manifest[], replicaSets: Manifest[] = []): Manifest | undefined {
  const newest = workload.kind === 'Deployment' ? newestReplicaSet(workload, replicaSets) : undefined;
  const worst = worstPod(pods, newest, NO_PROBE_FAILURES);
  return worst?.finding.severity === SEVERITY.notReady ? worst.pod : undefined;
}

/** The most telling problem among a workload's pods, or undefined when none is visible. */
export function diagnose(workload: Manifest, pods: Manifest[], replicaSets: Manifest[] = [], probes: ProbeFailures = NO_PROBE_FAILURES): Diagnosis | undefined {
  const newest = workload.kind === 'Deployment' ? newestReplicaSet(workload, replicaSets) : undefined;
  const worst = worstPod(pods, newest, probes)?.finding;
  if (worst) {
    const { severity: _severity, restarts: _restarts, ...diagnosis } = worst;
    return diagnosis;
  }
  // No pod to blame: the ReplicaSet may be unable to create any (quota, admission webhook).
  const failure = newest ? conditionOf(newest, 'ReplicaFailure') : undefined;
  if (newest && failure?.status === 'True') {
    const subject = `replicaset ${newest.metadata.name}`;
    const reason = failure.reason ?? 'ReplicaFailure';
    const diagnosis: Diagnosis = { subject, reason, summary: `${subject}: ${reason}${failure.message ? `: ${failure.message}` : ''}` };
    if (failure.message) diagnosis.message = failure.message;
    return diagnosis;
  }
  return undefined;
}

/** The workload's health with the diagnosis appended, for anything not Healthy. */
export function explain(health: ObjectHealth, diagnosis: Diagnosis | undefined): ObjectHealth {
  if (!diagnosis || health.status === 'Healthy') return health;
  const base = health.message ?? `${health.ref.kind}/${health.ref.name}: ${health.status}`;
  const joined = /[.!?]$/.test(base) ? `${base} ${diagnosis.summary}` : `${base}; ${diagnosis.summary}`;
  return { ...health, message: joined };
}
