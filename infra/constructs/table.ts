/**
 * The pipeline's one table (docs/data-model.md), built from `tableDefinition()` so that AWS,
 * the local runtime and the tests create the same keys and indexes. It is the system of record
 * (releases, deployments, the audit chain): point-in-time recovery on, deletion protection on,
 * and kept when the stack is deleted.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { type Attribute, AttributeType, Billing, ProjectionType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type KeyDefinition, type TableDefinition, tableDefinition } from '#adapters/dynamodb/table.ts';
import { CONFIG_VARIABLES } from '#functions/runtime/deps.ts';

/**
 * What the stores call (functions/adapters/dynamodb): reads by key, by query, in transactions.
 * No Scan, ever (docs/data-model.md), so no policy grants it.
 */
export const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:TransactGetItems'] as const;
/** Writes: single items, transactions, and the condition checks transactions carry. */
export const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:TransactWriteItems', 'dynamodb:ConditionCheckItem'] as const;
/** Of the read actions, the one that also applies to an index. */
const INDEX_READ_ACTIONS = ['dynamodb:Query'] as const;

const ATTRIBUTE_TYPES: Record<KeyDefinition['type'], AttributeType> = { S: AttributeType.STRING };
const PROJECTIONS = { ALL: ProjectionType.ALL } as const;

function attribute(key: KeyDefinition): Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}

function billing(definition: TableDefinition): Billing {
  if (definition.billingMode !== 'PAY_PER_REQUEST') throw new Error(`table billing mode ${String(definition.billingMode)} is not supported by the stack`);
  return Billing.onDemand();
}

export type PipelineTableProps = {
  /** Defaults to `tableDefinition()`; tests pass the same. */
  definition?: TableDefinition;
};

export class PipelineTable extends Construct {
  readonly table: TableV2;
  private readonly indexNames: string[];

  constructor(scope: Construct, id: string, props: PipelineTableProps = {}) {
    super(scope, id);
    const definition = props.definition ?? tableDefinition();
    this.indexNames = definition.globalSecondaryIndexes.map((index) => index.indexName);
    this.table = new TableV2(this, 'Table', {
      partitionKey: attribute(definition.partitionKey),
      sortKey: attribute(definition.sortKey),
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType: PROJECTIONS[index.projection],
      })),
      billing: billing(definition),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** TABLE_NAME, and reads on the table and (Query) on each of its indexes, named one by one. */
  grantRead(fn: lambda.Function): void {
    this.setTableName(fn);
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'TableRead', actions: [...TABLE_READ_ACTIONS], resources: [this.table.tableArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'TableIndexRead', actions: [...INDEX_READ_ACTIONS], resources: this.indexArns() }));
  }

  /** Everything `grantRead` gives, and the writes (on the table: writes do not address an index). */
  grantWrite(fn: lambda.Function): void {
    this.grantRead(fn);
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'TableWrite', actions: [...TABLE_WRITE_ACTIONS], resources: [this.table.tableArn] }));
  }

  private setTableName(fn: lambda.Function): void {
    const [variable] = CONFIG_VARIABLES.table;
    fn.addEnvironment(variable, this.table.tableName);
  }

  private indexArns(): string[] {
    return this.indexNames.map((name) => `${this.table.tableArn}/index/${name}`);
  }
}
