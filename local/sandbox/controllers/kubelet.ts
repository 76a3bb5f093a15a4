/**
 * Pod lifecycle: the simulated kube-scheduler (binding to a node) and kubelet (image pull,
 * container start, readiness, exits, restarts with back-off), producing the pod status
 * fields, conditions and Events a real node produces, in the same order.
 *
 * Failure conventions, driven by the pod spec alone:
 * - Image that cannot be pulled: tag `does-not-exist`, or a registry host ending in
 *   `.invalid` (`registry.invalid/app:1`). The container waits with `ErrImagePull`, then
 *   `ImagePullBackOff`, alternating with growing back-off; the pod never becomes Ready.
 * - Readiness probe that never passes: `readinessProbe.exec.command` running an executable
 *   the image does not have (the rule in probes.ts: `httpd-ready-check` fails, `pg_isready`
 *   in a postgres image passes), or `false`//bin/false (or `sh -c '... exit N'`, N≠0). The
 *   pod runs but never becomes Ready; Unhealthy events repeat (coalesced). Readiness also
 *   waits for the probe's initialDelaySeconds (x `timings.probeSecondMs`).
 * - Liveness probe that fails (same rule): after initialDelaySeconds + periodSeconds x
 *   (failureThreshold - 1) probe-seconds the container is killed (exit 137, event Killing)
 *   and restarted as its restartPolicy says.
 * - Exiting container: a command/args ending in `exit N` through `sh -c` (or bash), or the
 *   command `false`//bin/false (exit 1) / `true` (exit 0), terminates after
 *   `containerRunMs`. With restartPolicy Always (or OnFailure and N≠0) it restarts:
 *   first at once, then through `CrashLoopBackOff` with restartCount increasing.
 * - Pods with restartPolicy Never/OnFailure (job pods) and init containers run to
 *   completion: they exit 0 after `containerRunMs` unless their command exits otherwise.
 *   Never + non-zero exit → phase Failed; all zero → phase Succeeded.
 * - Ready delay: annotation `sandbox.conveyor.dev/ready-after-ms` on the pod (template),
 *   else `timings.imageReadyAfterMs[image]`, else `timings.readyAfterMs`.
 * - Anything else runs forever and is Ready after the ready delay.
 *
 * What a container writes: a line per state change into `deps.containerLogs`, worded as
 * container-output.ts lists ("started container web from image nginx:1.27", probe
 * outcomes, "exited with code 1 (Error)"), for `kubectl logs`.
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import { containerOutput, SIGTERM_LINE } from './container-output.ts';
import type { Context, Controller } from './context.ts';
import { MANAGER } from './context.ts';
import { CidrAllocator, nodePodCidr } from './ipam.ts';
import { NODE_NAMES, nodeAddress } from './nodes.ts';
import { exitCodeOf, imageSize, isUnpullable, normalizeImage, pullErrorMessage, readyAfterMs } from './pod-conventions.ts';
import { type ContainerStatus, initDone, podConditions, podPhase, qosClass, runningStatus, terminatedStatus, waitingStatus } from './pod-status.ts';
import { livenessKillDelayMs, probeFailure, readinessDelayMs } from './probes.ts';
import { nodeMatches, unschedulableMessage } from './scheduler.ts';
import { backOff } from './timings.ts';
import { canonicalJson, formatTime, isPodTerminal, keyOf, splitKey, upsertCondition } from './util.ts';

type ContainerRuntime = { since: number; attempts: number; unhealthyAt?: number };
type PodRuntime = { uid: string; firstSeen: number; containers: Map<string, ContainerRuntime>; unschedulable?: boolean };
type PendingEvent = { type: 'Normal' | 'Warning'; reason: string; message: string; fieldPath?: string; component?: string };
type Advance = { st: ContainerStatus; due: number };

/** 128 + SIGKILL: how a container killed after failing its liveness probe exits. */
const LIVENESS_KILL_EXIT_CODE = 137;
/** Enough rounds for every container of a pod to take its immediate transitions. */
const MAX_ROUNDS = 32;

export class PodLifecycle implements Controller {
  readonly name = 'kubelet';
  readonly watches: string[];
  private readonly podType: ResourceType;
  private readonly nodeType: ResourceType | undefined;
  private readonly podKey: string;
  private readonly runtimes = new Map<string, PodRuntime>();
  private readonly allocators = new Map<string, CidrAllocator>();
  /** node + image pairs already pulled ("Container image ... already present on machine"). */
  private readonly images = new Set<string>();
  private nextNode = 0;

