/**
 * CachedSecrets: served from memory while fresh, read again after the TTL, least recently
 * used evicted first, one request for concurrent reads, failures not cached, invalidation
 * winning over a read in progress, and values never shown by JSON.stringify or util.inspect.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CachedSecrets } from '#adapters/secrets/cache.ts';
import { SecretsUnavailableError } from '#domain/secret-errors.ts';
import type { SecretSource } from '#domain/secrets.ts';

const TTL_MS = 1_000;
const ARN_A = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:conveyor/a-AAAAAA';
const ARN_B = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:conveyor/b-BBBBBB';
const ARN_C = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:conveyor/c-CCCCCC';
const VALUE = 'tok3n-value-never-shown';

/** A source that counts reads, answers `value-<n>` per ARN, and can be held or made to fail. */
class CountingSource implements SecretSource {
  readonly reads: string[] = [];
  failNext?: Error;
  private gate?: Promise<void>;
  private release?: () => void;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  open(): void {
    this.release?.();
    this.gate = undefined;
  }

  async get(arn: string): Promise<string> {
    this.reads.push(arn);
    await this.gate;
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    return `${VALUE}-${this.reads.length}`;
  }
}

function clock(): { now: () => number; advance(ms: number): void } {
  let time = 0;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('CachedSecrets', () => {
  it('serves a value from memory until the TTL ends, then reads it again', async () => {
    // Prepare
    const source = new CountingSource();
    const time = clock();
    const cache = new CachedSecrets(source, { ttlMs: TTL_MS, now: time.now });

    // Act
    const first = await cache.get(ARN_A);
    time.advance(TTL_MS - 1);
    const second = await cache.get(ARN_A);
    time.advance(1);
    const third = await cache.get(ARN_A);

    // Assess
    expect([first, second, third]).toEqual([`${VALUE}-1`, `${VALUE}-1`, `${VALUE}-2`]);
    expect(source.reads).toEqual([ARN_A, ARN_A]);
  });

  it('evicts the least recently used value beyond its size', async () => {
    // Prepare
    const source = new CountingSource();
    const cache = new CachedSecrets(source, { maxEntries: 2 });
    await cache.get(ARN_A);
    await cache.get(ARN_B);
    await cache.get(ARN_A);

    // Act
    await cache.get(ARN_C);
    await cache.get(ARN_A);
    await cache.get(ARN_B);

    // Assess
    expect(source.reads).toEqual([ARN_A, ARN_B, ARN_C, ARN_B]);
    expect(cache.size).toBe(2);
  });

  it('sends one request for concurrent reads of one secret', async () => {
    // Prepare
    const source = new CountingSource();
    const cache = new CachedSecrets(source);
    source.hold();

    // Act
    const reads = [cache.get(ARN_A), cache.get(ARN_A), cache.get(ARN_A)];
    source.open();
    const values = await Promise.all(reads);

    // Assess
    expect(new Set(values).size).toBe(1);
    expect(source.reads).toEqual([ARN_A]);
  });

  it('does not cache a failure: the next read asks again', async () => {
    // Prepare
    const source = new CountingSource();
    const cache = new CachedSecrets(source);
    source.failNext = new SecretsUnavailableError(ARN_A, 'get', 'ThrottlingException');

    // Act
    const failed = cache.get(ARN_A);
    await expect(failed).rejects.toBeInstanceOf(SecretsUnavailableError);
    const value = await cache.get(ARN_A);

    // Assess
    expect(value).toBe(`${VALUE}-2`);
    expect(source.reads).toEqual([ARN_A, ARN_A]);
  });

  it('does not keep a value read while the secret was invalidated', async () => {
    // Prepare
    const source = new CountingSource();
    const cache = new CachedSecrets(source);
    source.hold();
    const inFlight = cache.get(ARN_A);

    // Act
    cache.invalidate(ARN_A);
    source.open();
    await inFlight;
    const after = await cache.get(ARN_A);

    // Assess
    expect(after).toBe(`${VALUE}-2`);
    expect(source.reads).toEqual([ARN_A, ARN_A]);
  });

  it('with a TTL of 0 reads every time', async () => {
    // Prepare
    const source = new CountingSource();
    const cache = new CachedSecrets(source, { ttlMs: 0 });

    // Act
    await cache.get(ARN_A);
    await cache.get(ARN_A);

    // Assess
    expect(source.reads).toEqual([ARN_A, ARN_A]);
    expect(cache.size).toBe(0);
  });

  it('never shows a value through JSON.stringify, util.inspect or string conversion', async () => {
    // Prepare
    const cache = new CachedSecrets(new CountingSource());
    await cache.get(ARN_A);

    // Act
    const shown = [JSON.stringify(cache), inspect(cache, { depth: 10, showHidden: true }), String(cache), JSON.stringify({ cache })];

    // Assess
    for (const text of shown) expect(text).not.toContain(VALUE);
    expect(JSON.parse(shown[0]!)).toEqual({ cachedSecrets: 1 });
  });

  it.each([
    [{ ttlMs: -1 }, /TTL/],
    [{ ttlMs: Number.NaN }, /TTL/],
    [{ maxEntries: 0 }, /size/],
    [{ maxEntries: 1.5 }, /size/],
  ])('refuses options %j', (options, message) => {
    expect(() => new CachedSecrets(new CountingSource(), options)).toThrow(message);
  });
});
