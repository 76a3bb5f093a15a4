/**
 * The point in time by which a step must be over: `conveyor apply --timeout`, or a Lambda's
 * remaining time. Everything a step does — connecting, discovery, dry runs, applies, retries,
 * waiting — takes its time from one Deadline, so the step ends when it says, whatever the
 * cluster does. Plain data underneath (`at`, epoch ms), so a state machine can carry it.
 */
export class Deadline {
  /**
   * @param at when the step must be over (epoch milliseconds)
   * @param budgetMs the whole budget, for messages ("within 20 s")
   * @param clock injected for tests
   */
  constructor(
    readonly at: number,
    readonly budgetMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A deadline `ms` from now. */
  static after(ms: number, clock: () => number = Date.now): Deadline {
    return new Deadline(clock() + ms, ms, clock);
  }

  /** Milliseconds left, never negative. */
  remainingMs(): number {
    return Math.max(0, this.at - this.clock());
  }

  get expired(): boolean {
    return this.remainingMs() === 0;
  }

  /** "20 s": the budget as messages name it. */
  describe(): string {
    const seconds = this.budgetMs / 1000;
    return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
  }
}
