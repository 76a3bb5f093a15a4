/**
 * SDK failures become domain errors: throttling, 5xx and refused connections are retryable
 * `unavailable` errors; a missing table is an `internal` fault; transactions cancelled by
 * throttling are retryable too. Faults come from a small HTTP server that answers as DynamoDB
 * does, through the real client; the missing table from DynamoDB Local itself.
 */
import { createServer, type Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDbStores, DOCUMENT_CLIENT_CONFIG } from '#adapters/dynamodb/index.ts';
import { ERROR_CATEGORIES } from '#domain/errors.ts';
import { StoreFaultError, StoreUnavailableError } from '#domain/pipeline/errors.ts';
import { LOCAL_CLIENT, waitForDynamoDbLocal } from '../../support/dynamodb-local.ts';
import { rejectionOf } from './helpers.ts';

/** What the fault server answers next: status and DynamoDB error body. */
let answer: { status: number; type: string; extra?: Record<string, unknown> } = { status: 500, type: 'InternalServerError' };
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'test' });
      res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${answer.type}`, message: 'canned answer', ...answer.extra }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Stores over a client that does not retry, so each canned answer is seen once. */
function storesAt(url: string, tableName = 'conveyor') {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_CLIENT, endpoint: url, maxAttempts: 1 }), DOCUMENT_CLIENT_CONFIG);
  return createDynamoDbStores(client, { tableName });
}

describe('translating SDK failures', () => {
  it.each([
    ['throttling', 400, 'ProvisionedThroughputExceededException'],
    ['a request limit', 400, 'RequestLimitExceeded'],
    ['an internal server error', 500, 'InternalServerError'],
    ['an unavailable service', 503, 'ServiceUnavailable'],
  ])('reports %s as retryable', async (_name, status, type) => {
    // Prepare
    answer = { status, type };

    // Act
    const error = await rejectionOf(storesAt(endpoint).environments.get('production'));

    // Assess
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(ERROR_CATEGORIES[(error as StoreUnavailableError).category]).toMatchObject({ retryable: true, httpStatus: 503 });
    expect(error.message).toBe(`DynamoDB is unavailable while reading environment production: ${type}`);
  });

  it('reports a transaction cancelled by throttling as retryable', async () => {
    // Prepare
    answer = { status: 400, type: 'TransactionCanceledException', extra: { CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] } };

    // Act
    const error = await rejectionOf(storesAt(endpoint).targets.create({ id: 't', accountId: 'a', namespace: 'n', environments: ['e'], tags: ['x'] }));

    // Assess
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toBe('DynamoDB throttled a transaction while creating target t');
  });

  it('reports a refused connection as retryable', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const error = await rejectionOf(storesAt(url).environments.list());

    // Assess
    expect(error).toBeInstanceOf(StoreUnavailableError);
  });

  it('reports a missing table as an internal fault, not as a missing entity', async () => {
    // Prepare
    await waitForDynamoDbLocal(inject('dynamoDbEndpoint'), inject('dynamoDbLog'));

    // Act
    const error = await rejectionOf(storesAt(inject('dynamoDbEndpoint'), 'no-such-table').environments.get('production'));

    // Assess
    expect(error).toBeInstanceOf(StoreFaultError);
    expect(error.message).toBe('the table does not exist (while reading environment production)');
  });
});
