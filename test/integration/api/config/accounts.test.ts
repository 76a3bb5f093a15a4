/**
 * `/accounts` through the real handler, with the real Secrets Manager adapter on the local
 * service: secret material is write-only (in the secret store, and in no answer, item, audit
 * event or error message), a new value is a new version of the same secret, a certificate and
 * a key that are not a pair are refused, an account in use is not deleted, and a deleted
 * account's secret is scheduled for deletion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificates } from '../../../support/certificates.ts';
import { createWorld, seedEnvironments, seedTokenAccount, type World } from './world.ts';

let world: World;

const TOKEN = 'tok-7d1e5a0c9b2f48e6a3c1-never-shown';
const NEW_TOKEN = 'tok-2b9c4e1f7a6d4c0e8b3a-never-shown';
const PASSWORD = 'Pa55word-8f2c1d-never-shown';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/conveyor-deployer-never-shown';

/** The stored account item's secret ARN (the test reads the table; the API never shows it). */
async function secretArnOf(id: string): Promise<string> {
  const account = await world.table.stores.accounts.get(id);
  if (!account.secretArn) throw new Error(`account ${id} has no secret`);
  return account.secretArn;
}

beforeAll(async () => {
  world = await createWorld('api-accounts');
  await seedEnvironments(world, ['dev']);
});

afterAll(async () => {
  await world?.close();
});

