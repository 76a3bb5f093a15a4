/**
 * Pod rules (ROLLOUT-RULES.md): done when Running and Ready, or Succeeded; failed when the
 * phase is Failed, or — only with restartPolicy Always — a container waits with a reason
 * `Err*`, `*Error` or `*BackOff`. Pods with OnFailure/Never are hooks or batch work: the
 * kubelet may still pull the image or retry, so a waiting reason is not final for them.
 */
import type { Manifest, ObjectHealth } from '../model.ts';
import { degraded, healthy, isConditionTrue, progressing, unknown } from './status.ts';

export const RESTART_ALWAYS = 'Always';
export const PHASE = { pending: 'Pending', running: 'Running', succeeded: 'Succeeded', failed: 'Failed' } as const;

/** The fields of a `status.containerStatuses[]` entry the rules read. */
export type ContainerStatus = {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: object; terminated?: { reason?: string; message?: string; exitCode?: number } };
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number } };
};

/** A failing container, as a person wants it named. */
export type ContainerFailure = { container: string; reason: string; message?: string; restartCount: number; init: boolean };

/** `Err*`, `*Error`, `*BackOff`: the waiting reasons that mean "this will not fix itself". */
export function isFailingWaitingReason(reason: string | undefined): boolean {
  return !!reason && (reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff'));
}

/** Init containers first: they run first, so their failure is the root cause. */
export function containerStatuses(pod: Manifest): { status: ContainerStatus; init: boolean }[] {
  const list = (value: unknown): ContainerStatus[] => (Array.isArray(value) ? value : []);
  return [...list(pod.status?.initContainerStatuses).map((status) => ({ status, init: true })), ...list(pod.status?.containerStatuses).map((status) => ({ status, init: false }))];
}

export function restartPolicyOf(pod: Manifest): string {
  return typeof pod.spec?.restartPolicy === 'string' ? pod.spec.restartPolicy : RESTART_ALWAYS;
}

/** Containers waiting with a failing reason, in pod order; empty unless restartPolicy is Always. */
export function waitingFailures(pod: Manifest): ContainerFailure[] {
  if (restartPolicyOf(pod) !== RESTART_ALWAYS) return [];
  const failures: ContainerFailure[] = [];
  for (const { status, init } of containerStatuses(pod)) {
    const waiting = status.state?.waiting;
    if (waiting && isFailingWaitingReason(waiting.reason)) {
      failures.push({ container: status.name, reason: waiting.reason!, message: waiting.message, restartCount: status.restartCount ?? 0, init });
    }
  }
  return failures;
}

/** Why a Failed pod failed: the pod's own reason (Evicted...) or the first terminated container. */
export function failedPodCause(pod: Manifest): ContainerFailure | { container?: undefined; reason: string; message?: string } {
  if (pod.status?.reason || pod.status?.message) return { reason: pod.status.reason ?? PHASE.failed, message: pod.status.message };
  for (const { status, init } of containerStatuses(pod)) {
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode !== 0) {
      const detail = [terminated.message, `exit code ${terminated.exitCode ?? 'unknown'}`].filter(Boolean).join('; ');
      return { container: status.name, reason: terminated.reason ?? 'Error', message: detail, restartCount: status.restartCount ?? 0, init };
    }
  }
  return { reason: PHASE.failed };
}

export function podHealth(pod: Manifest): ObjectHealth {
  const failures = waitingFailures(pod);
  if (failures.length > 0) {
    const first = failures[0]!;
    const detail = failures.map((f) => `container ${f.container}${f.reason === first.reason ? '' : ` (${f.reason})`}${f.message ? `: ${f.message}` : ''}`).join('; ');
    return degraded(pod, first.reason, detail);
  }
  const phase = pod.status?.phase;
  switch (phase) {
    case PHASE.succeeded:
      return healthy(pod, 'succeeded');
    case PHASE.failed: {
      const cause = failedPodCause(pod);
      const where = cause.container ? `container ${cause.container}: ` : '';
      return degraded(pod, cause.reason, cause.message ? `${where}${cause.message}` : where.replace(/: $/, '') || undefined);
    }
    case PHASE.running:
      if (isConditionTrue(pod, 'Ready')) return healthy(pod, 'running and ready');
      return progressing(pod, `running, containers not ready: ${unreadyContainers(pod).join(', ') || 'unknown'}`);
    case PHASE.pending:
    case undefined:
      return progressing(pod, pod.status?.message ? `pending: ${pod.status.message}` : 'pending');
    default:
      return unknown(pod, `phase ${String(phase)}${pod.status?.message ? `: ${pod.status.message}` : ''}`, String(phase));
  }
}

/** Names of app containers whose readiness is false (readiness probe not passing yet). */
export function unreadyContainers(pod: Manifest): string[] {
  return containerStatuses(pod)
    .filter(({ status, init }) => !init && status.ready !== true)
    .map(({ status }) => status.name);
}
