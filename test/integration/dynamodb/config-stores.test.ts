/**
 * Environments, lifecycles, accounts, targets and role bindings on DynamoDB Local: create,
 * read, list, version conflicts, duplicates, targets by environment and tag, and the rule that
 * no secret value is stored (a secret field must hold a secret ARN; refusals never echo it).
 */
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATEGORIES } from '#domain/errors.ts';
import { DuplicateError, NotFoundError, ValidationError, VersionConflictError } from '#domain/pipeline/errors.ts';
import type { Account, Target } from '#domain/pipeline/model.ts';
import type { New } from '#domain/pipeline/ports.ts';
import { ACTOR, createTestTable, FORBIDDEN_COMMANDS, rejectionOf, SECRET_ARN, type TestTable } from './helpers.ts';

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable('config');
});

afterAll(async () => {
  expect(t.commands.filter((name) => FORBIDDEN_COMMANDS.includes(name))).toEqual([]);
  await t.drop();
});

function target(id: string, environments: string[], tags: string[]): New<Target> {
  return { id, url: 'https://k8s.example:6443', namespace: 'web', accountId: 'deployer', environments, tags };
}

describe('environments', () => {
  it('creates, reads, lists by order and updates with a version check', async () => {
    // Prepare
    const { environments } = t.stores;
    await environments.create({ id: 'production', name: 'Production', order: 3 });
    await environments.create({ id: 'development', name: 'Development', order: 1 });
    const test = await environments.create({ id: 'test', name: 'Test', order: 2 });

    // Act
    const updated = await environments.update({ ...test, name: 'Testing' });
    const stale = await rejectionOf(environments.update({ ...test, name: 'Stale' }));

    // Assess
    expect(updated.version).toBe(2);
    expect(await environments.get('test')).toEqual({ id: 'test', name: 'Testing', order: 2, version: 2 });
    expect(stale).toBeInstanceOf(VersionConflictError);
    expect(stale.message).toBe('environment test was changed by someone else: expected version 1, found version 2; read it again and retry');
    expect((await environments.list()).map((e) => e.id)).toEqual(['development', 'test', 'production']);
  });

  it('refuses a duplicate id, and names what is missing with a 404 category', async () => {
    // Act
    const duplicate = await rejectionOf(t.stores.environments.create({ id: 'development', name: 'Again', order: 9 }));
    const missing = await rejectionOf(t.stores.environments.get('staging'));

    // Assess
    expect(duplicate).toBeInstanceOf(DuplicateError);
    expect(ERROR_CATEGORIES[(duplicate as DuplicateError).category].httpStatus).toBe(409);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe('environment staging does not exist');
    expect(ERROR_CATEGORIES[(missing as NotFoundError).category].httpStatus).toBe(404);
  });

  it('deletes at the version read, and not at another', async () => {
    // Prepare
    const env = await t.stores.environments.create({ id: 'sandbox', name: 'Sandbox', order: 9 });

    // Act
    const wrongVersion = await rejectionOf(t.stores.environments.delete('sandbox', env.version + 1));
    await t.stores.environments.delete('sandbox', env.version);

    // Assess
    expect(wrongVersion).toBeInstanceOf(VersionConflictError);
    await expect(t.stores.environments.get('sandbox')).rejects.toThrow(NotFoundError);
    await expect(t.stores.environments.delete('sandbox', 1)).rejects.toThrow(NotFoundError);
  });

  it('refuses ids that cannot be key parts', async () => {
    await expect(t.stores.environments.create({ id: 'Prod#1', name: 'x', order: 1 })).rejects.toThrow(ValidationError);
  });
});

describe('lifecycles', () => {
  it('stores phases as given', async () => {
    // Prepare
    const phases = [
      { name: 'Dev', environments: ['development'], entry: 'automatic' as const, minimumEnvironmentsBeforePromotion: 0 },
      { name: 'Prod', environments: ['production'], entry: 'manual' as const, minimumEnvironmentsBeforePromotion: 1 },
    ];

    // Act
    await t.stores.lifecycles.create({ id: 'default', name: 'Default', phases });

    // Assess
    expect((await t.stores.lifecycles.get('default')).phases).toEqual(phases);
  });
});

