/**
 * The controllers' work queue and timer wheel. Like client-go's workqueue, work is keyed per
 * object so repeated events coalesce into one sync, and a key re-added while it is being
 * synced is simply synced again afterwards. Delayed work lives in one min-heap served by a
 * single timer, so thousands of pods waiting for something never mean thousands of timers.
 */
import { ApiError } from '../errors.ts';
import { SettleTimeoutError } from './errors.ts';

/** Anything that syncs keys. */
export interface Reconciler {
  readonly name: string;
  reconcile(key: string): void;
}

type Item = { reconciler: Reconciler; key: string };
type TimerEntry = { due: number; id: string };

/** How long one turn of the event loop may spend syncing before yielding to I/O. */
const SLICE_MS = 15;
/** Retry delays for syncs that threw: first and maximum. */
const RETRY_BASE_MS = 10;
const RETRY_MAX_MS = 5_000;
const SETTLE_POLL_MS = 5;
const DEFAULT_SETTLE_LIMIT_MS = 60_000;

export class WorkQueue {
  private readonly ready = new Map<string, Item>();
  private readonly timers = new Map<string, { due: number; item: Item }>();
  private readonly heap: TimerEntry[] = [];
  private readonly failures = new Map<string, number>();
  private pumpScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private stopped = false;
  private busy = false;

  constructor(
    private readonly now: () => number,
    private readonly log: (message: string) => void,
  ) {}

  add(reconciler: Reconciler, key: string): void {
    if (this.stopped) return;
    this.ready.set(`${reconciler.name}\u0000${key}`, { reconciler, key });
    this.pump();
  }

  /** Syncs `key` after `delayMs`; an earlier pending time for the same key wins. */
  after(reconciler: Reconciler, key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) return this.add(reconciler, key);
    const id = `${reconciler.name}\u0000${key}`;
    const due = this.now() + delayMs;
    const existing = this.timers.get(id);
    if (existing && existing.due <= due) return;
    this.timers.set(id, { due, item: { reconciler, key } });
    heapPush(this.heap, { due, id });
    this.armTimer();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.ready.clear();
    this.timers.clear();
    this.heap.length = 0;
  }

  /** True when nothing is queued and nothing is scheduled within `horizonMs`. */
  idle(horizonMs: number): boolean {
    if (this.ready.size > 0 || this.busy) return false;
    this.dropStale();
    const next = this.heap[0];
    return !next || next.due - this.now() > horizonMs;
  }

  pending(horizonMs: number): string[] {
    const limit = this.now() + horizonMs;
    const timed = [...this.timers.entries()].filter(([, t]) => t.due <= limit).map(([id]) => id);
    return [...this.ready.keys(), ...timed].map((id) => id.replace('\u0000', ' '));
  }

  async settle(horizonMs: number, limitMs = DEFAULT_SETTLE_LIMIT_MS): Promise<void> {
    const start = Date.now();
    let idleRounds = 0;
    // Two consecutive idle polls: a store write may still be delivering events in between.
    while (idleRounds < 2) {
      if (this.stopped) return;
      idleRounds = this.idle(horizonMs) ? idleRounds + 1 : 0;
      if (Date.now() - start > limitMs) throw new SettleTimeoutError(this.pending(horizonMs));
      await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    }
  }

  private pump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.pumpScheduled = false;
    if (this.stopped) return;
    const deadline = performance.now() + SLICE_MS;
    this.busy = true;
    try {
      for (const [id, item] of this.ready) {
        this.ready.delete(id);
        this.run(id, item);
        if (this.stopped || performance.now() > deadline) break;
      }
    } finally {
      this.busy = false;
    }
    if (this.ready.size > 0) this.pump();
  }

  private run(id: string, item: Item): void {
    try {
      item.reconciler.reconcile(item.key);
      this.failures.delete(id);
    } catch (error) {
      // A vanished object is not worth retrying: its deletion event queues whatever is needed.
      if (error instanceof ApiError && error.code === 404) return;
      const attempt = this.failures.get(id) ?? 0;
      this.failures.set(id, attempt + 1);
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempt);
      this.log(`${item.reconciler.name} ${item.key}: ${error instanceof Error ? error.message : String(error)} (retry in ${delay} ms)`);
      this.after(item.reconciler, item.key, delay);
    }
  }

  private dropStale(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.timers.get(top.id)?.due === top.due) return;
      heapPop(this.heap);
    }
  }

  private armTimer(): void {
    this.dropStale();
    const next = this.heap[0];
    if (!next) return;
    if (this.timer && this.timerDue <= next.due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next.due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next.due - this.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.now();
    while (this.heap.length > 0 && this.heap[0]!.due <= now) {
      const { id, due } = heapPop(this.heap)!;
      const entry = this.timers.get(id);
      if (!entry || entry.due !== due) continue;
      this.timers.delete(id);
      this.ready.set(id, entry.item);
    }
    this.pump();
    this.armTimer();
  }
}

function heapPush(heap: TimerEntry[], entry: TimerEntry): void {
  heap.push(entry);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.due <= heap[i]!.due) break;
    [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
    i = parent;
  }
}

function heapPop(heap: TimerEntry[]): TimerEntry | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length === 0 || !last) return top;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let smallest = i;
    if (l < heap.length && heap[l]!.due < heap[smallest]!.due) smallest = l;
    if (r < heap.length && heap[r]!.due < heap[smallest]!.due) smallest = r;
    if (smallest === i) break;
    [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
    i = smallest;
  }
  return top;
}
