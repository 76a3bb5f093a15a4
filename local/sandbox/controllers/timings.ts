/**
 * How fast the simulated cluster moves. The defaults are deliberately much faster than a
 * real cluster (tens of milliseconds instead of seconds) so that tests and local runs stay
 * quick, while keeping the same order of transitions a real kubelet and controllers produce.
 */
export type Timings = {
  /** From pod creation until the scheduler binds it to a node. */
  scheduleMs: number;
  /** Pulling an image that is not yet on the node. */
  imagePullMs: number;
  /** Creating and starting a container once its image is present. */
  containerStartMs: number;
  /** From container start until it reports ready (overridden per pod and per image). */
  readyAfterMs: number;
  /** Per-image ready delay, keyed by the image as written in the pod spec (with or without tag). */
  imageReadyAfterMs: Record<string, number>;
  /** How long a container that exits (job pods, `exit N` commands) runs before it terminates. */
  containerRunMs: number;
  /** First image-pull back-off; doubles with each failed pull up to the maximum. */
  imagePullBackOffMs: number;
  imagePullBackOffMaxMs: number;
  /** First crash-loop back-off; doubles with each restart up to the maximum. */
  crashLoopBackOffMs: number;
  crashLoopBackOffMaxMs: number;
  /** Until a LoadBalancer Service or an Ingress gets its address. */
  loadBalancerMs: number;
  /** Until a PersistentVolumeClaim is bound to a provisioned volume. */
  volumeBindMs: number;
  /** How often a failing readiness probe emits (coalesced) Unhealthy events. */
  unhealthyEventIntervalMs: number;
  /** Upper bound of Event objects the controllers keep; the oldest are deleted beyond it. */
  maxEvents: number;
  /**
   * How long one second of a probe's own timing lasts (initialDelaySeconds, periodSeconds):
   * `initialDelaySeconds: 30` delays readiness by 30 x probeSecondMs.
   */
  probeSecondMs: number;
  /** `settle()` ignores scheduled work further away than this. */
  settleHorizonMs: number;
};

export const DEFAULT_TIMINGS: Readonly<Timings> = Object.freeze({
  scheduleMs: 5,
  imagePullMs: 20,
  containerStartMs: 10,
  readyAfterMs: 20,
  imageReadyAfterMs: {},
  containerRunMs: 30,
  imagePullBackOffMs: 100,
  imagePullBackOffMaxMs: 3_000,
  crashLoopBackOffMs: 100,
  crashLoopBackOffMaxMs: 3_000,
  loadBalancerMs: 100,
  volumeBindMs: 10,
  unhealthyEventIntervalMs: 10_000,
  maxEvents: 2_000,
  probeSecondMs: 10,
  settleHorizonMs: 500,
});

export function resolveTimings(overrides: Partial<Timings> | undefined): Timings {
  return { ...DEFAULT_TIMINGS, ...(overrides ?? {}), imageReadyAfterMs: { ...(overrides?.imageReadyAfterMs ?? {}) } };
}

/** Exponential back-off: base * 2^attempt, capped. */
export function backOff(baseMs: number, maxMs: number, attempt: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
}
