/**
 * The one table (docs/data-model.md): its key schema and indexes, defined once so that the CDK
 * stack, the local runtime and the tests create the same table.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Key attributes; every item has PK and SK, index attributes only when the item is in the index. */
export const ATTR = {
  pk: 'PK',
  sk: 'SK',
  gsi1pk: 'GSI1PK',
  gsi1sk: 'GSI1SK',
  gsi2pk: 'GSI2PK',
  gsi2sk: 'GSI2SK',
  gsi3pk: 'GSI3PK',
  gsi3sk: 'GSI3SK',
  /** Which entity an item holds (`Deployment`, `AuditEvent`...): items of a partition are told apart by it. */
  type: 'type',
} as const;

/** Attributes that are the table's, not the entity's: removed when an item becomes an entity. */
export const TABLE_ATTRIBUTES: readonly string[] = Object.values(ATTR);

/**
 * GSI1: lists by a parent in a meaningful order (projects; deployments of a project ×
 * environment by time; audit events by time). GSI2: sparse "by status or subject" lists
 * (deployments in a non-final state; audit events by subject). GSI3: deployments of one release,
 * across environments (lifecycle progress). Overloaded where they can be, so that the table has
 * three indexes, not one per list.
 */
export const INDEX = { gsi1: 'GSI1', gsi2: 'GSI2', gsi3: 'GSI3' } as const;
export type IndexName = (typeof INDEX)[keyof typeof INDEX];

/** Key attributes of the table and of each index, as a cursor carries them. */
export const KEY_ATTRIBUTES: Record<'table' | IndexName, readonly string[]> = {
  table: [ATTR.pk, ATTR.sk],
  [INDEX.gsi1]: [ATTR.pk, ATTR.sk, ATTR.gsi1pk, ATTR.gsi1sk],
  [INDEX.gsi2]: [ATTR.pk, ATTR.sk, ATTR.gsi2pk, ATTR.gsi2sk],
  [INDEX.gsi3]: [ATTR.pk, ATTR.sk, ATTR.gsi3pk, ATTR.gsi3sk],
};

export type KeyDefinition = { name: string; type: 'S' };
export type IndexDefinition = { indexName: IndexName; partitionKey: KeyDefinition; sortKey: KeyDefinition; projection: 'ALL' };

/** The table in vendor-neutral terms: CDK's TableV2 and the SDK's CreateTable both take it. */
export type TableDefinition = {
  partitionKey: KeyDefinition;
  sortKey: KeyDefinition;
  globalSecondaryIndexes: IndexDefinition[];
  /** On-demand: the load is bursty (deployments, pushes) and small; nothing to provision or scale. */
  billingMode: 'PAY_PER_REQUEST';
};

const string = (name: string): KeyDefinition => ({ name, type: 'S' });

export function tableDefinition(): TableDefinition {
  return {
    partitionKey: string(ATTR.pk),
    sortKey: string(ATTR.sk),
    // Projection ALL: every list returns whole items in one request, without a GetItem per row.
    globalSecondaryIndexes: [
      { indexName: INDEX.gsi1, partitionKey: string(ATTR.gsi1pk), sortKey: string(ATTR.gsi1sk), projection: 'ALL' },
      { indexName: INDEX.gsi2, partitionKey: string(ATTR.gsi2pk), sortKey: string(ATTR.gsi2sk), projection: 'ALL' },
      { indexName: INDEX.gsi3, partitionKey: string(ATTR.gsi3pk), sortKey: string(ATTR.gsi3sk), projection: 'ALL' },
    ],
    billingMode: 'PAY_PER_REQUEST',
  };
}

/** The SDK's CreateTable input for `tableDefinition()` (tests, the local runtime). */
export function createTableInput(tableName: string, definition = tableDefinition()): CreateTableCommandInput {
  const keys = [definition.partitionKey, definition.sortKey, ...definition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  return {
    TableName: tableName,
    BillingMode: definition.billingMode,
    AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}
