import { describe, expect, it } from 'vitest';
import { canonicalizeArn, createEksToken, EKS_TOKEN_PREFIX, type EksAuthConfig, EksTokenVerifier } from '../../../../local/sandbox/auth/eks.ts';
import { AuthConfigError, TokenInvalidError } from '../../../../local/sandbox/auth/errors.ts';

const ACCOUNT = '111122223333';
const alice = { accessKeyId: 'AKIAALICEEXAMPLE', secretAccessKey: 'alice/secret+key' };
const deployer = { accessKeyId: 'ASIADEPLOYEXAMPLE', secretAccessKey: 'deployer-secret', sessionToken: 'FwoGZXIvYXdz//session+token==' };
const T0 = new Date('2025-06-01T12:00:00Z');
let now = T0;

const config: EksAuthConfig = {
  clusterName: 'conveyor-prod',
  accounts: [
    { ...alice, arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
    { ...deployer, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/ci@build-42`, userId: 'AROADEPLOYER' },
  ],
  accessEntries: [
    { principalArn: `arn:aws:iam::${ACCOUNT}:user/alice`, groups: ['devs'] },
    { principalArn: `arn:aws:iam::${ACCOUNT}:role/teams/Deployer`, username: 'deployer:{{AccountID}}:{{SessionName}}', groups: ['deployers'] },
  ],
  clock: () => now,
};
const verifier = new EksTokenVerifier(config);

function url(token: string): string {
  return Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString();
}

function wrap(u: string): string {
  return EKS_TOKEN_PREFIX + Buffer.from(u).toString('base64url');
}

async function token(credentials = alice, clusterName = 'conveyor-prod', region = 'eu-west-1'): Promise<string> {
  return createEksToken({ clusterName, region, credentials, now: T0 });
}

describe('createEksToken', () => {
  it('produces the aws eks get-token format', async () => {
    const t = await token();
    expect(t.startsWith('k8s-aws-v1.')).toBe(true);
    expect(t).not.toContain('=');
    const u = new URL(url(t));
    expect(u.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(u.pathname).toBe('/');
    expect(Object.fromEntries(u.searchParams)).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIAALICEEXAMPLE/20250601/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20250601T120000Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
    });
    expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('EksTokenVerifier', () => {
  it('accepts a valid IAM user token and maps it through its access entry', async () => {
    now = new Date(T0.getTime() + 5 * 60_000);
    const user = await verifier.verify(await token());
    expect(user.username).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`);
    expect(user.groups).toEqual(['devs']);
    expect(user.extra?.['accessKeyId']).toEqual([alice.accessKeyId]);
    now = T0;
  });

  it('maps an assumed role to the role access entry with username templates', async () => {
    const user = await verifier.verify(await token(deployer));
    expect(user.username).toBe(`deployer:${ACCOUNT}:ci-build-42`);
    expect(user.groups).toEqual(['deployers']);
    expect(user.extra?.['canonicalArn']).toEqual([`arn:aws:iam::${ACCOUNT}:role/Deployer`]);
    expect(user.extra?.['sessionName']).toEqual(['ci@build-42']);
    expect(user.extra?.['principalId']).toEqual(['AROADEPLOYER:ci@build-42']);
    expect(new URL(url(await token(deployer))).searchParams.get('X-Amz-Security-Token')).toBe(deployer.sessionToken);
  });

  it('defaults an assumed role username to the session ARN', async () => {
    const v = new EksTokenVerifier({ ...config, accessEntries: [{ principalArn: `arn:aws:iam::${ACCOUNT}:role/Deployer` }] });
    expect((await v.verify(await token(deployer))).username).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/ci-build-42`);
  });

  it('rejects a token after 15 minutes, or dated too far in the future', async () => {
    const t = await token();
    now = new Date(T0.getTime() + 15 * 60_000);
    await expect(verifier.verify(t)).resolves.toBeTruthy();
    now = new Date(T0.getTime() + 15 * 60_000 + 1000);
    await expect(verifier.verify(t)).rejects.toThrow(/expired/);
    now = new Date(T0.getTime() - 16 * 60_000);
    await expect(verifier.verify(t)).rejects.toThrow(/future/);
    now = T0;
  });

  it('rejects a token minted for another cluster', async () => {
    await expect(verifier.verify(await token(alice, 'other-cluster'))).rejects.toThrow(/signature/);
  });

  it('rejects an unknown access key', async () => {
    await expect(verifier.verify(await token({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }))).rejects.toThrow(/unknown access key/);
  });

  it('rejects a wrong secret key (bad signature)', async () => {
    await expect(verifier.verify(await token({ ...alice, secretAccessKey: 'guessed' }))).rejects.toThrow(/signature/);
  });

  it('rejects a tampered URL or signature', async () => {
    const u = url(await token());
    await expect(verifier.verify(wrap(u.replace('X-Amz-Expires=60', 'X-Amz-Expires=61')))).rejects.toThrow(/signature/);
    await expect(verifier.verify(wrap(u.replace('Version=2011-06-15', 'Version=2011-06-16')))).rejects.toThrow(/signature/);
    const sig = new URL(u).searchParams.get('X-Amz-Signature')!;
    const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
    await expect(verifier.verify(wrap(u.replace(sig, flipped)))).rejects.toThrow(/signature/);
    const d = await token(deployer);
    await expect(verifier.verify(wrap(url(d).replace('session%2Btoken', 'session%2Btoken2')))).rejects.toThrow(TokenInvalidError);
  });

  it('enforces aws-iam-authenticator format rules', async () => {
    const u = url(await token());
    await expect(verifier.verify(wrap(u.replace('sts.eu-west-1.amazonaws.com', 'sts.eu-west-1.evil.com')))).rejects.toThrow(/hostname/);
    await expect(verifier.verify(wrap(u.replace('https:', 'http:')))).rejects.toThrow(/scheme/);
    await expect(verifier.verify(wrap(u.replace('Action=GetCallerIdentity', 'Action=AssumeRole')))).rejects.toThrow(/action/);
    await expect(verifier.verify(wrap(u.replace('X-Amz-Expires=60', 'X-Amz-Expires=901')))).rejects.toThrow(/X-Amz-Expires/);
    await expect(verifier.verify(wrap(u.replace('host%3Bx-k8s-aws-id', 'host')))).rejects.toThrow(/x-k8s-aws-id/);
    await expect(verifier.verify(wrap(`${u}&Foo=bar`))).rejects.toThrow(/non-allowed/);
    await expect(verifier.verify(wrap(`${u}&Action=GetCallerIdentity`))).rejects.toThrow(/multiple/);
    await expect(verifier.verify(`k8s-aws-v1.${'A'.repeat(5000)}`)).rejects.toThrow(/too large/);
    await expect(verifier.verify('k8s-aws-v2.abc')).rejects.toThrow(/prefix/);
  });

  it('rejects a principal without an access entry', async () => {
    const v = new EksTokenVerifier({ ...config, accessEntries: [] });
    await expect(v.verify(await token())).rejects.toThrow(/access entry/);
  });

  it('rejects an IAM user whose username template needs a session name', async () => {
    const v = new EksTokenVerifier({ ...config, accessEntries: [{ principalArn: `arn:aws:iam::${ACCOUNT}:user/alice`, username: '{{SessionName}}' }] });
    await expect(v.verify(await token())).rejects.toThrow(TokenInvalidError);
  });

  it('never puts secrets in error messages', async () => {
    const err = await verifier.verify(await token({ ...alice, secretAccessKey: 'guessed' })).catch((e: Error) => e);
    expect(String((err as Error).message)).not.toMatch(/alice\/secret|guessed|[0-9a-f]{64}/);
  });

  it('accepts tokens generated by botocore (aws eks get-token), with and without a session token', async () => {
    // Generated with botocore 1.43 presigning GetCallerIdentity with x-k8s-aws-id: demo, as awscli does.
    const boto =
      'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjYxMTIyJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjExMjJUMTEzOTE0WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9MjQwMTYxZDU5YWNkMjhkZjlmZGY2ZDYyODUzNDM0NGI4YTY0NjRmZjRlYjQ4M2RjMTVlYzQ0ODk4MzMzYzA2OA';
    const botoSession =
      'k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BU0lBRVhBTVBMRSUyRjIwMjYxMTIyJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjExMjJUMTEzOTE0WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TZWN1cml0eS1Ub2tlbj1Gd29HWlhJdllYZHpFQjBhREglMkJzZXNzaW9uJTJGdG9rZW4lM0QlM0QmWC1BbXotU2lnbmF0dXJlPTM1ZTIwMThmYzc0OGVkN2IwZjU3YzM3OWZkYmFhMjNlZjU3NDY1YWU0Zjk1YzBiNWYxODA1ZmJhNzA5ZDYzMzU';
    const clock = () => new Date(Date.UTC(2026, 10, 22, 11, 45));
    const v = new EksTokenVerifier({
      clusterName: 'demo',
      accounts: [
        { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', arn: 'arn:aws:iam::111122223333:user/boto' },
        { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret/with+chars', arn: 'arn:aws:sts::111122223333:assumed-role/R/s' },
      ],
      accessEntries: [{ principalArn: 'arn:aws:iam::111122223333:user/boto' }, { principalArn: 'arn:aws:iam::111122223333:role/R', username: 'r' }],
      clock,
    });
    expect((await v.verify(boto)).username).toBe('arn:aws:iam::111122223333:user/boto');
    expect((await v.verify(botoSession)).username).toBe('r');
    const other = new EksTokenVerifier({
      clusterName: 'not-demo',
      accounts: [{ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', arn: 'arn:aws:iam::111122223333:user/boto' }],
      accessEntries: [{ principalArn: 'arn:aws:iam::111122223333:user/boto' }],
      clock,
    });
    await expect(other.verify(boto)).rejects.toThrow(/signature/);
  });
});

describe('canonicalizeArn', () => {
  it('turns assumed-role ARNs into role ARNs', () => {
    expect(canonicalizeArn('arn:aws:sts::111122223333:assumed-role/Admin/jane')).toEqual({
      canonicalArn: 'arn:aws:iam::111122223333:role/Admin',
      accountId: '111122223333',
      sessionName: 'jane',
    });
    expect(canonicalizeArn('arn:aws:iam::111122223333:user/x').canonicalArn).toBe('arn:aws:iam::111122223333:user/x');
    expect(() => canonicalizeArn('arn:aws:s3:::bucket')).toThrow(AuthConfigError);
  });
});
