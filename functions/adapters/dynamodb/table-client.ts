/**
 * What every store does with the table: one place that sends commands, translates errors,
 * pages with checked cursors, and retries writes that lost a race. Stores build keys and
 * conditions; this class never decides what a failed condition means.
 *
 * Only key reads, queries and writes exist here (Get, Query, Put, Update, Delete, TransactGet,
 * TransactWrite): no Scan, so every access pattern is served by a key or an index.
 */
import { randomInt } from 'node:crypto';
import {
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError, ValidationError } from '#domain/pipeline/errors.ts';
import type { Page, PageRequest } from '#domain/pipeline/ports.ts';
import { type CursorScope, decodeCursor, encodeCursor } from './cursor.ts';
import { TransactionContention, translateError } from './errors.ts';
import type { Key } from './keys.ts';
import { type IndexName, TABLE_ATTRIBUTES } from './table.ts';

export type Item = Record<string, NativeAttributeValue>;
type SdkTransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** One write of a transaction; the table name is added when it is sent. */
export type TransactItem = { [Kind in keyof SdkTransactItem]?: Omit<NonNullable<SdkTransactItem[Kind]>, 'TableName'> };
export type Clock = () => Date;

/** Page sizes: the default suits a screen, the maximum bounds one response. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/**
 * Retries of a write that lost a race (a counter, the audit head, a lock): enough for dozens
 * of concurrent writers, each waiting a random time up to a doubling bound (full jitter), so
 * racing writers spread out instead of colliding again.
 */
export type ContentionPolicy = { attempts: number; baseDelayMs: number; maxDelayMs: number };
// 60 attempts up to 500 ms apart: about 25 s of trying, longer than any burst of writers
// takes to drain, and well inside a Lambda's timeout.
export const DEFAULT_CONTENTION: ContentionPolicy = { attempts: 60, baseDelayMs: 5, maxDelayMs: 500 };

/** What an attempt returns to be tried again. */
export const RETRY = Symbol('retry');

export type StoreOptions = {
  tableName: string;
  /** Lock leases and audit times; tests move it. */
  clock?: Clock;
  contention?: ContentionPolicy;
};

/** Drops undefined fields at every level (the client may not be configured to), keeping binary as is. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => compact(item)) as T;
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [key, compact(item)]),
    ) as T;
  }
  return value;
}

/** An item for an entity: its key, its type, its fields, and any index attributes. */
export function toItem(key: Key, type: string, entity: object, extra: Record<string, string | undefined> = {}): Item {
  return compact({ ...entity, ...extra, ...key, type });
}

/** The entity an item holds, without the table's attributes. */
export function fromItem<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !TABLE_ATTRIBUTES.includes(name))) as T;
}

/** Expression attribute names for field names that may be reserved words (`name`, `state`, `version`). */
export function names(...fields: string[]): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [`#${field}`, field]));
}

/**
 * An update expression that sets every defined field and removes every undefined one, with
 * `#name` / `:name` placeholders, plus `extraSet` assignments (counters); conditions add their
 * own names and values to the result.
 */
