/**
 * What a simulated container writes to its log, derived from how its status changed in
 * one kubelet sync. The sandbox runs no processes, so each container instance "writes" a
 * line per state change, always in these words:
 *
 *   started container web from image nginx:1.27
 *   container web is ready                        (no readiness probe)
 *   readiness probe succeeded; container web is ready
 *   Readiness probe failed: ...                   (each Unhealthy event, as the event says)
 *   received SIGTERM, shutting down               (the pod is deleted)
 *   exited with code 1 (Error)                    (the instance stopped; its log ends)
 *
 * A restarted container starts a new log (its new container ID); the one before stays
 * readable with `previous=true`.
 */
import type { ContainerStatus } from './pod-status.ts';

/** A line for the log of one container instance; `end` closes that log after the line. */
export type OutputLine = { containerId: string; text: string; end?: boolean };

export const SIGTERM_LINE = 'received SIGTERM, shutting down';

/**
 * The lines one container wrote between two of its statuses: a start (per new container
 * ID), readiness, `probeFailures` (messages of Unhealthy events of this sync) and exits.
 */
export function containerOutput(container: Record<string, any>, before: ContainerStatus | undefined, after: ContainerStatus, probeFailures: string[] = []): OutputLine[] {
  const out: OutputLine[] = [];
  const startedBefore = new Set(ranIds(before));
  const exitedBefore = new Set(exitedIds(before));
  const current = after.state.running || after.state.terminated ? after.containerID : undefined;
  const previous = after.lastState.terminated;
  // An instance that started and stopped within this sync (an immediate restart).
  if (previous?.containerID && previous.containerID !== current) {
    if (!startedBefore.has(previous.containerID)) out.push({ containerId: previous.containerID, text: started(container) });
    if (!exitedBefore.has(previous.containerID)) out.push({ containerId: previous.containerID, text: exited(previous.exitCode, previous.reason), end: true });
  }
  if (!current) return out;
  if (!startedBefore.has(current)) out.push({ containerId: current, text: started(container) });
  for (const failure of probeFailures) out.push({ containerId: current, text: failure });
  const wasReady = before?.ready && before.containerID === current;
  if (after.ready && after.state.running && !wasReady) out.push({ containerId: current, text: ready(container) });
  const terminated = after.state.terminated;
  if (terminated && !exitedBefore.has(current)) out.push({ containerId: current, text: exited(terminated.exitCode, terminated.reason), end: true });
  return out;
}

function started(container: Record<string, any>): string {
  return `started container ${container.name} from image ${container.image}`;
}

function ready(container: Record<string, any>): string {
  return container.readinessProbe ? `readiness probe succeeded; container ${container.name} is ready` : `container ${container.name} is ready`;
}

function exited(code: number, reason: string): string {
  return `exited with code ${code} (${reason})`;
}

/** Container IDs of instances that had started by this status. */
function ranIds(st: ContainerStatus | undefined): string[] {
  if (!st) return [];
  const ids = [st.lastState.terminated?.containerID];
  if (st.state.running || st.state.terminated) ids.push(st.containerID);
  return ids.filter((id): id is string => !!id);
}

/** Container IDs of instances that had stopped by this status. */
function exitedIds(st: ContainerStatus | undefined): string[] {
  if (!st) return [];
  return [st.lastState.terminated?.containerID, st.state.terminated?.containerID ?? (st.state.terminated ? st.containerID : undefined)].filter((id): id is string => !!id);
}
