/**
 * Why a running container is not ready: the pod's status says only `ContainersNotReady`; the
 * kubelet's reason is in the pod's Events (type Warning, reason Unhealthy, e.g. `Readiness
 * probe failed: HTTP probe failed with statuscode: 503`). This picks the newest of them, for
 * diagnose.ts to quote. Events are read only for a pod that runs but is not ready.
 */
import type { Manifest } from '../model.ts';

/** The kubelet's failure of one pod's probe, as a diagnosis quotes it. */
export type ProbeFailure = {
  /** The container the event is about (from its involvedObject.fieldPath), when it names one. */
  container?: string;
  /** The event's message on one line, at most MAX_PROBE_MESSAGE characters. */
  message: string;
};

export const REASON_UNHEALTHY = 'Unhealthy';
/** Probe output can be long (an HTTP body, a script's output): the diagnosis is one line. */
export const MAX_PROBE_MESSAGE = 300;
const ELLIPSIS = '…';
/** `spec.containers{web}` → `web`. */
const FIELD_PATH_CONTAINER = /^spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]+)\}$/;

/** When the event last happened, in epoch ms (events.k8s.io series first, then core/v1 fields). */
function lastSeenMs(event: Manifest): number {
  const at = event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  const ms = typeof at === 'string' ? Date.parse(at) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** `message` on one line, cut to MAX_PROBE_MESSAGE characters. */
export function boundedMessage(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length <= MAX_PROBE_MESSAGE ? line : `${line.slice(0, MAX_PROBE_MESSAGE - ELLIPSIS.length)}${ELLIPSIS}`;
}

/** The newest Warning/Unhealthy event of a pod's Events, or undefined when there is none. */
export function probeFailureOf(events: Manifest[]): ProbeFailure | undefined {
  let newest: Manifest | undefined;
  for (const event of events) {
    if (event.type !== 'Warning' || event.reason !== REASON_UNHEALTHY || typeof event.message !== 'string' || !event.message.trim()) continue;
    if (!newest || lastSeenMs(event) >= lastSeenMs(newest)) newest = event;
  }
  if (!newest) return undefined;
  const failure: ProbeFailure = { message: boundedMessage(newest.message) };
  const container = FIELD_PATH_CONTAINER.exec(String(newest.involvedObject?.fieldPath ?? ''))?.[1];
  if (container) failure.container = container;
  return failure;
}
