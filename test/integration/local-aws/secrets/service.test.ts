/**
 * The local Secrets Manager through the real SDK client, command by command: what AWS
 * answers for create, get (by ARN, name, partial ARN, version id and stage), put, describe,
 * delete (recovery window, force) and list (filters, pages), and the error shapes the SDK
 * turns into its own exception classes. Raw HTTP covers what the SDK never sends.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidNextTokenException,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  paginateListSecrets,
  ResourceExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, type LocalSecrets, REGION, startLocalSecrets } from './helpers.ts';

const VALUE = 'pa55word-first-value';
const NEXT_VALUE = 'pa55word-second-value';
const THIRD_VALUE = 'pa55word-third-value';
const DAY_MS = 86_400_000;
const RECOVERY_DAYS = 7;
const MAX_SECRET_BYTES = 65_536;
const MAX_BODY_BYTES = 1024 * 1024;
const JSON_1_1 = 'application/x-amz-json-1.1';

let local: LocalSecrets;
/** The service's clock, moved by the recovery-window test. */
let now = Date.parse('2026-03-01T12:00:00Z');
let unique = 0;
/** A name no other test of the file uses. */
const nameFor = (what: string) => `conveyor/service-test/${what}-${++unique}`;

/** A secret that exists throughout, for error cases about its versions and parameters. */
const EXISTING = 'conveyor/service-test/existing';

beforeAll(async () => {
  local = await startLocalSecrets({ now: () => now });
  await local.client.send(new CreateSecretCommand({ Name: EXISTING, SecretString: VALUE }));
});

afterAll(async () => {
  await local.close();
});

async function rawCall(target: string | undefined, body: string): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const response = await fetch(`${local.service.url}/`, {
    method: 'POST',
    headers: { 'content-type': JSON_1_1, ...(target ? { 'x-amz-target': target } : {}) },
    body,
  });
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as Record<string, unknown>, text };
}

