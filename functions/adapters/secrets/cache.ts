/**
 * A read-through cache of secret values for Lambdas: one instance per cold start, shared by
 * the invocations of that environment, so a deployment's many `apply` and `check-rollout`
 * calls read an account's token once per TTL instead of once per call. Values live in memory
 * only, in private fields that neither JSON.stringify nor console.log/util.inspect show; the
 * cache never logs. Failures are not cached (the next call asks again), and concurrent reads
 * of one secret share one request.
 */
import type { SecretSource } from '#domain/secrets.ts';

export type CachedSecretsOptions = {
  /** How long a value is served from memory, in milliseconds; 0 turns caching off. */
  ttlMs?: number;
  /** Values kept at most; the least recently used goes first. */
  maxEntries?: number;
  /** The clock, in milliseconds (tests move it). */
  now?: () => number;
};

/**
 * Five minutes: a rotated credential reaches every Lambda within that time, and a warm
 * Lambda reads each secret a dozen times an hour at most.
 */
export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;
/** More than any one deployment uses (an account's few secrets plus its sensitive variables). */
export const DEFAULT_SECRET_CACHE_ENTRIES = 100;

type Entry = { value: string; expiresAt: number };

export class CachedSecrets implements SecretSource {
  readonly #source: SecretSource;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** In least-recently-used order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(source: SecretSource, options: CachedSecretsOptions = {}) {
    const ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
    const maxEntries = options.maxEntries ?? DEFAULT_SECRET_CACHE_ENTRIES;
    if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`secret cache TTL must be 0 or more milliseconds, not ${ttlMs}`);
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`secret cache size must be a whole number of 1 or more, not ${maxEntries}`);
    this.#source = source;
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** The current value: from memory while fresh, otherwise from the source (one request per ARN at a time). */
  get(arn: string): Promise<string> {
    const entry = this.#entries.get(arn);
    if (entry && entry.expiresAt > this.#now()) {
      this.#entries.delete(arn);
      this.#entries.set(arn, entry);
      return Promise.resolve(entry.value);
    }
    if (entry) this.#entries.delete(arn);
    return this.#inFlight.get(arn) ?? this.#fetch(arn);
  }

  /** Forgets one value (after the API wrote a new one, say); a read in progress is not kept either. */
  invalidate(arn: string): void {
    this.#entries.delete(arn);
    this.#inFlight.delete(arn);
  }

  /** Forgets every value. */
  clear(): void {
    this.#entries.clear();
    this.#inFlight.clear();
  }

  /** How many values are held. */
  get size(): number {
    return this.#entries.size;
  }

  /** What JSON.stringify shows of a cache: its size, never its values. */
  toJSON(): { cachedSecrets: number } {
    return { cachedSecrets: this.#entries.size };
  }

  /** What console.log and util.inspect show: the same. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CachedSecrets { cachedSecrets: ${this.#entries.size} }`;
  }

  #fetch(arn: string): Promise<string> {
    const request = this.#source.get(arn).then(
      (value) => {
        // Kept only if nobody invalidated the secret while it was being read.
        if (this.#inFlight.get(arn) === request) {
          this.#inFlight.delete(arn);
          if (this.#ttlMs > 0) this.#store(arn, value);
        }
        return value;
      },
      (error: unknown) => {
        if (this.#inFlight.get(arn) === request) this.#inFlight.delete(arn);
        throw error;
      },
    );
    this.#inFlight.set(arn, request);
    return request;
  }

  #store(arn: string, value: string): void {
    this.#entries.set(arn, { value, expiresAt: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }
}
