/**
 * What the sandbox's simulated containers "write" to stdout, kept the way a kubelet keeps
 * container logs: per container instance (container ID), the current and the previous
 * instance of each container only, bounded in lines, gone when the pod is deleted. The
 * kubelet controller writes the lines (see kubelet.ts, "What a container writes"); the
 * pods/log endpoint (http/pod-logs.ts) reads and follows them.
 *
 * Logs live in memory: after a restart with --data, earlier lines are gone, as if the
 * node had rotated its log files.
 */

/** One line as the container wrote it, with the time the runtime recorded it (ms). */
export type LogLine = { time: number; text: string };

/** Lines kept per container instance; older ones are dropped, as log rotation would. */
export const MAX_LINES_PER_CONTAINER = 1_000;
/** A container's instances kept per pod: the current one and the previous (`--previous`). */
const INSTANCES_PER_CONTAINER = 2;

type Follower = { onLine: (line: LogLine) => void; onEnd: () => void };
type ContainerLog = { name: string; lines: LogLine[]; ended: boolean; followers: Set<Follower> };

export class ContainerLogs {
  /** pod UID → container ID → log, in the order the instances started. */
  private readonly pods = new Map<string, Map<string, ContainerLog>>();

  /** Appends a line to a container instance's log, starting the log if it is new. */
  write(podUid: string, containerName: string, containerId: string, line: LogLine): void {
    const log = this.open(podUid, containerName, containerId);
    if (log.ended) return;
    log.lines.push(line);
    if (log.lines.length > MAX_LINES_PER_CONTAINER) log.lines.splice(0, log.lines.length - MAX_LINES_PER_CONTAINER);
    for (const f of log.followers) f.onLine(line);
  }

  /** The container instance stopped: nothing more is written and followers are released. */
  end(podUid: string, containerId: string): void {
    const log = this.pods.get(podUid)?.get(containerId);
    if (!log || log.ended) return;
    log.ended = true;
    for (const f of log.followers) f.onEnd();
    log.followers.clear();
  }

  /** The pod is gone: its logs are dropped and every follower's stream ends. */
  forget(podUid: string): void {
    const logs = this.pods.get(podUid);
    if (!logs) return;
    this.pods.delete(podUid);
    for (const log of logs.values()) {
      for (const f of log.followers) f.onEnd();
      log.followers.clear();
    }
  }

  /** The lines of one container instance so far (a copy), or undefined if it wrote none. */
  read(podUid: string, containerId: string): LogLine[] | undefined {
    return this.pods.get(podUid)?.get(containerId)?.lines.slice();
  }

  /**
   * The lines so far, and from then on every new line until the instance ends, the pod is
   * deleted or the returned `stop` is called. `ended` is true when nothing more will come.
   */
  follow(podUid: string, containerName: string, containerId: string, onLine: (line: LogLine) => void, onEnd: () => void): { lines: LogLine[]; ended: boolean; stop: () => void } {
    const log = this.open(podUid, containerName, containerId);
    const lines = log.lines.slice();
    if (log.ended) return { lines, ended: true, stop: () => {} };
    const follower: Follower = { onLine, onEnd };
    log.followers.add(follower);
    return { lines, ended: false, stop: () => log.followers.delete(follower) };
  }

  /** Container instances with a log, for tests and bounds checks. */
  instances(podUid: string): string[] {
    return [...(this.pods.get(podUid)?.keys() ?? [])];
  }

  private open(podUid: string, containerName: string, containerId: string): ContainerLog {
    let logs = this.pods.get(podUid);
    if (!logs) this.pods.set(podUid, (logs = new Map()));
    let log = logs.get(containerId);
    if (log) return log;
    log = { name: containerName, lines: [], ended: false, followers: new Set() };
    logs.set(containerId, log);
    // Older instances of the same container beyond the previous one are removed, as the
    // kubelet garbage-collects dead containers and their logs.
    const same = [...logs.entries()].filter(([, l]) => l.name === containerName);
    for (const [id, old] of same.slice(0, Math.max(0, same.length - INSTANCES_PER_CONTAINER))) {
      for (const f of old.followers) f.onEnd();
      logs.delete(id);
    }
    return log;
  }
}
