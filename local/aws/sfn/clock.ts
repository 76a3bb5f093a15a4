/**
 * State-machine time. A test of a ten-minute rollout loop must run in about a second and still
 * make every transition it would make, so the runner waits in "state-machine time": with a
 * `timeScale` of 1/1000 a Wait of 30 s lasts 30 ms, and `now()` runs 1000 times faster than the
 * wall clock from the moment the clock was made, so dates in the context object and the history
 * stay consistent with the waits. A `timeScale` of 1 is the real clock.
 */
import { setTimeout as sleepReal } from 'node:timers/promises';

export interface Clock {
  /** Real milliseconds per millisecond of state-machine time. */
  readonly timeScale: number;
  /** The current state-machine time. */
  now(): Date;
  /** Waits `ms` of state-machine time; rejects with the signal's reason when it is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export class ScaledClock implements Clock {
  readonly timeScale: number;
  private readonly origin = Date.now();

  constructor(timeScale = 1) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new RangeError(`timeScale must be a positive number, got ${timeScale}`);
    this.timeScale = timeScale;
  }

  now(): Date {
    return new Date(this.origin + (Date.now() - this.origin) / this.timeScale);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepRealTime(ms * this.timeScale, signal);
  }
}

/**
 * A Node timer longer than 2^31-1 ms (about 24.8 days) fires after 1 ms, so a long wait (a
 * 30-day approval timeout) is slept in pieces.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Real time, whatever the scale: Lambda TimeoutSeconds bound real work, not waiting. */
export async function sleepRealTime(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  for (let remaining = ms; remaining > 0; remaining -= MAX_TIMER_MS) {
    await sleepReal(Math.min(remaining, MAX_TIMER_MS), undefined, { signal });
  }
}
