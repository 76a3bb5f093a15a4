/**
 * SecretsManagerStore, the production adapter, over HTTP: the real SDK client against the
 * local Secrets Manager for the store's whole contract and its domain errors, a stub server
 * for what the local service never answers (throttling, 5xx), a closed port for a refused
 * connection. No error message, cause or log-ready form of an error carries a value.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedSecrets } from '#adapters/secrets/cache.ts';
import { SecretsManagerStore } from '#adapters/secrets/secrets-manager.ts';
import { categoryOf } from '#domain/errors.ts';
import { CURRENT_STAGE, PREVIOUS_STAGE } from '#domain/secrets.ts';
import { clientFor, failureOf, type LocalSecrets, REGION, startLocalSecrets } from './helpers.ts';

const TOKEN = 'eyJhbGciOi-cluster-token-value';
const NEXT_TOKEN = 'rotated-cluster-token-value';
const PREFIX = 'conveyor-it/';
const RECOVERY_DAYS = 7;

let local: LocalSecrets;
let store: SecretsManagerStore;
let unique = 0;
const nameFor = (what: string) => `accounts/${what}-${++unique}/token`;

beforeAll(async () => {
  local = await startLocalSecrets();
  store = new SecretsManagerStore(local.client, { prefix: PREFIX });
});

afterAll(async () => {
  await local.close();
});

/** Every form an error takes on its way to a log or an HTTP body. */
function everyFormOf(error: Error): string {
  return [error.message, String(error), error.stack ?? '', JSON.stringify(error), String((error.cause as Error | undefined)?.message), JSON.stringify(error.cause)].join('\n');
}

describe('SecretsManagerStore against the local Secrets Manager', () => {
  it('creates under the prefix, reads, puts a new version, describes and deletes', async () => {
    // Prepare
    const name = nameFor('round-trip');

    // Act
    const arn = await store.create(name, TOKEN, { account: 'a-1', kind: 'token' });
    const first = await store.get(arn);
    const versionId = await store.put(arn, NEXT_TOKEN);
    const second = await store.get(arn);
    const description = await store.describe(arn);
    const deletion = await store.delete(arn, { recoveryWindowDays: RECOVERY_DAYS });
    const afterDelete = await store.describe(arn);

    // Assess
    expect(arn).toMatch(new RegExp(`^arn:aws:secretsmanager:${REGION}:000000000000:secret:${PREFIX}${name}-[A-Za-z0-9]{6}$`));
    expect([first, second]).toEqual([TOKEN, NEXT_TOKEN]);
    expect(description).toMatchObject({ arn, name: `${PREFIX}${name}`, tags: { account: 'a-1', kind: 'token' } });
    expect(description.versions).toContainEqual({ id: versionId, stages: [CURRENT_STAGE] });
    expect(description.versions.find((v) => v.id !== versionId)?.stages).toEqual([PREVIOUS_STAGE]);
    expect(JSON.stringify(description)).not.toContain(TOKEN);
    expect(deletion.deletionDate).toBeInstanceOf(Date);
    expect(afterDelete.deletedAt).toBeInstanceOf(Date);
  });

  it('maps the service errors to domain errors with categories, without values', async () => {
    // Prepare
    const name = nameFor('errors');
    const arn = await store.create(name, TOKEN);
    const missing = arn.replace(/token-[A-Za-z0-9]{6}$/, 'other-AbCdEf');

    // Act
    const exists = await failureOf(store.create(name, NEXT_TOKEN));
    const notFound = await failureOf(store.get(missing));
    await store.delete(arn);
    const deletedGet = await failureOf(store.get(arn));
    const deletedPut = await failureOf(store.put(arn, NEXT_TOKEN));
    const nameHeld = await failureOf(store.create(name, NEXT_TOKEN));

    // Assess
    expect([exists.name, categoryOf(exists)]).toEqual(['SecretExistsError', 'conflict']);
    expect([notFound.name, categoryOf(notFound)]).toEqual(['SecretNotFoundError', 'input']);
    expect([deletedGet.name, categoryOf(deletedGet)]).toEqual(['SecretDeletedError', 'conflict']);
    expect([deletedPut.name, categoryOf(deletedPut)]).toEqual(['SecretDeletedError', 'conflict']);
    expect(nameHeld).toMatchObject({ name: 'SecretExistsError', scheduledForDeletion: true });
    for (const error of [exists, notFound, deletedGet, deletedPut, nameHeld]) {
      expect(everyFormOf(error)).not.toContain(TOKEN);
      expect(everyFormOf(error)).not.toContain(NEXT_TOKEN);
    }
  });

  it('deletes at once when forced: the name is free again', async () => {
    // Prepare
    const name = nameFor('forced');
    const arn = await store.create(name, TOKEN);

    // Act
    await store.delete(arn, { force: true });
    const gone = await failureOf(store.describe(arn));
    const again = await store.create(name, NEXT_TOKEN);

    // Assess
    expect(gone.name).toBe('SecretNotFoundError');
    expect(await store.get(again)).toBe(NEXT_TOKEN);
  });

  it('refuses a secret outside its prefix before asking the service', async () => {
    // Prepare
    const outside = await local.client.send(new CreateSecretCommand({ Name: 'someone-else/token', SecretString: TOKEN }));

    // Act
    const error = await failureOf(store.get(outside.ARN!));

    // Assess
    expect([error.name, categoryOf(error)]).toEqual(['InvalidSecretNameError', 'input']);
    expect(everyFormOf(error)).not.toContain(TOKEN);
  });

  it('serves repeated reads from CachedSecrets', async () => {
    // Prepare
    const arn = await store.create(nameFor('cached'), TOKEN);
    let reads = 0;
    const counting = {
      get: (a: string) => {
        reads++;
        return store.get(a);
      },
    };
    const cache = new CachedSecrets(counting);

    // Act
    const values = await Promise.all([cache.get(arn), cache.get(arn)]);
    values.push(await cache.get(arn));

    // Assess
    expect(values).toEqual([TOKEN, TOKEN, TOKEN]);
    expect(reads).toBe(1);
  });
});

