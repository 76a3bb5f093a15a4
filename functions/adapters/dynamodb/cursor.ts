/**
 * Paging cursors: the LastEvaluatedKey of a query, as base64url JSON. Opaque to callers, and
 * checked on the way in: a cursor must hold exactly the key attributes of the index it pages,
 * as strings, in the partition being listed. Anything else (an edited cursor, one from another
 * listing) is a ValidationError, never a request DynamoDB would answer with another partition.
 */
import { ValidationError } from '#domain/pipeline/errors.ts';
import { ATTR, INDEX, type IndexName, KEY_ATTRIBUTES } from './table.ts';

/** Key attributes are short; a cursor beyond this is not one of ours. */
const MAX_CURSOR_LENGTH = 2_048;
const PARTITION_ATTRIBUTE: Record<'table' | IndexName, string> = { table: ATTR.pk, [INDEX.gsi1]: ATTR.gsi1pk, [INDEX.gsi2]: ATTR.gsi2pk, [INDEX.gsi3]: ATTR.gsi3pk };

/** Which listing a cursor belongs to: the index (the table when absent) and the partition value. */
export type CursorScope = { index?: IndexName; partition: string };

export function encodeCursor(lastEvaluatedKey: Record<string, unknown> | undefined): string | undefined {
  return lastEvaluatedKey ? Buffer.from(JSON.stringify(lastEvaluatedKey), 'utf8').toString('base64url') : undefined;
}

const invalid = () => new ValidationError('cursor', ['it is not one this listing returned; start again without a cursor']);

export function decodeCursor(cursor: string, scope: CursorScope): Record<string, string> {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw invalid();
  const expected = KEY_ATTRIBUTES[scope.index ?? 'table'];
  const entries = Object.entries(key as Record<string, unknown>);
  if (entries.length !== expected.length || !entries.every(([name, value]) => expected.includes(name) && typeof value === 'string')) throw invalid();
  const record = key as Record<string, string>;
  if (record[PARTITION_ATTRIBUTE[scope.index ?? 'table']] !== scope.partition) throw invalid();
  return record;
}