describe('local Secrets Manager through the SDK', () => {
  it('creates a secret and reads it by ARN, name and partial ARN', async () => {
    // Prepare
    const name = nameFor('create');

    // Act
    const created = await local.client.send(new CreateSecretCommand({ Name: name, SecretString: VALUE, ClientRequestToken: 'a'.repeat(32) }));
    const byArn = await local.client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const byName = await local.client.send(new GetSecretValueCommand({ SecretId: name }));
    const byPartialArn = await local.client.send(new GetSecretValueCommand({ SecretId: created.ARN!.slice(0, -'-XXXXXX'.length) }));

    // Assess
    expect(created.ARN).toMatch(new RegExp(`^arn:aws:secretsmanager:${REGION}:000000000000:secret:${name}-[A-Za-z0-9]{6}$`));
    expect(created.VersionId).toBe('a'.repeat(32));
    for (const read of [byArn, byName, byPartialArn]) {
      expect(read).toMatchObject({ ARN: created.ARN, Name: name, SecretString: VALUE, VersionStages: ['AWSCURRENT'], VersionId: created.VersionId });
      expect(read.CreatedDate).toBeInstanceOf(Date);
    }
  });

  it('moves AWSCURRENT to each new value and AWSPREVIOUS to the one before', async () => {
    // Prepare
    const created = await local.client.send(new CreateSecretCommand({ Name: nameFor('put'), SecretString: VALUE }));

    // Act
    const second = await local.client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: NEXT_VALUE }));
    const third = await local.client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: THIRD_VALUE }));
    const current = await local.client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const previous = await local.client.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSPREVIOUS' }));
    const first = await local.client.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionId: created.VersionId }));
    const described = await local.client.send(new DescribeSecretCommand({ SecretId: created.ARN }));

    // Assess
    expect(second.VersionStages).toEqual(['AWSCURRENT']);
    expect(current).toMatchObject({ SecretString: THIRD_VALUE, VersionId: third.VersionId });
    expect(previous).toMatchObject({ SecretString: NEXT_VALUE, VersionId: second.VersionId, VersionStages: ['AWSPREVIOUS'] });
    expect(first).toMatchObject({ SecretString: VALUE, VersionStages: [] });
    // The first version has no label left: deprecated, so not listed.
    expect(described.VersionIdsToStages).toEqual({ [second.VersionId!]: ['AWSPREVIOUS'], [third.VersionId!]: ['AWSCURRENT'] });
  });

  it('keeps binary values as bytes', async () => {
    // Prepare
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 255]);

    // Act
    const created = await local.client.send(new CreateSecretCommand({ Name: nameFor('binary'), SecretBinary: bytes }));
    const read = await local.client.send(new GetSecretValueCommand({ SecretId: created.ARN }));

    // Assess
    expect(read.SecretString).toBeUndefined();
    expect([...read.SecretBinary!]).toEqual([...bytes]);
  });

  it('answers a retried request (same token, same value) as the first, and refuses the token with another value', async () => {
    // Prepare
    const name = nameFor('idempotent');
    const token = 'b'.repeat(40);
    const created = await local.client.send(new CreateSecretCommand({ Name: name, SecretString: VALUE, ClientRequestToken: token }));

    // Act
    const retried = await local.client.send(new CreateSecretCommand({ Name: name, SecretString: VALUE, ClientRequestToken: token }));
    const conflicting = await failureOf(local.client.send(new CreateSecretCommand({ Name: name, SecretString: NEXT_VALUE, ClientRequestToken: token })));
    const putAgain = await failureOf(local.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: NEXT_VALUE, ClientRequestToken: token })));

    // Assess
    expect(retried).toMatchObject({ ARN: created.ARN, VersionId: token });
    expect(conflicting).toBeInstanceOf(ResourceExistsException);
    expect(putAgain).toBeInstanceOf(ResourceExistsException);
  });

  it('describes a secret with its tags and versions, never its value', async () => {
    // Prepare
    const created = await local.client.send(new CreateSecretCommand({ Name: nameFor('describe'), SecretString: VALUE, Description: 'cluster token', Tags: [{ Key: 'account', Value: 'a-1' }] }));

    // Act
    const described = await local.client.send(new DescribeSecretCommand({ SecretId: created.ARN }));

    // Assess
    expect(described).toMatchObject({ ARN: created.ARN, Description: 'cluster token', Tags: [{ Key: 'account', Value: 'a-1' }], RotationEnabled: false });
    expect(described.VersionIdsToStages).toEqual({ [created.VersionId!]: ['AWSCURRENT'] });
    expect(JSON.stringify(described)).not.toContain(VALUE);
  });

  it('schedules a deletion: reads refused as AWS does, the name kept until the window ends', async () => {
    // Prepare
    const name = nameFor('deleted');
    const created = await local.client.send(new CreateSecretCommand({ Name: name, SecretString: VALUE }));

    // Act
    const deleted = await local.client.send(new DeleteSecretCommand({ SecretId: created.ARN, RecoveryWindowInDays: RECOVERY_DAYS }));
    const read = await failureOf(local.client.send(new GetSecretValueCommand({ SecretId: created.ARN })));
    const put = await failureOf(local.client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: NEXT_VALUE })));
    const recreate = await failureOf(local.client.send(new CreateSecretCommand({ Name: name, SecretString: NEXT_VALUE })));
    const deleteAgain = await failureOf(local.client.send(new DeleteSecretCommand({ SecretId: created.ARN })));
    const described = await local.client.send(new DescribeSecretCommand({ SecretId: created.ARN }));
    const listed = await local.client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }));
    const listedWithDeleted = await local.client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }], IncludePlannedDeletion: true }));
    now += RECOVERY_DAYS * DAY_MS;
    const afterWindow = await failureOf(local.client.send(new DescribeSecretCommand({ SecretId: created.ARN })));
    const reused = await local.client.send(new CreateSecretCommand({ Name: name, SecretString: NEXT_VALUE }));

    // Assess
    expect(deleted.DeletionDate?.getTime()).toBe(now);
    for (const error of [read, put, recreate, deleteAgain]) expect(error).toBeInstanceOf(InvalidRequestException);
    expect(read.message).toMatch(/marked for deletion/);
    expect(described.DeletedDate?.getTime()).toBe(now - RECOVERY_DAYS * DAY_MS);
    expect(listed.SecretList).toEqual([]);
    expect(listedWithDeleted.SecretList?.map((s) => s.ARN)).toEqual([created.ARN]);
    expect(afterWindow).toBeInstanceOf(ResourceNotFoundException);
    expect(reused.ARN).not.toBe(created.ARN);
  });

  it('deletes at once with ForceDeleteWithoutRecovery, and refuses it with a recovery window', async () => {
    // Prepare
    const created = await local.client.send(new CreateSecretCommand({ Name: nameFor('forced'), SecretString: VALUE }));

    // Act
    const both = await failureOf(local.client.send(new DeleteSecretCommand({ SecretId: created.ARN, ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: RECOVERY_DAYS })));
    await local.client.send(new DeleteSecretCommand({ SecretId: created.ARN, ForceDeleteWithoutRecovery: true }));
    const read = await failureOf(local.client.send(new GetSecretValueCommand({ SecretId: created.ARN })));

    // Assess
    expect(both).toBeInstanceOf(InvalidParameterException);
    expect(read).toBeInstanceOf(ResourceNotFoundException);
  });

  it('lists by name prefix and tag, in pages that hold every secret once', async () => {
    // Prepare
    const prefix = nameFor('list');
    const arns: string[] = [];
    for (let i = 0; i < 5; i++) {
      const tags = [{ Key: 'kind', Value: i % 2 ? 'token' : 'password' }];
      arns.push((await local.client.send(new CreateSecretCommand({ Name: `${prefix}/s${i}`, SecretString: VALUE, Tags: tags }))).ARN!);
    }
    const filters = [{ Key: 'name' as const, Values: [`${prefix}/`] }];

    // Act
    const pages = [];
    for await (const page of paginateListSecrets({ client: local.client, pageSize: 2 }, { Filters: filters })) pages.push(page);
    const tokens = await local.client.send(new ListSecretsCommand({ Filters: [...filters, { Key: 'tag-value', Values: ['token'] }] }));
    const notTokens = await local.client.send(new ListSecretsCommand({ Filters: [...filters, { Key: 'tag-value', Values: ['!token'] }] }));
    const byName = await local.client.send(new ListSecretsCommand({ Filters: filters, SortBy: 'name', SortOrder: 'desc', MaxResults: 1 }));

    // Assess
    expect(pages.map((p) => p.SecretList?.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.SecretList!.map((s) => s.ARN))).toEqual(arns);
    expect(pages.at(-1)?.NextToken).toBeUndefined();
    expect(tokens.SecretList?.map((s) => s.ARN)).toEqual([arns[1], arns[3]]);
    expect(notTokens.SecretList?.map((s) => s.ARN)).toEqual([arns[0], arns[2], arns[4]]);
    expect(byName.SecretList?.map((s) => s.Name)).toEqual([`${prefix}/s4`]);
    expect(byName.NextToken).toBeDefined();
    expect(JSON.stringify(pages)).not.toContain(VALUE);
  });

  it('refuses a NextToken from another query', async () => {
    // Prepare
    const prefix = nameFor('token');
    for (let i = 0; i < 2; i++) await local.client.send(new CreateSecretCommand({ Name: `${prefix}/s${i}`, SecretString: VALUE }));
    const first = await local.client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [prefix] }], MaxResults: 1 }));

    // Act
    const other = await failureOf(local.client.send(new ListSecretsCommand({ MaxResults: 1, NextToken: first.NextToken })));
    const garbage = await failureOf(local.client.send(new ListSecretsCommand({ NextToken: 'not-a-token' })));

    // Assess
    expect(other).toBeInstanceOf(InvalidNextTokenException);
    expect(garbage).toBeInstanceOf(InvalidNextTokenException);
  });

  it.each([
    ['an unknown secret', () => new GetSecretValueCommand({ SecretId: 'conveyor/nope' }), ResourceNotFoundException],
    ['an unknown version stage', () => new GetSecretValueCommand({ SecretId: EXISTING, VersionStage: 'AWSPENDING' }), ResourceNotFoundException],
    ['a name with a space', () => new CreateSecretCommand({ Name: 'conveyor/a b', SecretString: VALUE }), InvalidParameterException],
    ['a value over 64 KiB', () => new CreateSecretCommand({ Name: nameFor('big'), SecretString: 'x'.repeat(MAX_SECRET_BYTES + 1) }), InvalidParameterException],
    ['a string and a binary value', () => new CreateSecretCommand({ Name: nameFor('both'), SecretString: VALUE, SecretBinary: new Uint8Array([1]) }), InvalidParameterException],
    ['a put without a value', () => new PutSecretValueCommand({ SecretId: EXISTING }), InvalidParameterException],
    ['a recovery window of 3 days', () => new DeleteSecretCommand({ SecretId: EXISTING, RecoveryWindowInDays: 3 }), InvalidParameterException],
  ])('answers %s with the SDK exception AWS would raise', async (_case, command, expected) => {
    // Act
    const error = await failureOf(local.client.send(command() as GetSecretValueCommand));

    // Assess
    expect(error).toBeInstanceOf(expected);
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(error.message).not.toContain(VALUE);
  });

  it('answers malformed JSON with a SerializationException that does not echo the body', async () => {
    // Act
    const answer = await rawCall('secretsmanager.CreateSecret', `{"Name": "conveyor/raw", "SecretString": "${VALUE}"`);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json.__type).toBe('SerializationException');
    expect(answer.text).not.toContain(VALUE);
  });

  it.each([
    ['an unknown operation', 'secretsmanager.RotateSecret'],
    ['another service', 'AmazonSSM.GetParameter'],
    ['no target', undefined],
  ])('answers %s with UnknownOperationException', async (_case, target) => {
    // Act
    const answer = await rawCall(target, '{}');

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json.__type).toBe('UnknownOperationException');
  });

  it('refuses a body over 1 MiB before reading it', async () => {
    // Act
    const answer = await rawCall('secretsmanager.CreateSecret', JSON.stringify({ Name: nameFor('huge'), SecretString: 'x'.repeat(MAX_BODY_BYTES) }));

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.json.__type).toBe('RequestEntityTooLargeException');
  });
});
