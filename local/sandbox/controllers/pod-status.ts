/**
 * Pod status as the kubelet computes it from container states: phase (kubelet getPhase),
 * the five pod conditions in the kubelet's order, QoS class, and container status records.
 */
import type { KubeObject } from '../types.ts';
import { imageID, normalizeImage, sha256 } from './pod-conventions.ts';
import { type Condition, upsertCondition } from './util.ts';

export type ContainerState = { waiting?: { reason: string; message?: string }; running?: { startedAt: string }; terminated?: Terminated };
export type Terminated = { exitCode: number; reason: string; message?: string; startedAt?: string; finishedAt: string; containerID?: string };
export type ContainerStatus = {
  name: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
};

export function containerIDFor(pod: KubeObject, name: string, restartCount: number): string {
  return `containerd://${sha256(`${pod.metadata.uid}/${name}/${restartCount}`)}`;
}

export function waitingStatus(container: Record<string, any>, reason: string, previous?: ContainerStatus, message?: string): ContainerStatus {
  return {
    name: container.name,
    state: { waiting: { reason, ...(message ? { message } : {}) } },
    lastState: previous?.lastState ?? {},
    ready: false,
    restartCount: previous?.restartCount ?? 0,
    image: normalizeImage(container.image ?? ''),
    imageID: previous?.imageID ?? '',
    ...(previous?.containerID ? { containerID: previous.containerID } : {}),
    started: false,
  };
}

export function runningStatus(pod: KubeObject, container: Record<string, any>, restartCount: number, lastState: ContainerState, startedAt: string): ContainerStatus {
  return {
    name: container.name,
    state: { running: { startedAt } },
    lastState,
    ready: false,
    restartCount,
    image: normalizeImage(container.image ?? ''),
    imageID: imageID(container.image ?? ''),
    containerID: containerIDFor(pod, container.name, restartCount),
    started: true,
  };
}

export function terminatedStatus(previous: ContainerStatus, exitCode: number, finishedAt: string, ready: boolean): ContainerStatus {
  return {
    ...previous,
    state: {
      terminated: {
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt: previous.state.running?.startedAt,
        finishedAt,
        ...(previous.containerID ? { containerID: previous.containerID } : {}),
      },
    },
    ready,
    started: false,
  };
}

/** An init container that no longer blocks: completed, or a running sidecar (restartPolicy Always). */
export function initDone(container: Record<string, any>, status: ContainerStatus | undefined): boolean {
  if (!status) return false;
  if (container.restartPolicy === 'Always') return !!status.started;
  return status.state.terminated?.exitCode === 0;
}

/** kubelet getPhase. */
export function podPhase(pod: KubeObject, inits: ContainerStatus[], containers: ContainerStatus[]): string {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const initSpecs: Record<string, any>[] = pod.spec?.initContainers ?? [];
  let pendingInit = 0;
  let failedInit = 0;
  initSpecs.forEach((spec, i) => {
    const s = inits[i];
    if (spec.restartPolicy === 'Always') {
      if (!s?.started) pendingInit++;
      return;
    }
    if (!s) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting && s.lastState.terminated && s.lastState.terminated.exitCode !== 0) failedInit++;
    else pendingInit++;
  });
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if (pendingInit > 0 || failedInit > 0) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of containers) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** The pod conditions in kubelet order, keeping transition times of unchanged ones. */
export function podConditions(pod: KubeObject, phase: string, inits: ContainerStatus[], containers: ContainerStatus[], time: string): Condition[] {
  const initSpecs: Record<string, any>[] = pod.spec?.initContainers ?? [];
  const incompleteInit = initSpecs.filter((c, i) => !initDone(c, inits[i])).map((c) => c.name as string);
  const unready = containers.filter((s) => !s.ready).map((s) => s.name);
  const completed = phase === 'Succeeded' || phase === 'Failed';
  const make = (type: string, ok: boolean, reason: string, message: string): Condition =>
    ok ? { type, status: 'True', lastProbeTime: null, lastTransitionTime: time } : { type, status: 'False', lastProbeTime: null, lastTransitionTime: time, reason, message };
  let conditions: Condition[] = (pod.status?.conditions ?? []).filter((c: Condition) => c.type === 'PodScheduled');
  const ordered: Condition[] = [
    make('PodReadyToStartContainers', !completed, '', ''),
    make('Initialized', incompleteInit.length === 0, 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`),
    completed ? make('Ready', false, 'PodCompleted', '') : make('Ready', unready.length === 0, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`),
    completed ? make('ContainersReady', false, 'PodCompleted', '') : make('ContainersReady', unready.length === 0, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`),
  ];
  for (const c of ordered) {
    if (c.type === 'PodReadyToStartContainers' || c.reason === 'PodCompleted') {
      delete c.reason;
      delete c.message;
    }
    if (c.type === 'Ready' && completed) c.reason = 'PodCompleted';
    if (c.type === 'ContainersReady' && completed) c.reason = 'PodCompleted';
  }
  const previous: Condition[] = pod.status?.conditions ?? [];
  const merged = ordered.map((c) => upsertCondition(previous, c).find((x) => x.type === c.type)!);
  conditions = [...merged, ...conditions];
  if (!conditions.some((c) => c.type === 'PodScheduled')) conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: time });
  return conditions;
}

export function qosClass(pod: KubeObject): string {
  const containers: Record<string, any>[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (Object.keys(requests).length || Object.keys(limits).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const limit = limits[r];
      const request = requests[r] ?? limit;
      if (limit === undefined || String(request) !== String(limit)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
