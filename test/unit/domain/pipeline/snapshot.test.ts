/**
 * Snapshot encoding: round trips, chunks under the per-item budget, the documented limits
 * (a megabyte of poorly compressible manifests works, more than the maximum is refused with
 * the limit named), and integrity checks on the way back.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CorruptDataError, TooLargeError } from '#domain/pipeline/errors.ts';
import { decodeSnapshot, encodeSnapshot, MAX_SNAPSHOT_BYTES, MAX_STORED_SNAPSHOT_BYTES, SNAPSHOT_CHUNK_BYTES, SNAPSHOT_LIMITS } from '#domain/pipeline/snapshot.ts';

const MiB = 1024 * 1024;
/** DynamoDB's item limit: every chunk must stay well below it. */
const DYNAMODB_ITEM_LIMIT = 400 * 1000;

/** Random base64: the worst case for manifests, compressing to about 3/4. */
const noise = (chars: number) =>
  randomBytes(Math.ceil((chars * 3) / 4))
    .toString('base64')
    .slice(0, chars);

describe('encodeSnapshot / decodeSnapshot', () => {
  it('round-trips a small document in one chunk', () => {
    // Prepare
    const value = { process: [{ name: 'web', manifests: [{ name: 'a.yaml', content: 'kind: ConfigMap' }] }], variables: [] };

    // Act
    const encoded = encodeSnapshot(value, 'release 1 of project web');

    // Assess
    expect(encoded.chunks).toHaveLength(1);
    expect(decodeSnapshot(encoded.chunks, encoded.manifest, 'release 1 of project web')).toEqual(value);
  });

  it('round-trips 1 MiB of poorly compressible manifests, in chunks under the item budget', () => {
    // Prepare
    const value = { manifests: [{ name: 'blob.yaml', content: noise(MiB) }] };

    // Act
    const encoded = encodeSnapshot(value, 'release 1 of project web');

    // Assess
    expect(encoded.chunks.length).toBeGreaterThan(1);
    expect(encoded.chunks.every((chunk) => chunk.length <= SNAPSHOT_CHUNK_BYTES)).toBe(true);
    expect(SNAPSHOT_CHUNK_BYTES).toBeLessThan(DYNAMODB_ITEM_LIMIT);
    expect(decodeSnapshot(encoded.chunks, encoded.manifest, 'x')).toEqual(value);
  });

  it('accepts poorly compressible text up to the maximum (it compresses under the stored limit)', () => {
    const encoded = encodeSnapshot({ c: noise(MAX_SNAPSHOT_BYTES - 100) }, 'release 1 of project web');
    expect(encoded.manifest.storedSize).toBeLessThanOrEqual(MAX_STORED_SNAPSHOT_BYTES);
  });

  it('refuses a document over the maximum, naming the limit and the document', () => {
    // Act
    const attempt = () => encodeSnapshot({ c: noise(5 * MiB) }, 'release 2.0.0 of project web');

    // Assess
    expect(attempt).toThrow(TooLargeError);
    expect(attempt).toThrow(/release 2\.0\.0 of project web is 5 MiB; the limit \(process, manifests and variables as JSON\) is 4 MiB/);
  });

  it('refuses a document that stays too large after compression (the transaction guard)', () => {
    // Prepare: text under the JSON limit never compresses past the stored one, so the guard is lowered.
    const limits = { ...SNAPSHOT_LIMITS, maxStoredBytes: MiB };

    // Act
    const attempt = () => encodeSnapshot({ c: noise(2 * MiB) }, 'release 3 of project web', limits);

    // Assess
    expect(attempt).toThrow(TooLargeError);
    expect(attempt).toThrow(/release 3 of project web, compressed, is 1\.\d MiB; the limit \(compressed snapshot, one DynamoDB transaction\) is 1 MiB/);
  });

  it.each([
    ['a chunk missing', (chunks: Uint8Array[]) => chunks.slice(1), /2 were written|3 were written|chunks/],
    ['chunks out of order', (chunks: Uint8Array[]) => [...chunks].reverse(), /do not match the hash/],
    ['a flipped byte', (chunks: Uint8Array[]) => chunks.map((c, i) => (i === 0 ? Uint8Array.from(c, (b, j) => (j === 10 ? b ^ 1 : b)) : c)), /do not match the hash/],
  ])('reports %s as corrupt data', (_name, damage, message) => {
    // Prepare
    const encoded = encodeSnapshot({ c: noise(MiB) }, 'x');

    // Act
    const attempt = () => decodeSnapshot(damage(encoded.chunks), encoded.manifest, 'release 1 of project web');

    // Assess
    expect(attempt).toThrow(CorruptDataError);
    expect(attempt).toThrow(message);
  });
});
