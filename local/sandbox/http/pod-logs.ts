/**
 * GET /api/v1/namespaces/{ns}/pods/{name}/log: the simulated containers' output (what
 * controllers/container-output.ts says they write), with the options of PodLogOptions
 * that kubectl logs sends: container, follow, previous, timestamps, tailLines,
 * sinceSeconds, sinceTime and limitBytes. Errors are worded as kube-apiserver
 * (pkg/registry/core/pod/strategy.go LogLocation) and the kubelet
 * (pkg/kubelet/kubelet_pods.go validateContainerLogStatus) word them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from '../cluster.ts';
import type { ContainerLogs, LogLine } from '../controllers/container-logs.ts';
import { badRequest, invalid } from '../errors.ts';
import type { KubeObject, ResourceType } from '../types.ts';

/** What the endpoint needs: the pods, the logs and the clock `sinceSeconds` counts from. */
export type PodLogsDeps = { cluster: Cluster; logs: ContainerLogs; now?: () => number };

/** PodLogOptions as parsed from the query. */
export type PodLogOptions = {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: number;
  limitBytes?: number;
};

type Status = { name: string; state: Record<string, any>; lastState: Record<string, any>; containerID?: string };

export function isPodLogs(rt: ResourceType, subresource: string | undefined): boolean {
  return rt.group === '' && rt.plural === 'pods' && subresource === 'log';
}

export function servePodLogs(deps: PodLogsDeps, req: IncomingMessage, res: ServerResponse, rt: ResourceType, namespace: string | undefined, name: string, query: URLSearchParams): void {
  const options = parseLogOptions(name, query);
  const pod = deps.cluster.get(rt, namespace, name);
  const container = resolveContainer(pod, options.container);
  // As kube-apiserver: a pod on no node yet has no log location, and answers empty.
  if (!pod.spec?.nodeName) return sendText(res, '');
  const containerId = logContainerId(pod, container, options.previous);
  const now = (deps.now ?? Date.now)();
  const select = (lines: LogLine[]) => selectLines(lines, options, now);
  const format = (line: LogLine) => (options.timestamps ? `${formatLogTime(line.time)} ${line.text}\n` : `${line.text}\n`);

  if (!options.follow) {
    return sendText(
      res,
      limit(
        select(deps.logs.read(pod.metadata.uid!, containerId) ?? [])
          .map(format)
          .join(''),
        options.limitBytes,
      ),
    );
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  let budget = options.limitBytes ?? Infinity;
  let stop = () => {};
  const write = (line: LogLine): void => {
    if (budget <= 0) return;
    const text = limit(format(line), budget);
    budget -= Buffer.byteLength(text);
    res.write(text);
    if (budget <= 0) finish();
  };
  const finish = (): void => {
    stop();
    if (!res.writableEnded) res.end();
  };
  const followed = deps.logs.follow(pod.metadata.uid!, container, containerId, write, finish);
  stop = followed.stop;
  for (const line of select(followed.lines)) write(line);
  if (followed.ended) return finish();
  req.on('close', finish);
  res.on('close', finish);
}

function parseLogOptions(name: string, query: URLSearchParams): PodLogOptions {
  const causes: { field: string; message: string; reason?: string }[] = [];
  const options: PodLogOptions = {
    container: query.get('container') || undefined,
    follow: flag(query, 'follow'),
    previous: flag(query, 'previous'),
    timestamps: flag(query, 'timestamps'),
    tailLines: integer(query, 'tailLines'),
    sinceSeconds: integer(query, 'sinceSeconds'),
    limitBytes: integer(query, 'limitBytes'),
  };
  const sinceTime = query.get('sinceTime');
  if (sinceTime) {
    options.sinceTime = Date.parse(sinceTime);
    if (Number.isNaN(options.sinceTime)) throw badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceTime}" as "2006"`);
  }
  if (options.tailLines !== undefined && options.tailLines < 0) causes.push({ field: 'tailLines', message: `Invalid value: ${options.tailLines}: must be greater than or equal to 0` });
  if (options.limitBytes !== undefined && options.limitBytes < 1) causes.push({ field: 'limitBytes', message: `Invalid value: ${options.limitBytes}: must be greater than 0` });
  if (options.sinceSeconds !== undefined && options.sinceTime !== undefined) {
    causes.push({ field: '', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified', reason: 'FieldValueForbidden' });
  } else if (options.sinceSeconds !== undefined && options.sinceSeconds < 1) {
    causes.push({ field: 'sinceSeconds', message: `Invalid value: ${options.sinceSeconds}: must be greater than 0` });
  }
  if (causes.length) throw invalid('PodLogOptions', '', name, causes);
  return options;
}

function flag(query: URLSearchParams, key: string): boolean {
  const value = query.get(key);
  return value === 'true' || value === '1';
}

function integer(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
  return Number(raw);
}

/** kube-apiserver's validateContainer: the named container, or the only one. */
function resolveContainer(pod: KubeObject, requested: string | undefined): string {
  const names = (list: any[] | undefined): string[] => (list ?? []).map((c) => c.name);
  const containers = names(pod.spec?.containers);
  const inits = names(pod.spec?.initContainers);
  const podName = pod.metadata.name;
  if (requested) {
    if (![...containers, ...inits, ...names(pod.spec?.ephemeralContainers)].includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
    return requested;
  }
  if (containers.length === 1) return containers[0]!;
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${podName}`);
  const initChoice = inits.length ? ` or one of the init containers: [${inits.join(' ')}]` : '';
  throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]${initChoice}`);
}

/** The kubelet's validateContainerLogStatus: which container instance's log to read. */
function logContainerId(pod: KubeObject, container: string, previous: boolean): string {
  const podName = pod.metadata.name;
  const all: Status[] = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.ephemeralContainerStatuses ?? [])];
  const st = all.find((s) => s.name === container);
  if (!st) throw badRequest(`container "${container}" in pod "${podName}" is not available`);
  const last = st.lastState?.terminated;
  const { waiting, running, terminated } = st.state ?? {};
  if (previous) {
    if (!last?.containerID) throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found`);
    return last.containerID;
  }
  if (running && st.containerID) return st.containerID;
  if (terminated) {
    const id = terminated.containerID ?? last?.containerID;
    if (!id) throw badRequest(`container "${container}" in pod "${podName}" is terminated`);
    return id;
  }
  if (last) {
    if (!last.containerID) throw badRequest(`container "${container}" in pod "${podName}" is terminated`);
    return last.containerID;
  }
  if (waiting) {
    if (waiting.reason === 'ErrImagePull') throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: image can't be pulled`);
    if (waiting.reason === 'ImagePullBackOff') throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
    throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${waiting.reason}`);
  }
  throw badRequest(`container "${container}" in pod "${podName}" is waiting to start - no logs yet`);
}

/** sinceSeconds/sinceTime, then tailLines, as the kubelet applies them. */
export function selectLines(lines: LogLine[], options: PodLogOptions, now: number): LogLine[] {
  const since = options.sinceSeconds !== undefined ? now - options.sinceSeconds * 1000 : options.sinceTime;
  const recent = since === undefined ? lines : lines.filter((l) => l.time >= since);
  return options.tailLines === undefined ? recent : options.tailLines === 0 ? [] : recent.slice(-options.tailLines);
}

/** The container runtime's timestamp: RFC 3339 with nine fractional digits (RFC3339NanoFixed). */
export function formatLogTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function limit(text: string, bytes: number | undefined): string {
  if (bytes === undefined || Buffer.byteLength(text) <= bytes) return text;
  return Buffer.from(text).subarray(0, bytes).toString('utf8');
}

function sendText(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
