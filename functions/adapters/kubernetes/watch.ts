/**
 * Follows objects (and the pods of workloads) for rollout checks. One stream per
 * (apiVersion, kind, namespace[, label selector]): list, then watch from the list's
 * resourceVersion, resuming from the last one seen when a watch ends. When a watch fails, the
 * stream polls (list every `pollIntervalMs`) and tries to watch again after `rewatchAfterMs`,
 * so a cluster whose watches are broken (proxies, faults) still reports progress.
 * Each object version is delivered once, whichever path saw it.
 */
import type { DeployError } from '#domain/errors.ts';
import type { Manifest, ObjectRef } from '#domain/model.ts';
import type { Subscription } from '#domain/ports.ts';
import type { Operation } from './errors.ts';
import { isWorkload, labelSelectorOf } from './selectors.ts';
import type { ObjectList } from './transport.ts';

type Selectors = { labelSelector?: string; fieldSelector?: string };

/** What the watcher needs from the client; a fake in tests. */
export type WatchBackend = {
  list(apiVersion: string, kind: string, namespace: string | undefined, selectors: Selectors): Promise<ObjectList>;
  collectionPath(apiVersion: string, kind: string, namespace: string | undefined): Promise<string>;
  /** client-node's Watch.watch: `done` is called once, with an error or null. */
  openWatch(path: string, query: Record<string, string | number | boolean | undefined>, onEvent: (type: string, object: any) => void, done: (error: unknown) => void): Promise<{ abort(): void }>;
  toError(error: unknown, op: Operation): DeployError;
};

export type WatchTimings = {
  /** Interval of the fallback reads while a watch is broken. */
  pollIntervalMs: number;
  /** How long to poll before trying to watch again. */
  rewatchAfterMs: number;
  /** A watch that ends sooner than this (without an error) counts as broken, to avoid a hot loop. */
  minWatchLifetimeMs: number;
};

export const DEFAULT_WATCH_TIMINGS: WatchTimings = { pollIntervalMs: 500, rewatchAfterMs: 5_000, minWatchLifetimeMs: 1_000 };
/** Server-side watch timeout, jittered like client-go's reflector so watches do not end together. */
const WATCH_TIMEOUT_SECONDS = 240;
const EXPIRED = 410;

type StreamSpec = { apiVersion: string; kind: string; namespace?: string; names?: Set<string>; labelSelector?: string };

type Sink = { deliver(object: Manifest): void; report(error: DeployError): void };

class Stream {
  private resourceVersion = '';
  private controller?: { abort(): void };
  private stopped = false;
  private wake?: () => void;
  private path?: string;

  constructor(
    private readonly spec: StreamSpec,
    private readonly backend: WatchBackend,
    private readonly timings: WatchTimings,
    private readonly sink: Sink,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
  }

  private get op(): Operation {
    const [name] = this.spec.names ?? [];
    return { verb: 'watch', ref: { apiVersion: this.spec.apiVersion, kind: this.spec.kind, name: name ?? '*', ...(this.spec.namespace ? { namespace: this.spec.namespace } : {}) } };
  }

