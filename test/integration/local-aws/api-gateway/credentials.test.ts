/**
 * The demo credentials `conveyor up` writes: keys in AWS's shapes, one profile per demo user
 * (and `[default]` when asked) in a file of mode 0600 that the SDK's own profile reader reads
 * back; kept across restarts, made anew when a user is missing; profile names the INI format
 * cannot hold refused.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-providers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CREDENTIALS_FILE_MODE,
  DEMO_PROFILES,
  demoUsers,
  generateDemoCredentials,
  loadOrCreateDemoCredentials,
  ProfileNameError,
  principalsOf,
  writeCredentialsFile,
} from '#local/aws/api-gateway/credentials.ts';
import { temporaryDirectory } from '../secrets/helpers.ts';

const dir = temporaryDirectory('conveyor-demo-keys-');

afterAll(() => dir.remove());

describe('demo credentials', () => {
  it('makes an access key pair per demo user, in the shapes of IAM keys, each principal its user', () => {
    // Act
    const credentials = generateDemoCredentials(demoUsers('123456789012'));

    // Assess
    expect(credentials.map((c) => c.profile)).toEqual([...DEMO_PROFILES]);
    for (const c of credentials) {
      expect(c.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(c.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
      expect(c.principalArn).toBe(`arn:aws:iam::123456789012:user/${c.profile}`);
    }
    expect(new Set(credentials.map((c) => c.accessKeyId)).size).toBe(credentials.length);
    expect(principalsOf(credentials)[credentials[1]!.accessKeyId]).toEqual({ secretAccessKey: credentials[1]!.secretAccessKey, principalArn: 'arn:aws:iam::123456789012:user/release-manager' });
  });

  it('writes a 0600 file with a profile per user and [default], which the SDK reads', async () => {
    // Prepare
    const file = join(dir.path, 'fresh', 'credentials');
    const credentials = generateDemoCredentials(demoUsers());

    // Act
    writeCredentialsFile(file, credentials, { defaultProfile: 'admin' });

    // Assess
    expect(statSync(file).mode & 0o777).toBe(CREDENTIALS_FILE_MODE);
    for (const [profile, expected] of [
      ['default', credentials[0]!],
      ['approver', credentials[2]!],
    ] as const) {
      const read = await fromIni({ profile, filepath: file, configFilepath: join(dir.path, 'no-config') })();
      expect(read).toMatchObject({ accessKeyId: expected.accessKeyId, secretAccessKey: expected.secretAccessKey });
    }
  });

  it('keeps the keys a file has for every user, and makes new ones when a user is missing', () => {
    // Prepare
    const file = join(dir.path, 'kept');
    const users = demoUsers();

    // Act
    const first = loadOrCreateDemoCredentials(file, users);
    const again = loadOrCreateDemoCredentials(file, users);
    writeFileSync(file, readFileSync(file, 'utf8').replace('[auditor]', '[someone-else]'), { mode: 0o600 });
    const remade = loadOrCreateDemoCredentials(file, users);

    // Assess
    expect(again).toEqual(first);
    expect(remade.map((c) => c.accessKeyId)).not.toEqual(first.map((c) => c.accessKeyId));
    expect(loadOrCreateDemoCredentials(file, users)).toEqual(remade);
  });

  it('refuses a profile name the INI format would not keep', () => {
    const [user] = generateDemoCredentials([{ profile: 'has space]', principalArn: 'arn:aws:iam::000000000000:user/x' }]);
    expect(() => writeCredentialsFile(join(dir.path, 'bad'), [user!])).toThrow(ProfileNameError);
  });
});