describe('accounts', () => {
  it('keeps secret material as a secret ARN only', async () => {
    // Prepare
    const account: New<Account> = { id: 'deployer', name: 'Deployer', kind: 'basic', username: 'deploy', secretArn: SECRET_ARN };

    // Act
    await t.stores.accounts.create(account);
    const stored = await t.raw.send(new GetItemCommand({ TableName: t.tableName, Key: { PK: { S: 'ACCOUNTS' }, SK: { S: 'ACCOUNT#deployer' } } }));

    // Assess
    expect(await t.stores.accounts.get('deployer')).toEqual({ ...account, version: 1 });
    expect(Object.keys(stored.Item!).sort()).toEqual(['PK', 'SK', 'id', 'kind', 'name', 'secretArn', 'type', 'username', 'version']);
  });

  it('refuses a secret value where the ARN belongs, without repeating it', async () => {
    // Prepare
    const token = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl';

    // Act
    const error = await rejectionOf(t.stores.accounts.create({ id: 'pasted', name: 'Pasted', kind: 'token', secretArn: token }));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('secretArn must be a Secrets Manager secret ARN');
    expect(error.message).not.toContain(token);
  });

  it('requires the secret reference for every kind but EKS', async () => {
    await expect(t.stores.accounts.create({ id: 'nokey', name: 'x', kind: 'token' })).rejects.toThrow(/a token account needs secretArn/);
    await expect(t.stores.accounts.create({ id: 'eks', name: 'EKS', kind: 'eks', clusterName: 'prod', region: 'eu-west-1' })).resolves.toMatchObject({ version: 1 });
  });
});

describe('targets', () => {
  it('finds targets by environment and tag with one key query each', async () => {
    // Prepare
    const { targets } = t.stores;
    await targets.create(target('web-eu', ['production', 'test'], ['web', 'eu']));
    await targets.create(target('web-us', ['production'], ['web', 'us']));
    await targets.create(target('db', ['production'], ['db']));
    const before = t.commands.length;

    // Act
    const prodWeb = await targets.listByEnvironmentAndTag('production', 'web');
    const testWeb = await targets.listByEnvironmentAndTag('test', 'web');
    const prodDb = await targets.listByEnvironmentAndTag('production', 'db');
    const none = await targets.listByEnvironmentAndTag('development', 'web');

    // Assess
    expect(prodWeb.map((x) => x.id)).toEqual(['web-eu', 'web-us']);
    expect(testWeb.map((x) => x.id)).toEqual(['web-eu']);
    expect(prodDb).toEqual([{ ...target('db', ['production'], ['db']), version: 1 }]);
    expect(none).toEqual([]);
    expect(t.commands.slice(before)).toEqual(['QueryCommand', 'QueryCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('moves the lookup copies when environments or tags change, and removes them on delete', async () => {
    // Prepare
    const current = await t.stores.targets.get('web-eu');

    // Act
    const updated = await t.stores.targets.update({ ...current, environments: ['production'], tags: ['web', 'canary'] });
    const testWeb = await t.stores.targets.listByEnvironmentAndTag('test', 'web');
    const canary = await t.stores.targets.listByEnvironmentAndTag('production', 'canary');
    await t.stores.targets.delete('web-us', 1);
    const prodWeb = await t.stores.targets.listByEnvironmentAndTag('production', 'web');
    const leftovers = await t.raw.send(
      new QueryCommand({
        TableName: t.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
        ExpressionAttributeValues: { ':pk': { S: 'TARGETS#ENV#production' }, ':p': { S: 'TAG#us#' } },
      }),
    );

    // Assess
    expect(updated.version).toBe(2);
    expect(testWeb).toEqual([]);
    expect(canary).toEqual([updated]);
    expect(prodWeb).toEqual([updated]);
    expect(leftovers.Items).toEqual([]);
  });

  it('refuses a stale update without touching the copies', async () => {
    // Act
    const stale = await rejectionOf(t.stores.targets.update({ ...(await t.stores.targets.get('db')), version: 7, tags: ['other'] }));

    // Assess
    expect(stale.message).toMatch(/^target db was changed by someone else: expected version 7, found version 1/);
    expect((await t.stores.targets.listByEnvironmentAndTag('production', 'db')).map((x) => x.id)).toEqual(['db']);
  });

  it('refuses more environments × tags than one transaction can keep in step', async () => {
    const tags = Array.from({ length: 10 }, (_, i) => `t${i}`);
    await expect(t.stores.targets.create(target('wide', ['a', 'b', 'c', 'd', 'e'], tags))).rejects.toThrow(/environments × tags is 50; the limit is 48/);
  });
});

describe('role bindings', () => {
  it('finds a principal’s roles, and none for an unknown principal', async () => {
    // Prepare
    await t.stores.roles.create({ principalArn: ACTOR, roles: [{ role: 'ReleaseManager' }, { role: 'Approver', environments: ['production'] }] });

    // Act
    const found = await t.stores.roles.find(ACTOR);
    const unknown = await t.stores.roles.find('arn:aws:iam::123456789012:role/nobody');

    // Assess
    expect(found?.roles).toEqual([{ role: 'ReleaseManager' }, { role: 'Approver', environments: ['production'] }]);
    expect(unknown).toBeUndefined();
  });

  it('only scopes Deployer and Approver to environments', async () => {
    const attempt = t.stores.roles.create({ principalArn: 'arn:aws:iam::123456789012:role/ops', roles: [{ role: 'Admin', environments: ['production'] }] });
    await expect(attempt).rejects.toThrow(/only Deployer and Approver may be limited to environments/);
  });
});
