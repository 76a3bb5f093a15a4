/**
 * The DynamoDB adapter: every store of functions/domain/pipeline/ports.ts over one table.
 * The caller creates the DocumentClient once (per Lambda container) and passes it in, with the
 * table name from its configuration; nothing here reads the environment.
 */
import type { DynamoDBDocumentClient, TranslateConfig } from '@aws-sdk/lib-dynamodb';
import type { PipelineStores } from '#domain/pipeline/ports.ts';
import { DynamoApprovalStore } from './approval-store.ts';
import { DynamoAuditLog } from './audit-log.ts';
import { accountStore, environmentStore, lifecycleStore, roleStore } from './config-stores.ts';
import { DynamoDeploymentStore } from './deployment-store.ts';
import { DynamoLockStore } from './lock-store.ts';
import { DynamoImageStore, DynamoLifecycleWaitStore } from './progress-stores.ts';
import { DynamoProjectStore } from './project-store.ts';
import { DynamoReleaseStore } from './release-store.ts';
import { type StoreOptions, TableClient } from './table-client.ts';
import { targetStore } from './target-store.ts';

export { createTableInput, type TableDefinition, tableDefinition } from './table.ts';
export type { StoreOptions } from './table-client.ts';
export type { PipelineStores };

/**
 * How the DocumentClient should be made (`DynamoDBDocumentClient.from(client, DOCUMENT_CLIENT_CONFIG)`):
 * optional fields that are undefined are left out, not refused. The stores also drop them
 * themselves, so another configuration works too.
 */
export const DOCUMENT_CLIENT_CONFIG: TranslateConfig = { marshallOptions: { removeUndefinedValues: true } };

export function createDynamoDbStores(client: DynamoDBDocumentClient, options: StoreOptions): PipelineStores {
  const table = new TableClient(client, options);
  return {
    environments: environmentStore(table),
    lifecycles: lifecycleStore(table),
    projects: new DynamoProjectStore(table),
    accounts: accountStore(table),
    targets: targetStore(table),
    releases: new DynamoReleaseStore(table),
    deployments: new DynamoDeploymentStore(table),
    approvals: new DynamoApprovalStore(table),
    audit: new DynamoAuditLog(table),
    roles: roleStore(table),
    locks: new DynamoLockStore(table),
    images: new DynamoImageStore(table),
    lifecycleWaits: new DynamoLifecycleWaitStore(table),
  };
}
