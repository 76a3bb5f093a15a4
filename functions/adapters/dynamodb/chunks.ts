/**
 * Chunk items of a large document (snapshot.ts): written in the owner's transaction, read back
 * with one query on their key prefix, in key order.
 */
import type { SnapshotManifest } from '#domain/pipeline/snapshot.ts';
import type { Key } from './keys.ts';
import { type TableClient, type TransactItem, toItem } from './table-client.ts';

export const CHUNK_TYPE = 'Chunk';
/** Attribute holding a chunk's bytes (binary). */
const DATA = 'data';

/** Puts of every chunk, at the keys `keyOf` gives each position. */
export function chunkPuts(chunks: Uint8Array[], keyOf: (index: number) => Key): TransactItem[] {
  return chunks.map((chunk, index) => ({ Put: { Item: toItem(keyOf(index), CHUNK_TYPE, { [DATA]: chunk }) } }));
}

/** Deletes of the chunks an older version had beyond the new count. */
export function staleChunkDeletes(previous: SnapshotManifest | undefined, next: SnapshotManifest | undefined, keyOf: (index: number) => Key): TransactItem[] {
  const from = next?.chunks ?? 0;
  const to = previous?.chunks ?? 0;
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => ({ Delete: { Key: keyOf(from + i) } }));
}

/** The chunks under `prefix` of partition `pk`, in order. */
export async function readChunks(table: TableClient, pk: string, prefix: string, operation: string): Promise<Uint8Array[]> {
  const items = await table.queryAll({ KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)', ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix }, ConsistentRead: true }, operation);
  return items.map((item) => item[DATA] as Uint8Array);
}
