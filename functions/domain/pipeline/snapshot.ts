/**
 * Large documents (a release snapshot, a project's process and variables) in a store whose
 * records are small: DynamoDB refuses items over 400 KB, and a release with a megabyte of
 * manifests is ordinary. A document is JSON, gzip-compressed, then cut into chunks well under
 * the item limit; the store writes the chunks with the record that owns them, in one
 * transaction. Decoding checks a SHA-256 over all stored bytes, so a missing, extra or damaged
 * chunk is reported, never decoded into a different process.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CorruptDataError, TooLargeError } from './errors.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Largest document, as JSON text. A release's process holds its manifests; 4 MiB is four times
 * the largest manifest sets seen in practice, and keeps decoding within a few tens of ms.
 */
export const MAX_SNAPSHOT_BYTES = 4 * MiB;

/**
 * Largest document after compression. One DynamoDB transaction carries at most 4 MB of items,
 * and the chunks travel in one transaction with their owner; 3.5 MiB leaves room for the
 * owner and the items written with it. JSON text compresses to at most about 83% (random
 * printable ASCII; random base64 to 75%), so a document under MAX_SNAPSHOT_BYTES always fits:
 * this limit is the guard that keeps the transaction valid should the other one ever grow.
 */
export const MAX_STORED_SNAPSHOT_BYTES = 3.5 * MiB;

/** Bytes per chunk: well under DynamoDB's 400 KB item limit, with room for keys and attributes. */
export const SNAPSHOT_CHUNK_BYTES = 300 * KiB;

/** How the stored bytes were made, so a later format can be told apart. */
export const SNAPSHOT_ENCODING = 'json+gzip';

/** What the owning record keeps about its chunks. */
export type SnapshotManifest = {
  encoding: typeof SNAPSHOT_ENCODING;
  /** Number of chunks. */
  chunks: number;
  /** SHA-256 (hex) of all chunks concatenated. */
  sha256: string;
  /** Bytes of the JSON text. */
  size: number;
  /** Bytes stored (all chunks). */
  storedSize: number;
};

export type EncodedSnapshot = { manifest: SnapshotManifest; chunks: Uint8Array[] };

export type SnapshotLimits = { maxBytes: number; maxStoredBytes: number; chunkBytes: number };
export const SNAPSHOT_LIMITS: SnapshotLimits = { maxBytes: MAX_SNAPSHOT_BYTES, maxStoredBytes: MAX_STORED_SNAPSHOT_BYTES, chunkBytes: SNAPSHOT_CHUNK_BYTES };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * JSON, gzip, chunks. `subject` names the document in errors ("release 1.4.2 of project web").
 * `limits` are the documented ones; tests lower them to reach the guards.
 * @throws TooLargeError over `maxBytes` as JSON or `maxStoredBytes` compressed
 */
export function encodeSnapshot(value: unknown, subject: string, limits: SnapshotLimits = SNAPSHOT_LIMITS): EncodedSnapshot {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  if (json.length > limits.maxBytes) throw new TooLargeError(subject, json.length, limits.maxBytes, 'process, manifests and variables as JSON');
  const stored = gzipSync(json);
  if (stored.length > limits.maxStoredBytes) {
    throw new TooLargeError(`${subject}, compressed,`, stored.length, limits.maxStoredBytes, 'compressed snapshot, one DynamoDB transaction');
  }
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < stored.length; start += limits.chunkBytes) chunks.push(stored.subarray(start, start + limits.chunkBytes));
  return {
    manifest: { encoding: SNAPSHOT_ENCODING, chunks: chunks.length, sha256: sha256(stored), size: json.length, storedSize: stored.length },
    chunks,
  };
}

/**
 * The document back from its chunks, in order.
 * @throws CorruptDataError when the chunks are not the ones the manifest describes
 */
export function decodeSnapshot<T>(chunks: Uint8Array[], manifest: SnapshotManifest, subject: string): T {
  if (manifest.encoding !== SNAPSHOT_ENCODING) throw new CorruptDataError(subject, `unknown snapshot encoding "${manifest.encoding}"`);
  if (chunks.length !== manifest.chunks) throw new CorruptDataError(subject, `snapshot has ${chunks.length} chunks, ${manifest.chunks} were written`);
  const stored = Buffer.concat(chunks);
  if (stored.length !== manifest.storedSize || sha256(stored) !== manifest.sha256) {
    throw new CorruptDataError(subject, 'snapshot chunks do not match the hash written with them');
  }
  let json: Buffer;
  try {
    // The hash matched, so this is what was written; the bound only guards against a bug.
    json = gunzipSync(stored, { maxOutputLength: MAX_SNAPSHOT_BYTES });
  } catch (error) {
    throw new CorruptDataError(subject, `snapshot does not decompress: ${(error as Error).message}`);
  }
  if (json.length !== manifest.size) throw new CorruptDataError(subject, `snapshot is ${json.length} bytes, ${manifest.size} were written`);
  return JSON.parse(json.toString('utf8')) as T;
}