export function setFields(fields: Record<string, unknown>, extraSet: string[] = []): Required<Pick<UpdateCommandInput, 'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>> {
  const defined = Object.entries(fields).filter(([, value]) => value !== undefined);
  const removed = Object.keys(fields).filter((field) => fields[field] === undefined);
  const set = `SET ${[...defined.map(([field]) => `#${field} = :${field}`), ...extraSet].join(', ')}`;
  return {
    UpdateExpression: removed.length ? `${set} REMOVE ${removed.map((field) => `#${field}`).join(', ')}` : set,
    ExpressionAttributeNames: names(...Object.keys(fields)),
    ExpressionAttributeValues: Object.fromEntries(defined.map(([field, value]) => [`:${field}`, compact(value)])),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class TableClient {
  readonly now: Clock;
  readonly #contention: ContentionPolicy;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly options: StoreOptions,
  ) {
    this.now = options.clock ?? (() => new Date());
    this.#contention = options.contention ?? DEFAULT_CONTENTION;
  }

  get tableName(): string {
    return this.options.tableName;
  }

  async #send<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translateError(error, operation);
    }
  }

  /** Strongly consistent read of one item. */
  async get(key: Key, operation: string): Promise<Item | undefined> {
    const out = await this.#send(operation, () => this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })));
    return out.Item;
  }

  /** Items read together, as of one moment (a transaction): undefined where absent. */
  async getTogether(keys: Key[], operation: string): Promise<(Item | undefined)[]> {
    const out = await this.#overlapping(operation, () =>
      this.#send(operation, () => this.client.send(new TransactGetCommand({ TransactItems: keys.map((Key) => ({ Get: { TableName: this.tableName, Key } })) }))),
    );
    return (out.Responses ?? []).map((response) => response.Item);
  }

  async put(input: Omit<PutCommandInput, 'TableName'>, operation: string): Promise<void> {
    await this.#send(operation, () => this.client.send(new PutCommand({ ...input, TableName: this.tableName })));
  }

  /** Returns the item as written. */
  async update(input: Omit<UpdateCommandInput, 'TableName'>, operation: string): Promise<Item> {
    const out = await this.#send(operation, () => this.client.send(new UpdateCommand({ ...input, TableName: this.tableName, ReturnValues: 'ALL_NEW' })));
    return out.Attributes ?? {};
  }

  async delete(input: Omit<DeleteCommandInput, 'TableName'>, operation: string): Promise<void> {
    await this.#send(operation, () => this.client.send(new DeleteCommand({ ...input, TableName: this.tableName })));
  }

  /**
   * Writes all items or none. Throws ConditionFailed (with the failed positions) for the store
   * to explain; a transaction that overlapped another one is tried again.
   */
  async transact(items: TransactItem[], operation: string): Promise<void> {
    const withTable = items.map((item) => Object.fromEntries(Object.entries(item).map(([kind, body]) => [kind, { ...body, TableName: this.tableName }])) as SdkTransactItem);
    await this.#overlapping(operation, () => this.#send(operation, () => this.client.send(new TransactWriteCommand({ TransactItems: withTable }))));
  }

  /**
   * Retries what DynamoDB cancelled because another transaction touched the same items at the
   * same moment (nothing was written or read), with the contention policy's waits.
   */
  async #overlapping<T>(operation: string, attempt: () => Promise<T>): Promise<T> {
    const { attempts } = this.#contention;
    for (let n = 0; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof TransactionContention)) throw error;
        if (n + 1 >= attempts) throw new StoreUnavailableError(`DynamoDB kept cancelling overlapping transactions while ${operation}; try again`);
        await this.#backoff(n + 1);
      }
    }
  }

  /** Full jitter: a random wait up to a bound that doubles with each attempt, capped. */
  #backoff(attempt: number): Promise<void> {
    const { baseDelayMs, maxDelayMs } = this.#contention;
    return sleep(randomInt(0, Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) + 1));
  }

  /** One page of a query; `scope` says which partition the cursor must belong to. */
  async queryPage(input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>, page: PageRequest, scope: CursorScope, operation: string): Promise<Page<Item>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new ValidationError('page', [`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`]);
    const start = page.cursor ? decodeCursor(page.cursor, scope) : undefined;
    const out = await this.#send(operation, () => this.client.send(new QueryCommand({ ...input, TableName: this.tableName, Limit: limit, ExclusiveStartKey: start })));
    return { items: out.Items ?? [], cursor: encodeCursor(out.LastEvaluatedKey) };
  }

  /** Every item a query matches, page after page (for partitions bounded by design). */
  async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, operation: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, NativeAttributeValue> | undefined;
    do {
      const out = await this.#send(operation, () => this.client.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: start })));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Query input for an index: names it and reads strongly only on the table (indexes cannot). */
  static on(index: IndexName | undefined): { IndexName?: string; ConsistentRead: boolean } {
    return index ? { IndexName: index, ConsistentRead: false } : { ConsistentRead: true };
  }

  /**
   * Runs `attempt` until it returns something other than RETRY (it lost a race: a condition on
   * a counter, the audit head or a lock failed), waiting with full jitter between attempts.
   * Past the policy's attempts, a StoreUnavailableError naming `what` (the caller may retry later).
   */
  async contended<T>(what: string, attempt: () => Promise<T | typeof RETRY>): Promise<T> {
    for (let n = 0; n < this.#contention.attempts; n++) {
      if (n > 0) await this.#backoff(n);
      const result = await attempt();
      if (result !== RETRY) return result;
    }
    throw new StoreUnavailableError(`${what} is busy: other writers won ${this.#contention.attempts} times in a row; try again`);
  }
}