describe('SecretsManagerStore when the service is unavailable', () => {
  /** Answers every request with `status` and an AWS error body of `type` whose message quotes a value. */
  let stub: Server;
  let answer = { status: 400, type: 'ThrottlingException' };

  beforeAll(async () => {
    stub = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: answer.type, message: `rate exceeded for ${TOKEN}` }));
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  });

  const stubStore = () => new SecretsManagerStore(clientFor(`http://127.0.0.1:${(stub.address() as AddressInfo).port}`), { prefix: PREFIX });
  const ARN = `arn:aws:secretsmanager:${REGION}:000000000000:secret:${PREFIX}accounts/a/token-AbCdEf`;

  it.each([
    ['throttling', { status: 400, type: 'ThrottlingException' }],
    ['an internal service error', { status: 500, type: 'InternalServiceError' }],
    ['a 503 from a proxy', { status: 503, type: 'ServiceUnavailable' }],
  ])('reports %s as retryable SecretsUnavailableError', async (_case, stubAnswer) => {
    // Prepare
    answer = stubAnswer;

    // Act
    const error = await failureOf(stubStore().put(ARN, NEXT_TOKEN));

    // Assess
    expect(error.name).toBe('SecretsUnavailableError');
    expect(categoryOf(error)).toBe('unavailable');
    expect(everyFormOf(error)).not.toContain(TOKEN);
    expect(everyFormOf(error)).not.toContain(NEXT_TOKEN);
  });

  it('reports a refused connection as retryable SecretsUnavailableError', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = new SecretsManagerStore(clientFor(`http://127.0.0.1:${port}`), { prefix: PREFIX });

    // Act
    const error = await failureOf(refused.get(ARN));

    // Assess
    expect([error.name, categoryOf(error)]).toEqual(['SecretsUnavailableError', 'unavailable']);
  });
});