  private get selectors(): Selectors {
    const names = [...(this.spec.names ?? [])];
    return {
      ...(names.length === 1 ? { fieldSelector: `metadata.name=${names[0]}` } : {}),
      ...(this.spec.labelSelector ? { labelSelector: this.spec.labelSelector } : {}),
    };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        const opened = Date.now();
        await this.watchOnce();
        // After a 410 the resourceVersion is cleared and the next turn lists again at once.
        if (!this.stopped && this.resourceVersion && Date.now() - opened < this.timings.minWatchLifetimeMs) throw new Error('the watch closed right after it opened');
      } catch (error) {
        if (this.stopped) return;
        const mapped = this.backend.toError(error, this.op);
        this.sink.report(mapped);
        // A terminal answer (403 on watch) will not change: poll for good, if reads are allowed.
        await this.poll(mapped.terminal ? Infinity : this.timings.rewatchAfterMs);
      }
    }
  }

  private async relist(): Promise<void> {
    const { apiVersion, kind, namespace } = this.spec;
    const list = await this.backend.list(apiVersion, kind, namespace, this.selectors);
    for (const item of list.items) this.sink.deliver(item);
    this.resourceVersion = list.resourceVersion;
  }

  /** Resolves when the watch ends normally (server timeout, idle timeout, 410); rejects on failure. */
  private async watchOnce(): Promise<void> {
    const { apiVersion, kind, namespace } = this.spec;
    this.path ??= await this.backend.collectionPath(apiVersion, kind, namespace);
    // stop() may have come while the path was looked up: open nothing after it.
    if (this.stopped) return;
    const query = { ...this.selectors, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS + Math.floor(Math.random() * 60) };
    await new Promise<void>((resolve, reject) => {
      let failure: unknown;
      const onEvent = (type: string, object: any) => {
        if (type === 'ERROR') {
          if (object?.code === EXPIRED) this.resourceVersion = '';
          else failure = Object.assign(new Error('watch error event'), { code: object?.code ?? 500, body: object });
          return;
        }
        const rv = object?.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (type === 'ADDED' || type === 'MODIFIED') this.sink.deliver({ ...object, apiVersion, kind });
      };
      const done = (error: unknown) => {
        const name = (error as { name?: string } | null)?.name;
        if (error && name !== 'TimeoutError' && name !== 'AbortError') reject(error);
        else if (failure) reject(failure);
        else resolve();
      };
      this.backend.openWatch(this.path!, query, onEvent, done).then((controller) => {
        if (this.stopped) controller.abort();
        else this.controller = controller;
      }, reject);
    });
  }

  private async poll(forMs: number): Promise<void> {
    const until = Date.now() + forMs;
    while (!this.stopped && Date.now() < until) {
      try {
        await this.relist();
      } catch (error) {
        const mapped = this.backend.toError(error, { ...this.op, verb: 'list' });
        this.sink.report(mapped);
        if (mapped.terminal) {
          this.stopped = true;
          return;
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.timings.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

const keyOf = (o: { apiVersion: string; kind: string; namespace?: string; labelSelector?: string }) => `${o.apiVersion}|${o.kind}|${o.namespace ?? ''}|${o.labelSelector ?? ''}`;

/** A running `ClusterClient.watch`: streams for the refs, plus pod streams for workloads as their selectors are seen. */
export class ObjectWatcher implements Subscription {
  private readonly streams = new Map<string, Stream>();
  private readonly delivered = new Map<string, string>();
  private lastError = '';
  private stopped = false;

  constructor(
    refs: ObjectRef[],
    private readonly backend: WatchBackend,
    private readonly timings: WatchTimings,
    private readonly onChange: (object: Manifest) => void,
    private readonly onError?: (error: Error) => void,
  ) {
    const groups = new Map<string, StreamSpec>();
    for (const ref of refs) {
      const spec: StreamSpec = groups.get(keyOf(ref)) ?? { apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}), names: new Set() };
      spec.names!.add(ref.name);
      groups.set(keyOf(ref), spec);
    }
    for (const [key, spec] of groups) this.startStream(key, spec);
  }

  stop(): void {
    this.stopped = true;
    for (const stream of this.streams.values()) stream.stop();
    this.streams.clear();
  }

  private startStream(key: string, spec: StreamSpec): void {
    const stream = new Stream(spec, this.backend, this.timings, {
      deliver: (object) => this.deliver(object, spec.names),
      report: (error) => this.report(error),
    });
    this.streams.set(key, stream);
    stream.start();
  }

  private deliver(object: Manifest, names: Set<string> | undefined): void {
    if (this.stopped) return;
    const name = object.metadata?.name ?? '';
    if (names && !names.has(name)) return;
    const id = `${object.apiVersion}|${object.kind}|${object.metadata?.namespace ?? ''}|${name}`;
    const version = String(object.metadata?.resourceVersion ?? '');
    if (version && this.delivered.get(id) === version) return;
    this.delivered.set(id, version);
    this.lastError = '';
    if (isWorkload(object)) this.followPods(object);
    this.onChange(object);
  }

  /** Starts a pod stream for a workload's selector the first time that selector is seen. */
  private followPods(workload: Manifest): void {
    const labelSelector = labelSelectorOf(workload);
    if (!labelSelector) return;
    const spec: StreamSpec = { apiVersion: 'v1', kind: 'Pod', ...(workload.metadata.namespace ? { namespace: workload.metadata.namespace } : {}), labelSelector };
    const key = keyOf(spec);
    if (!this.streams.has(key)) this.startStream(key, spec);
  }

  /** Reports each distinct failure once until something is delivered again (polling repeats them). */
  private report(error: DeployError): void {
    if (this.stopped || error.message === this.lastError) return;
    this.lastError = error.message;
    this.onError?.(error);
  }
}