  constructor(private readonly ctx: Context) {
    this.podType = ctx.type('', 'Pod')!;
    this.nodeType = ctx.type('', 'Node');
    this.podKey = ctx.key('', 'Pod')!;
    this.watches = [this.podKey];
  }

  start(): void {
    for (const pod of this.ctx.cluster.store.list(this.podKey)) {
      if (pod.status?.podIP && pod.spec?.nodeName && !pod.spec.hostNetwork) this.allocator(pod.spec.nodeName).reserve(pod.status.podIP);
      if (!isPodTerminal(pod)) this.ctx.queue.add(this, keyOf(pod));
    }
  }

  onEvent(event: StoreEvent): void {
    const key = keyOf(event.object);
    if (event.type !== 'DELETED') return this.ctx.queue.add(this, key);
    this.runtimes.delete(key);
    this.stopLogs(event.object);
    const { podIP } = event.object.status ?? {};
    if (podIP && event.object.spec?.nodeName && !event.object.spec.hostNetwork) this.allocator(event.object.spec.nodeName).release(podIP);
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const pod = this.ctx.cluster.tryGet(this.podType, namespace, name);
    if (!pod) return;
    if (isPodTerminal(pod)) {
      this.runtimes.delete(key);
      return;
    }
    let runtime = this.runtimes.get(key);
    if (!runtime || runtime.uid !== pod.metadata.uid) {
      runtime = { uid: pod.metadata.uid!, firstSeen: this.ctx.now(), containers: new Map() };
      this.runtimes.set(key, runtime);
    }
    if (!pod.spec?.nodeName) {
      if (!pod.metadata.deletionTimestamp) this.schedule(pod, runtime);
      return;
    }
    if (pod.metadata.deletionTimestamp) return this.terminate(pod);
    this.step(pod, runtime);
  }

  // --- scheduler -------------------------------------------------------------------------

