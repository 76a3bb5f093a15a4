/**
 * FakeSecrets, the SecretStore other units test against, and the domain rules it shares with
 * the real store: names under the prefix, versions, deletion with a recovery window, errors
 * with categories, scripted failures, and calls recorded without values.
 */
import { describe, expect, it } from 'vitest';
import { categoryOf } from '#domain/errors.ts';
import { FakeSecrets } from '#domain/fake-secrets.ts';
import { InvalidSecretNameError, InvalidSecretValueError, SecretDeletedError, SecretExistsError, SecretNotFoundError, SecretsUnavailableError } from '#domain/secret-errors.ts';
import { CURRENT_STAGE, PREVIOUS_STAGE, SECRET_VALUE_MAX_BYTES } from '#domain/secrets.ts';

const TOKEN = 's3cret-token-value';
const NEXT_TOKEN = 'n3xt-token-value';
const DAY_MS = 86_400_000;
const RECOVERY_DAYS = 7;

describe('FakeSecrets', () => {
  it('creates a secret under the prefix and reads back its value by ARN', async () => {
    // Prepare
    const store = new FakeSecrets();

    // Act
    const arn = await store.create('accounts/a-1/token', TOKEN, { account: 'a-1' });
    const value = await store.get(arn);
    const description = await store.describe(arn);

    // Assess
    expect(arn).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:conveyor\/accounts\/a-1\/token-[A-Za-z0-9]{6}$/);
    expect(value).toBe(TOKEN);
    expect(description).toMatchObject({ arn, name: 'conveyor/accounts/a-1/token', tags: { account: 'a-1' } });
    expect(JSON.stringify(description)).not.toContain(TOKEN);
  });

  it('puts a new current version and keeps the one before as AWSPREVIOUS', async () => {
    // Prepare
    const store = new FakeSecrets();
    const arn = await store.create('variables/db-password', TOKEN);
    const [first] = (await store.describe(arn)).versions;

    // Act
    const second = await store.put(arn, NEXT_TOKEN);

    // Assess
    expect(await store.get(arn)).toBe(NEXT_TOKEN);
    expect((await store.describe(arn)).versions).toEqual([
      { id: first!.id, stages: [PREVIOUS_STAGE] },
      { id: second, stages: [CURRENT_STAGE] },
    ]);
  });

  it('schedules a deletion: reads are refused, the name stays taken, describe still works', async () => {
    // Prepare
    const now = new Date('2026-01-01T00:00:00Z');
    const store = new FakeSecrets({ now: () => now });
    const arn = await store.create('accounts/a-2/password', TOKEN);

    // Act
    const deletion = await store.delete(arn, { recoveryWindowDays: RECOVERY_DAYS });

    // Assess
    expect(deletion.deletionDate).toEqual(new Date(now.getTime() + RECOVERY_DAYS * DAY_MS));
    await expect(store.get(arn)).rejects.toBeInstanceOf(SecretDeletedError);
    await expect(store.put(arn, NEXT_TOKEN)).rejects.toBeInstanceOf(SecretDeletedError);
    await expect(store.create('accounts/a-2/password', NEXT_TOKEN)).rejects.toMatchObject({ name: 'SecretExistsError', scheduledForDeletion: true });
    expect((await store.describe(arn)).deletedAt).toEqual(now);
  });

  it('forces a deletion: the secret is gone and its name free again', async () => {
    // Prepare
    const store = new FakeSecrets();
    const arn = await store.create('accounts/a-3/key', TOKEN);

    // Act
    await store.delete(arn, { force: true });

    // Assess
    await expect(store.get(arn)).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.create('accounts/a-3/key', NEXT_TOKEN)).resolves.toMatch(/accounts\/a-3\/key-/);
  });

  it('refuses a name that is taken', async () => {
    // Prepare
    const store = new FakeSecrets();
    await store.create('accounts/a-4/token', TOKEN);

    // Act
    const again = store.create('accounts/a-4/token', NEXT_TOKEN);

    // Assess
    await expect(again).rejects.toBeInstanceOf(SecretExistsError);
    await expect(again).rejects.toMatchObject({ category: 'conflict' });
  });

  it.each([
    ['an empty name', ''],
    ['a space', 'accounts/a 1'],
    ['a colon', 'accounts:a1'],
    ['the prefix given again', 'conveyor/accounts/a1'],
    ['an ARN-like suffix', 'accounts/token-abcdef'],
    ['too long a name', 'x'.repeat(600)],
  ])('refuses %s as an input error before storing anything', async (_case, name) => {
    // Prepare
    const store = new FakeSecrets();

    // Act
    const result = store.create(name, TOKEN);

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidSecretNameError);
    await expect(result).rejects.toMatchObject({ category: 'input' });
    expect(store.size).toBe(0);
  });

  it.each([
    ['not a secret ARN', 'conveyor/accounts/a1'],
    ['another service', 'arn:aws:ssm:us-east-1:000000000000:parameter/conveyor/a-ABCDEF'],
    ['outside the prefix', 'arn:aws:secretsmanager:us-east-1:000000000000:secret:other/a-ABCDEF'],
  ])('refuses an ARN that is %s', async (_case, arn) => {
    await expect(new FakeSecrets().get(arn)).rejects.toBeInstanceOf(InvalidSecretNameError);
  });

  it('refuses empty and oversized values without quoting them', async () => {
    // Prepare
    const store = new FakeSecrets();
    const big = `${TOKEN}${'x'.repeat(SECRET_VALUE_MAX_BYTES)}`;

    // Act
    const empty = store.create('variables/empty', '').catch((e: Error) => e);
    const oversized = await store.create('variables/big', big).catch((e: Error) => e);

    // Assess
    expect(await empty).toBeInstanceOf(InvalidSecretValueError);
    expect(oversized).toBeInstanceOf(InvalidSecretValueError);
    expect((oversized as Error).message).not.toContain(TOKEN);
    expect((oversized as Error).message).toMatch(/65554 bytes; at most 65536/);
  });

  it('refuses a recovery window outside 7 to 30 days', async () => {
    // Prepare
    const store = new FakeSecrets();
    const arn = await store.create('variables/window', TOKEN);

    // Act
    const result = store.delete(arn, { recoveryWindowDays: 3 });

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidSecretValueError);
    expect(await store.get(arn)).toBe(TOKEN);
  });

  it('throws scripted failures the given number of times, and records calls without values', async () => {
    // Prepare
    const store = new FakeSecrets({ prefix: 'team-a/' });
    const arn = await store.create('token', TOKEN);
    store.fail('get', new SecretsUnavailableError(arn, 'get', 'ThrottlingException'), 1);

    // Act
    const first = await store.get(arn).catch((e: unknown) => e);
    const second = await store.get(arn);

    // Assess
    expect(categoryOf(first)).toBe('unavailable');
    expect(second).toBe(TOKEN);
    expect(store.calls).toEqual([
      { verb: 'create', subject: 'token' },
      { verb: 'get', subject: arn },
      { verb: 'get', subject: arn },
    ]);
    expect(JSON.stringify(store.calls)).not.toContain(TOKEN);
  });
});
