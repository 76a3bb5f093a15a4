/**
 * What the DynamoDB integration tests share: a table of their own on the run's DynamoDB Local
 * (created with the production definition), clients that record every command they send (so
 * a test can show that no Scan was used), a clock tests can move, and small fixtures.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createDynamoDbStores, createTableInput, DOCUMENT_CLIENT_CONFIG, type PipelineStores } from '#adapters/dynamodb/index.ts';
import type { ContentionPolicy } from '#adapters/dynamodb/table-client.ts';
import type { NewRelease, Project, ReleaseSnapshot, Step } from '#domain/pipeline/model.ts';
import type { New } from '#domain/pipeline/ports.ts';
import { LOCAL_CLIENT, waitForDynamoDbLocal } from '../../support/dynamodb-local.ts';

export const ACTOR = 'arn:aws:iam::123456789012:user/alice';
export const OTHER_ACTOR = 'arn:aws:iam::123456789012:user/bob';
export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:conveyor/db-password-AbCdEf';

/** A clock the test moves (lock leases, audit times). */
export class TestClock {
  constructor(private time = Date.parse('2026-01-31T12:00:00.000Z')) {}
  now = (): Date => new Date(this.time);
  advance(seconds: number): void {
    this.time += seconds * 1_000;
  }
}

export type TestTable = {
  tableName: string;
  /** The raw client, for reading and writing items directly (tampering tests). */
  raw: DynamoDBClient;
  client: DynamoDBDocumentClient;
  stores: PipelineStores;
  clock: TestClock;
  /** Names of every command sent through the clients (`QueryCommand`, `TransactWriteItemsCommand`...). */
  commands: string[];
  drop(): Promise<void>;
};

/** A new table on the run's DynamoDB Local, with the stores over it. */
export async function createTestTable(label: string, options: { contention?: ContentionPolicy } = {}): Promise<TestTable> {
  // The global setup launched it without waiting; the first file to need it waits here.
  await waitForDynamoDbLocal(inject('dynamoDbEndpoint'), inject('dynamoDbLog'));
  const commands: string[] = [];
  const raw = new DynamoDBClient({ ...LOCAL_CLIENT, endpoint: inject('dynamoDbEndpoint') });
  raw.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCommandNames' },
  );
  const client = DynamoDBDocumentClient.from(raw, DOCUMENT_CLIENT_CONFIG);
  const tableName = `conveyor-${label}-${randomBytes(4).toString('hex')}`;
  await raw.send(new CreateTableCommand(createTableInput(tableName)));
  const clock = new TestClock();
  return {
    tableName,
    raw,
    client,
    clock,
    commands,
    stores: createDynamoDbStores(client, { tableName, clock: clock.now, contention: options.contention }),
    async drop() {
      await raw.send(new DeleteTableCommand({ TableName: tableName }));
      raw.destroy();
    },
  };
}

/** Commands that read a whole table; none may ever be sent. */
export const FORBIDDEN_COMMANDS = ['ScanCommand', 'ParallelScanCommand'];

export function applyStep(name: string, manifests: { name: string; content: string }[]): Step {
  return { kind: 'apply-manifests', name, targetTags: ['web'], timeoutSeconds: 300, manifests };
}

export function newProject(id: string, overrides: Partial<New<Omit<Project, 'releaseCounter'>>> = {}): New<Omit<Project, 'releaseCounter'>> {
  return {
    id,
    name: `Project ${id}`,
    lifecycleId: 'default',
    process: [applyStep('deploy web', [{ name: 'web.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n' }])],
    variables: [
      { name: 'Replicas', values: [{ value: '2' }, { value: '4', scope: { environments: ['production'] } }] },
      { name: 'DbPassword', values: [{ secretArn: SECRET_ARN }] },
    ],
    channels: [{ name: 'stable', rules: [{ repository: 'registry.example/web', versionRange: '>=1.0.0' }] }],
    defaultChannel: 'stable',
    ...overrides,
  };
}

export function snapshotOf(project: Pick<Project, 'process' | 'variables' | 'lifecycleId' | 'version'>): ReleaseSnapshot {
  return {
    process: project.process,
    variables: project.variables,
    images: [{ repository: 'registry.example/web', tag: '1.0.0', digest: `sha256:${'a'.repeat(64)}` }],
    lifecycleId: project.lifecycleId,
    projectVersion: project.version,
  };
}

export function newRelease(projectId: string, version: string, snapshot: ReleaseSnapshot, extra: Partial<NewRelease> = {}): NewRelease {
  return {
    projectId,
    version,
    channel: 'stable',
    images: snapshot.images,
    createdBy: ACTOR,
    createdAt: '2026-01-31T12:00:00.000Z',
    snapshot,
    ...extra,
  };
}

/** Manifests of `bytes` characters that barely compress (random base64 in a ConfigMap). */
export function incompressibleManifests(bytes: number, files = 4): { name: string; content: string }[] {
  const per = Math.ceil(bytes / files);
  return Array.from({ length: files }, (_, i) => ({
    name: `data-${i}.yaml`,
    content: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: data-${i}\ndata:\n  blob: ${randomBytes(Math.ceil((per * 3) / 4))
      .toString('base64')
      .slice(0, per)}\n`,
  }));
}

/** A sha256 digest made from a number, for distinct image pushes. */
export const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** The error a promise rejects with (the test fails if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
