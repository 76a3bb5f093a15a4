/**
 * EKS tokens: the format aws-iam-authenticator expects, signatures the sandbox's verifier
 * accepts (pure, no network), role sessions through a fake AssumeRole, caching with a clock.
 */
import { describe, expect, it } from 'vitest';
import { type AssumeRole, type EksAccount, EksTokenSource, presignEksToken, roleSessionName, TOKEN_LIFETIME_MS } from '#adapters/kubernetes/eks.ts';
import { ClusterAccessError, ClusterUnavailableError } from '#domain/errors.ts';
import { EksTokenVerifier } from '#sandbox/auth/eks.ts';

const CLUSTER = 'prod-eu';
const REGION = 'eu-west-1';
const USER = { accessKeyId: 'AKIAEXAMPLEUSER00001', secretAccessKey: 'user-secret-key-0123456789', arn: 'arn:aws:iam::111122223333:user/ci' };
const ROLE = {
  accessKeyId: 'ASIAEXAMPLEROLE00001',
  secretAccessKey: 'role-secret-key-0123456789',
  sessionToken: 'role-session-token-abcdef',
  arn: 'arn:aws:sts::111122223333:assumed-role/deployer/conveyor-prod-eu',
};
const ROLE_ARN = 'arn:aws:iam::111122223333:role/deployer';
const T0 = Date.parse('2025-06-01T12:00:00Z');

function verifier(now: number, clusterName = CLUSTER) {
  return new EksTokenVerifier({
    clusterName,
    accounts: [USER, ROLE],
    accessEntries: [
      { principalArn: USER.arn, username: 'ci', groups: ['system:masters'] },
      { principalArn: ROLE_ARN, username: 'conveyor:{{SessionName}}', groups: ['deployers'] },
    ],
    clock: () => new Date(now),
  });
}

/** A fake STS: counts calls, returns the role keys the verifier knows, expiring after `ttlMs`. */
function fakeSts(clock: () => number, ttlMs = 3600_000) {
  const calls: Parameters<AssumeRole>[0][] = [];
  const assumeRole: AssumeRole = async (request) => {
    calls.push(request);
    return { accessKeyId: ROLE.accessKeyId, secretAccessKey: ROLE.secretAccessKey, sessionToken: ROLE.sessionToken, expiration: new Date(clock() + ttlMs) };
  };
  return { calls, assumeRole };
}

const userAccount: EksAccount = { kind: 'eks', clusterName: CLUSTER, region: REGION, credentials: { accessKeyId: USER.accessKeyId, secretAccessKey: USER.secretAccessKey } };
const roleAccount: EksAccount = { kind: 'eks', clusterName: CLUSTER, region: REGION, roleArn: ROLE_ARN };

describe('presignEksToken', () => {
  it('is k8s-aws-v1. + unpadded base64url of a presigned STS GetCallerIdentity URL over x-k8s-aws-id', async () => {
    const token = await presignEksToken(CLUSTER, REGION, userAccount.credentials!, new Date(T0));

    expect(token.startsWith('k8s-aws-v1.')).toBe(true);
    const encoded = token.slice('k8s-aws-v1.'.length);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    const url = new URL(Buffer.from(encoded, 'base64url').toString());
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('GetCallerIdentity');
    expect(url.searchParams.get('Version')).toBe('2011-06-15');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-k8s-aws-id');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(`${USER.accessKeyId}/20250601/eu-west-1/sts/aws4_request`);
    expect(token).not.toContain(USER.secretAccessKey);
  });

  it('verifies for its cluster and fails for another', async () => {
    const token = await presignEksToken(CLUSTER, REGION, userAccount.credentials!, new Date(T0));

    expect((await verifier(T0).verify(token)).username).toBe('ci');
    await expect(verifier(T0, 'other-cluster').verify(token)).rejects.toThrow('signature does not match');
  });
});

describe('EksTokenSource', () => {
  it('assumes the account role with a stable session name and signs with the session keys', async () => {
    const now = T0;
    const sts = fakeSts(() => now);
    const source = new EksTokenSource({ account: roleAccount, targetName: 'prod eu/1', assumeRole: sts.assumeRole, now: () => now });

    const token = await source.getToken();

    expect(sts.calls).toEqual([{ roleArn: ROLE_ARN, sessionName: 'conveyor-prod-eu-1', durationSeconds: 3600 }]);
    const user = await verifier(now).verify(token);
    expect(user.username).toBe('conveyor:conveyor-prod-eu');
    expect(user.groups).toEqual(['deployers']);
  });

  it('passes explicit keys to AssumeRole as the source credentials', async () => {
    const sts = fakeSts(() => T0);
    const source = new EksTokenSource({ account: { ...roleAccount, credentials: userAccount.credentials }, targetName: 'x', assumeRole: sts.assumeRole, now: () => T0 });

    await source.getToken();

    expect(sts.calls[0]!.sourceCredentials).toEqual(userAccount.credentials);
  });

  it('reuses a token for 14 minutes, then mints a new one that still verifies', async () => {
    let now = T0;
    const source = new EksTokenSource({ account: userAccount, targetName: 'x', now: () => now });

    const first = await source.getToken();
    now = T0 + TOKEN_LIFETIME_MS - 1;
    const cached = await source.getToken();
    now = T0 + TOKEN_LIFETIME_MS;
    const renewed = await source.getToken();

    expect(cached).toBe(first);
    expect(renewed).not.toBe(first);
    await expect(verifier(now).verify(renewed)).resolves.toMatchObject({ username: 'ci' });
  });

  it('shares one refresh among concurrent callers and re-assumes the role before its keys expire', async () => {
    let now = T0;
    const sts = fakeSts(() => now, 10 * 60_000);
    const source = new EksTokenSource({ account: roleAccount, targetName: 'x', assumeRole: sts.assumeRole, now: () => now });

    const tokens = await Promise.all([source.getToken(), source.getToken(), source.getToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(sts.calls).toHaveLength(1);
    // Keys expire at +10 min; the token must not outlive them (refresh margin 5 min).
    now = T0 + 5 * 60_000;
    await source.getToken();

    expect(sts.calls).toHaveLength(2);
  });

  it('turns AWS failures into domain errors without key material', async () => {
    const denied: AssumeRole = async () => {
      throw Object.assign(new Error(`denied for ${USER.secretAccessKey}`), { name: 'AccessDenied', $fault: 'client' });
    };
    const throttled: AssumeRole = async () => {
      throw Object.assign(new Error('slow down'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 429 } });
    };

    const a = await new EksTokenSource({ account: { ...roleAccount, credentials: userAccount.credentials }, targetName: 'prod-eu', assumeRole: denied }).getToken().catch((e) => e);
    const b = await new EksTokenSource({ account: roleAccount, targetName: 'prod-eu', assumeRole: throttled }).getToken().catch((e) => e);

    expect(a).toBeInstanceOf(ClusterAccessError);
    expect(a.message).toBe(`target "prod-eu": could not assume role ${ROLE_ARN} for the eks account (AccessDenied)`);
    expect(b).toBeInstanceOf(ClusterUnavailableError);
  });
});

describe('roleSessionName', () => {
  it('is conveyor-<target>, restricted to the characters STS accepts and 64 long', () => {
    expect(roleSessionName('prod-eu')).toBe('conveyor-prod-eu');
    expect(roleSessionName('a'.repeat(100))).toHaveLength(64);
  });
});