describe('accounts', () => {
  it('keeps a token in the secret store only: never in an answer, an item, an audit event', async () => {
    // Act
    const created = await world.admin('accounts', 'POST /accounts', { body: { id: 'deployer', name: 'Deployer token', kind: 'token', token: TOKEN } });
    const read = await world.admin('accounts', 'GET /accounts/{accountId}', { path: { accountId: 'deployer' } });
    const list = await world.admin('accounts', 'GET /accounts');

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'deployer', name: 'Deployer token', kind: 'token', version: 1 });
    expect(read.body).toEqual(created.body);
    expect(list.body.items).toContainEqual(created.body);
    const arn = await secretArnOf('deployer');
    expect(JSON.parse(await world.secrets.get(arn))).toEqual({ token: TOKEN });
    const everything = await world.everything();
    expect(everything).not.toContain(TOKEN);
    expect(world.answers.map((answer) => answer.text).join('\n')).not.toContain(arn);
  });

  it('puts a new version of the same secret for a new token, and keeps the stored one when none is sent', async () => {
    // Prepare
    await seedTokenAccount(world, 'rotating', TOKEN);
    const arn = await secretArnOf('rotating');

    // Act
    const renamed = await world.admin('accounts', 'PUT /accounts/{accountId}', { path: { accountId: 'rotating' }, body: { name: 'Renamed', kind: 'token', version: 1 } });
    const afterRename = JSON.parse(await world.secrets.get(arn));
    const rotated = await world.admin('accounts', 'PUT /accounts/{accountId}', { path: { accountId: 'rotating' }, body: { name: 'Renamed', kind: 'token', token: NEW_TOKEN, version: 2 } });

    // Assess
    expect(renamed.status).toBe(200);
    expect(afterRename).toEqual({ token: TOKEN });
    expect(rotated.body).toEqual({ id: 'rotating', name: 'Renamed', kind: 'token', version: 3 });
    expect(await secretArnOf('rotating')).toBe(arn);
    expect(JSON.parse(await world.secrets.get(arn))).toEqual({ token: NEW_TOKEN });
    expect((await world.secrets.describe(arn)).versions.map((version) => version.stages).sort()).toEqual([['AWSCURRENT'], ['AWSPREVIOUS']]);
    expect(await world.everything()).not.toContain(NEW_TOKEN);
  });

  it('leaves the secret unchanged when the replace is stale (409)', async () => {
    // Prepare
    await seedTokenAccount(world, 'contended', TOKEN);
    await world.admin('accounts', 'PUT /accounts/{accountId}', { path: { accountId: 'contended' }, body: { name: 'Second', kind: 'token', version: 1 } });

    // Act
    const stale = await world.admin('accounts', 'PUT /accounts/{accountId}', { path: { accountId: 'contended' }, body: { name: 'Stale', kind: 'token', token: NEW_TOKEN, version: 1 } });

    // Assess
    expect(stale.status).toBe(409);
    expect(JSON.parse(await world.secrets.get(await secretArnOf('contended')))).toEqual({ token: TOKEN });
  });

  it('stores username/password and EKS accounts, showing only public fields', async () => {
    // Act
    const basic = await world.admin('accounts', 'POST /accounts', { body: { id: 'basic', name: 'Basic', kind: 'basic', username: 'ci-bot', password: PASSWORD } });
    const eks = await world.admin('accounts', 'POST /accounts', { body: { id: 'eks', name: 'EKS', kind: 'eks', clusterName: 'prod-eu', region: 'eu-west-1', roleArn: ROLE_ARN } });
    const ownRole = await world.admin('accounts', 'POST /accounts', { body: { id: 'eks-own', name: 'EKS own role', kind: 'eks', clusterName: 'prod-eu', region: 'eu-west-1' } });

    // Assess
    expect(basic.body).toEqual({ id: 'basic', name: 'Basic', kind: 'basic', username: 'ci-bot', version: 1 });
    expect(eks.body).toEqual({ id: 'eks', name: 'EKS', kind: 'eks', clusterName: 'prod-eu', region: 'eu-west-1', assumesRole: true, version: 1 });
    expect(ownRole.body).toMatchObject({ assumesRole: false });
    expect(JSON.parse(await world.secrets.get(await secretArnOf('basic')))).toEqual({ password: PASSWORD });
    expect(JSON.parse(await world.secrets.get(await secretArnOf('eks')))).toEqual({ roleArn: ROLE_ARN });
    expect((await world.table.stores.accounts.get('eks-own')).secretArn).toBeUndefined();
    const everything = await world.everything();
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(ROLE_ARN);
  });

  it('stores a client certificate with its key, and refuses a key that is not its pair', async () => {
    // Prepare
    const { client, otherRsaKeyPem, encryptedKeyPem } = testCertificates();
    const secretsBefore = (await world.secretNames()).length;

    // Act
    const paired = await world.admin('accounts', 'POST /accounts', { body: { id: 'cert', name: 'Cert', kind: 'certificate', certificatePem: client.certPem, privateKeyPem: client.keyPem } });
    const mismatch = await world.admin('accounts', 'POST /accounts', { body: { id: 'cert-bad', name: 'Cert', kind: 'certificate', certificatePem: client.certPem, privateKeyPem: otherRsaKeyPem } });
    const encrypted = await world.admin('accounts', 'POST /accounts', { body: { id: 'cert-enc', name: 'Cert', kind: 'certificate', certificatePem: client.certPem, privateKeyPem: encryptedKeyPem } });
    const newCertificateOnly = await world.admin('accounts', 'PUT /accounts/{accountId}', {
      path: { accountId: 'cert' },
      body: { name: 'Cert', kind: 'certificate', certificatePem: testCertificates().ca.certPem, version: 1 },
    });

    // Assess
    expect(paired.status).toBe(201);
    expect(paired.body).toMatchObject({ kind: 'certificate', certificatePem: client.certPem });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.message).toContain('privateKeyPem does not match certificatePem');
    expect(encrypted.status).toBe(400);
    expect(encrypted.body.error.message).toContain('encrypted with a passphrase');
    // The stored key is checked against a new certificate sent alone.
    expect(newCertificateOnly.status).toBe(400);
    expect(newCertificateOnly.body.error.message).toContain('privateKeyPem does not match certificatePem');
    expect((await world.secretNames()).length).toBe(secretsBefore + 1);
    expect((await world.itemsOfType('Account')).map((item) => item.id)).not.toContain('cert-bad');
    const everything = await world.everything();
    for (const key of [client.keyPem, otherRsaKeyPem]) expect(everything).not.toContain(key.split('\n')[1]);
  });

  it('refuses to delete an account a target uses, naming the target; deletes an unused one and schedules its secret for deletion', async () => {
    // Prepare
    await seedTokenAccount(world, 'in-use', TOKEN);
    await seedTokenAccount(world, 'unused', TOKEN);
    const target = await world.admin('targets', 'POST /targets', {
      body: { id: 'web-dev', url: 'https://k8s.example:6443', namespace: 'web', accountId: 'in-use', environments: ['dev'], tags: ['web'] },
    });
    const arn = await secretArnOf('unused');

    // Act
    const refused = await world.admin('accounts', 'DELETE /accounts/{accountId}', { path: { accountId: 'in-use' }, query: { version: '1' } });
    const deleted = await world.admin('accounts', 'DELETE /accounts/{accountId}', { path: { accountId: 'unused' }, query: { version: '1' } });

    // Assess
    expect(target.status).toBe(201);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('is used by targets web-dev');
    expect(deleted.status).toBe(204);
    expect((await world.secrets.describe(arn)).deletedAt).toBeInstanceOf(Date);
    const event = (await world.auditEvents()).find((e) => e.action === 'account.delete' && e.subject === 'account/unused');
    expect(event?.details.cleanup).toContain('scheduled for deletion');
  });

  it.each([
    ['a secret sent in a misspelt field', { id: 'typo', name: 'Typo', kind: 'token', tokne: TOKEN }, 'unknown field "tokne"'],
    ['an unknown kind', { id: 'odd', name: 'Odd', kind: 'kerberos', token: TOKEN }, 'body.kind'],
    ['a token that is not a string', { id: 'num', name: 'Num', kind: 'token', token: 42 }, 'body.token: Invalid input: expected string'],
    ['a missing token', { id: 'none', name: 'None', kind: 'token' }, 'body.token'],
    ['a bad role ARN', { id: 'eks-bad', name: 'Bad', kind: 'eks', clusterName: 'c', region: 'eu-west-1', roleArn: TOKEN }, 'body.roleArn: must be an IAM role ARN'],
  ])('refuses %s with 400, without repeating the value and without storing anything', async (_case, body, fragment) => {
    // Prepare
    const secretsBefore = (await world.secretNames()).length;

    // Act
    const answer = await world.admin('accounts', 'POST /accounts', { body });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain(fragment);
    expect(answer.text).not.toContain(TOKEN);
    expect((await world.itemsOfType('Account')).map((item) => item.id)).not.toContain(body.id);
    expect((await world.secretNames()).length).toBe(secretsBefore);
  });
});