  private schedule(pod: KubeObject, runtime: PodRuntime): void {
    const now = this.ctx.now();
    const due = runtime.firstSeen + this.ctx.timings.scheduleMs;
    if (now < due) return this.ctx.queue.after(this, keyOf(pod), due - now);
    if ((pod.spec?.schedulingGates ?? []).length > 0) return;
    const nodes = this.nodeType ? this.ctx.cluster.list(this.nodeType, undefined).items : [];
    const eligible = nodes.filter((n) => nodeMatches(pod, n));
    const time = formatTime(now);
    if (eligible.length === 0) {
      if (runtime.unschedulable) return;
      runtime.unschedulable = true;
      const message = unschedulableMessage(nodes.length);
      const conditions = upsertCondition(pod.status?.conditions ?? [], { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: time, reason: 'Unschedulable', message });
      this.ctx.writeStatus(this.podType, pod, { ...(pod.status ?? {}), phase: 'Pending', conditions }, MANAGER.scheduler);
      this.ctx.events.record(pod, 'Warning', 'FailedScheduling', message, { component: 'default-scheduler' });
      return;
    }
    const node = eligible[this.nextNode++ % eligible.length]!;
    const bound = this.ctx.writeObject(this.podType, { ...pod, spec: { ...pod.spec, nodeName: node.metadata.name } }, MANAGER.scheduler);
    if (!bound) return;
    const conditions = upsertCondition(bound.status?.conditions ?? [], { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: time });
    this.ctx.writeStatus(this.podType, bound, { ...(bound.status ?? {}), phase: 'Pending', conditions }, MANAGER.scheduler);
    this.ctx.events.record(bound, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.metadata.name}`, { component: 'default-scheduler' });
  }

  // --- kubelet ---------------------------------------------------------------------------

  private step(pod: KubeObject, runtime: PodRuntime): void {
    const now = this.ctx.now();
    const time = formatTime(now);
    const nodeName: string = pod.spec.nodeName;
    const node = this.nodeType && this.ctx.cluster.tryGet(this.nodeType, undefined, nodeName);
    if (!node) return;
    const events: PendingEvent[] = [];
    const inits: Record<string, any>[] = pod.spec.initContainers ?? [];
    const mains: Record<string, any>[] = pod.spec.containers ?? [];
    const status = pod.status ?? {};
    const byName = (list: ContainerStatus[] | undefined, name: string) => list?.find((s) => s.name === name);
    let initSt: ContainerStatus[] = inits.map((c) => byName(status.initContainerStatuses, c.name) ?? waitingStatus(c, 'PodInitializing'));
    let mainSt: ContainerStatus[] = mains.map((c) => byName(status.containerStatuses, c.name) ?? waitingStatus(c, inits.length ? 'PodInitializing' : 'ContainerCreating'));
    const hostIP = nodeAddress(node);
    const podIP: string | undefined = status.podIP ?? (pod.spec.hostNetwork ? hostIP : this.allocator(nodeName).allocate());

    let due = Infinity;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let changed = false;
      due = Infinity;
      let initsComplete = true;
      initSt = initSt.map((st, i) => {
        if (!initsComplete) return st;
        const c = inits[i]!;
        const sidecar = c.restartPolicy === 'Always';
        if (initDone(c, st) && !sidecar) return st;
        const r = this.advanceEntered(pod, node, c, st, true, runtime, now, events);
        if (r.st !== st) changed = true;
        due = Math.min(due, r.due);
        if (!initDone(c, r.st)) initsComplete = false;
        return r.st;
      });
      if (initsComplete) {
        mainSt = mainSt.map((st, i) => {
          const c = mains[i]!;
          const entering = st.state.waiting?.reason === 'PodInitializing' ? waitingStatus(c, 'ContainerCreating', st) : st;
          const r = this.advanceEntered(pod, node, c, entering, false, runtime, now, events);
          if (r.st !== st) changed = true;
          due = Math.min(due, r.due);
          return r.st;
        });
      }
      if (!changed) break;
    }

    const phase = podPhase(pod, initSt, mainSt);
    const next: Record<string, unknown> = {
      phase,
      conditions: podConditions(pod, phase, initSt, mainSt, time),
      hostIP,
      hostIPs: [{ ip: hostIP }],
      ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
      startTime: status.startTime ?? time,
      ...(inits.length ? { initContainerStatuses: initSt } : {}),
      containerStatuses: mainSt,
      qosClass: status.qosClass ?? qosClass(pod),
    };
    if (canonicalJson(next) !== canonicalJson(status)) {
      if (!this.ctx.writeStatus(this.podType, pod, next, MANAGER.kubelet)) return;
    }
    // Also without a status change: a failing probe writes its message each time it fails.
    this.writeLogs(pod, status, [...inits, ...mains], [...initSt, ...mainSt], events, now);
    for (const e of events) this.ctx.events.record(pod, e.type, e.reason, e.message, { component: e.component ?? 'kubelet', host: nodeName, fieldPath: e.fieldPath });
    if (phase === 'Succeeded' || phase === 'Failed') this.runtimes.delete(keyOf(pod));
    else if (due < Infinity) this.ctx.queue.after(this, keyOf(pod), Math.max(1, due - now));
  }

  /** Makes sure the container has a runtime record (entering it emits Pulling), then advances it. */
  private advanceEntered(pod: KubeObject, node: KubeObject, c: Record<string, any>, st: ContainerStatus, isInit: boolean, runtime: PodRuntime, now: number, events: PendingEvent[]): Advance {
    const id = `${isInit ? 'init:' : ''}${c.name}`;
    const fieldPath = `spec.${isInit ? 'initContainers' : 'containers'}{${c.name}}`;
    let cr = runtime.containers.get(id);
    if (!cr) {
      cr = { since: now, attempts: 0 };
      runtime.containers.set(id, cr);
      if ((st.state.waiting?.reason === 'ContainerCreating' || st.state.waiting?.reason === 'PodInitializing') && !this.cached(node, c)) {
        events.push({ type: 'Normal', reason: 'Pulling', message: `Pulling image "${c.image}"`, fieldPath });
      }
    }
    return this.advance(pod, node, c, st, isInit, cr, now, events, fieldPath);
  }

  private advance(
    pod: KubeObject,
    node: KubeObject,
    c: Record<string, any>,
    st: ContainerStatus,
    isInit: boolean,
    cr: ContainerRuntime,
    now: number,
    events: PendingEvent[],
    fieldPath: string,
  ): Advance {
    const T = this.ctx.timings;
    const time = formatTime(now);
    const policy: string = pod.spec.restartPolicy ?? 'Always';
    const sidecar = isInit && c.restartPolicy === 'Always';
    const emit = (type: PendingEvent['type'], reason: string, message: string) => events.push({ type, reason, message, fieldPath });
    const started = (cached: boolean, pullMs: number) => {
      if (cached) emit('Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
      else emit('Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${pullMs}ms (${pullMs}ms including waiting). Image size: ${imageSize(c.image ?? '')} bytes.`);
      emit('Normal', 'Created', `Created container: ${c.name}`);
      emit('Normal', 'Started', `Started container ${c.name}`);
      cr.since = now;
    };
    const pullFailed = (): Advance => {
      emit('Warning', 'Failed', `Failed to pull image "${c.image}": ${pullErrorMessage(c.image ?? '')}`);
      emit('Warning', 'Failed', 'Error: ErrImagePull');
      cr.since = now;
      return { st: waitingStatus(c, 'ErrImagePull', st, pullErrorMessage(c.image ?? '')), due: now + backOff(T.imagePullBackOffMs, T.imagePullBackOffMaxMs, cr.attempts) };
    };
    const waiting = st.state.waiting?.reason;
    if (waiting === 'ContainerCreating' || waiting === 'PodInitializing') {
      const cached = this.cached(node, c);
      const at = cr.since + (cached ? 0 : T.imagePullMs) + T.containerStartMs;
      if (now < at) return { st, due: at };
      if (isUnpullable(c.image)) return pullFailed();
      this.images.add(`${node.metadata.name}|${normalizeImage(c.image ?? '')}`);
      started(cached, T.imagePullMs);
      return { st: runningStatus(pod, c, st.restartCount, st.lastState, time), due: now };
    }
    if (waiting === 'ErrImagePull') {
      const at = cr.since + backOff(T.imagePullBackOffMs, T.imagePullBackOffMaxMs, cr.attempts);
      if (now < at) return { st, due: at };
      emit('Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
      emit('Warning', 'Failed', 'Error: ImagePullBackOff');
      cr.since = now;
      return { st: waitingStatus(c, 'ImagePullBackOff', st, `Back-off pulling image "${c.image}": ErrImagePull: ${pullErrorMessage(c.image ?? '')}`), due: now };
    }
    if (waiting === 'ImagePullBackOff') {
      const at = cr.since + backOff(T.imagePullBackOffMs, T.imagePullBackOffMaxMs, cr.attempts) + T.imagePullMs;
      if (now < at) return { st, due: at };
      cr.attempts++;
      emit('Normal', 'Pulling', `Pulling image "${c.image}"`);
      return pullFailed();
    }
    if (waiting === 'CrashLoopBackOff') {
      const at = cr.since + backOff(T.crashLoopBackOffMs, T.crashLoopBackOffMaxMs, st.restartCount - 1);
      if (now < at) return { st, due: at };
      started(true, 0);
      return { st: runningStatus(pod, c, st.restartCount + 1, st.lastState, time), due: now };
    }
    if (st.state.running) {
      let due = Infinity;
      const code = exitCodeOf(c, isInit ? !sidecar : policy !== 'Always');
      if (code !== undefined) {
        const at = cr.since + T.containerRunMs;
        if (now >= at) {
          cr.since = now;
          return { st: terminatedStatus(st, code, time, isInit && !sidecar && code === 0), due: now };
        }
        due = at;
      }
      const liveness = !isInit || sidecar ? probeFailure(c, 'Liveness') : undefined;
      if (liveness !== undefined) {
        const killAt = cr.since + livenessKillDelayMs(c, T);
        if (now >= killAt) {
          emit('Warning', 'Unhealthy', liveness);
          emit('Normal', 'Killing', `Container ${c.name} failed liveness probe, will be restarted`);
          cr.since = now;
          return { st: terminatedStatus(st, LIVENESS_KILL_EXIT_CODE, time, false), due: now };
        }
        due = Math.min(due, killAt);
      }
      if ((!isInit || sidecar) && !st.ready) {
        const readyAt = cr.since + readinessDelayMs(c, readyAfterMs(pod, c, T), T);
        const failure = probeFailure(c, 'Readiness');
        if (failure === undefined) {
          if (now >= readyAt) return { st: { ...st, ready: true }, due };
          due = Math.min(due, readyAt);
        } else {
          const at = cr.unhealthyAt ?? readyAt;
          if (now >= at) {
            emit('Warning', 'Unhealthy', failure);
            cr.unhealthyAt = now + T.unhealthyEventIntervalMs;
          }
          due = Math.min(due, cr.unhealthyAt ?? at);
        }
      }
      return { st, due };
    }
    const terminated = st.state.terminated;
    if (terminated) {
      const code = terminated.exitCode;
      const restart = isInit ? sidecar || (code !== 0 && policy !== 'Never') : policy === 'Always' || (policy === 'OnFailure' && code !== 0);
      if (!restart) return { st, due: Infinity };
      const at = cr.since + T.containerStartMs;
      if (now < at) return { st, due: at };
      const lastState = { terminated };
      if (st.restartCount === 0) {
        started(true, 0);
        return { st: runningStatus(pod, c, 1, lastState, time), due: now };
      }
      cr.since = now;
      const who = `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      const seconds = Math.round(backOff(T.crashLoopBackOffMs, T.crashLoopBackOffMaxMs, st.restartCount - 1) / 1000);
      emit('Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${who}`);
      return { st: waitingStatus(c, 'CrashLoopBackOff', { ...st, lastState }, `back-off ${seconds}s restarting failed container=${c.name} pod=${who}`), due: now };
    }
    return { st, due: Infinity };
  }

  /** A pod being deleted while finalizers hold it: its containers stop (SIGTERM, exit 0). */
  private terminate(pod: KubeObject): void {
    const time = formatTime(this.ctx.now());
    const stop = (s: ContainerStatus) => (s.state.running ? terminatedStatus(s, 0, time, false) : s);
    const inits = (pod.status?.initContainerStatuses ?? []).map(stop);
    const mains = (pod.status?.containerStatuses ?? []).map(stop);
    const failed = mains.some((s: ContainerStatus) => s.state.terminated?.exitCode !== 0);
    const phase = failed ? 'Failed' : 'Succeeded';
    const written = this.ctx.writeStatus(
      this.podType,
      pod,
      { ...(pod.status ?? {}), phase, conditions: podConditions(pod, phase, inits, mains, time), ...(inits.length ? { initContainerStatuses: inits } : {}), containerStatuses: mains },
      MANAGER.kubelet,
    );
    if (!written) return;
    this.signalLogs(pod);
    this.writeLogs(pod, pod.status ?? {}, [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])], [...inits, ...mains], [], this.ctx.now());
  }

  /** Appends what each container wrote between two statuses (see container-output.ts). */
  private writeLogs(pod: KubeObject, before: Record<string, any>, specs: Record<string, any>[], after: ContainerStatus[], events: PendingEvent[], now: number): void {
    const logs = this.ctx.deps.containerLogs;
    if (!logs) return;
    const previous: ContainerStatus[] = [...(before.initContainerStatuses ?? []), ...(before.containerStatuses ?? [])];
    for (const st of after) {
      const spec = specs.find((c) => c.name === st.name);
      if (!spec) continue;
      const failures = events.filter((e) => e.reason === 'Unhealthy' && e.fieldPath?.endsWith(`{${st.name}}`)).map((e) => e.message);
      for (const line of containerOutput(
        spec,
        previous.find((p) => p.name === st.name),
        st,
        failures,
      )) {
        logs.write(pod.metadata.uid!, st.name, line.containerId, { time: now, text: line.text });
        if (line.end) logs.end(pod.metadata.uid!, line.containerId);
      }
    }
  }

  /** Running containers of a pod being deleted get SIGTERM, and write that they did. */
  private signalLogs(pod: KubeObject): void {
    const logs = this.ctx.deps.containerLogs;
    if (!logs) return;
    const statuses: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const st of statuses) {
      if (st.state.running && st.containerID) logs.write(pod.metadata.uid!, st.name, st.containerID, { time: this.ctx.now(), text: SIGTERM_LINE });
    }
  }

  /** A deleted pod's containers are stopped: they write SIGTERM, then their logs go. */
  private stopLogs(pod: KubeObject): void {
    const logs = this.ctx.deps.containerLogs;
    if (!logs || !pod.metadata.uid) return;
    this.signalLogs(pod);
    logs.forget(pod.metadata.uid);
  }

  private cached(node: KubeObject, c: Record<string, any>): boolean {
    return c.imagePullPolicy !== 'Always' && this.images.has(`${node.metadata.name}|${normalizeImage(c.image ?? '')}`);
  }

  private allocator(nodeName: string): CidrAllocator {
    let allocator = this.allocators.get(nodeName);
    if (!allocator) {
      const node = this.nodeType && this.ctx.cluster.tryGet(this.nodeType, undefined, nodeName);
      const index = NODE_NAMES.indexOf(nodeName as (typeof NODE_NAMES)[number]);
      allocator = new CidrAllocator(node?.spec?.podCIDR ?? nodePodCidr(index < 0 ? NODE_NAMES.length : index));
      // Nodes sharing a CIDR must share the allocator.
      const shared = [...this.allocators.values()].find((a) => a.cidr === allocator!.cidr);
      allocator = shared ?? allocator;
      this.allocators.set(nodeName, allocator);
    }
    return allocator;
  }
}
