import { describe, expect, it } from 'vitest';
import { TokenInvalidError, TokenRequestInvalidError } from '../../../../local/sandbox/auth/errors.ts';
import { createServiceAccountKey } from '../../../../local/sandbox/auth/pki.ts';
import {
  EXTRA_CREDENTIAL_ID,
  EXTRA_POD_NAME,
  LEGACY_TOKEN_INVALID_SINCE_LABEL,
  parseServiceAccountUsername,
  SERVICE_ACCOUNT_ISSUER,
  ServiceAccountTokenIssuer,
  type ServiceAccountTokenLookups,
  StaticTokens,
} from '../../../../local/sandbox/auth/tokens.ts';
import type { KubeObject } from '../../../../local/sandbox/types.ts';

const key = createServiceAccountKey();
const T0 = new Date('2025-06-01T12:00:00Z');
let now = T0;
const issuer = new ServiceAccountTokenIssuer({ signingKeyPem: key.privateKeyPem, clock: () => now });
const sa = { namespace: 'team-a', name: 'deployer', uid: 'sa-uid-1' };

function obj(kind: string, namespace: string, name: string, uid: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { namespace, name, uid }, ...extra };
}

function store(objects: KubeObject[]): ServiceAccountTokenLookups {
  const find = (kind: string, ns: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);
  return {
    serviceAccount: (ns, name) => find('ServiceAccount', ns, name),
    secret: async (ns, name) => find('Secret', ns, name),
    object: (kind, ns, name) => find(kind, ns, name),
  };
}

const live = store([obj('ServiceAccount', 'team-a', 'deployer', 'sa-uid-1')]);

function decode(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
}

describe('bound ServiceAccount tokens', () => {
  it('carry the claims kube-apiserver puts in a TokenRequest token', () => {
    now = T0;
    const issued = issuer.issue(sa);
    const header = JSON.parse(Buffer.from(issued.token.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'RS256', kid: issuer.keyId });
    const claims = decode(issued.token);
    const t = T0.getTime() / 1000;
    expect(claims).toMatchObject({
      iss: SERVICE_ACCOUNT_ISSUER,
      sub: 'system:serviceaccount:team-a:deployer',
      aud: [SERVICE_ACCOUNT_ISSUER],
      iat: t,
      nbf: t,
      exp: t + 3600,
      'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'deployer', uid: 'sa-uid-1' } },
    });
    expect(claims['jti']).toMatch(/^[0-9a-f-]{36}$/);
    expect(issued.expirationTimestamp).toBe('2025-06-01T13:00:00Z');
    expect(issued.expirationSeconds).toBe(3600);
  });

  it('verify to the ServiceAccount user', async () => {
    now = T0;
    const { token } = issuer.issue(sa);
    const user = await issuer.verify(token, live);
    expect(user.username).toBe('system:serviceaccount:team-a:deployer');
    expect(user.uid).toBe('sa-uid-1');
    expect(user.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:team-a']);
    expect(user.extra?.[EXTRA_CREDENTIAL_ID]?.[0]).toMatch(/^JTI=/);
    expect(user.audiences).toEqual([SERVICE_ACCOUNT_ISSUER]);
  });

  it('honour requested expiration and reject durations kube-apiserver rejects (422)', () => {
    now = T0;
    expect(decode(issuer.issue(sa, { expirationSeconds: 600 }).token)['exp']).toBe(T0.getTime() / 1000 + 600);
    const err = (() => {
      try {
        issuer.issue(sa, { expirationSeconds: 599 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TokenRequestInvalidError);
    expect((err as TokenRequestInvalidError).field).toBe('spec.expirationSeconds');
    expect((err as TokenRequestInvalidError).detail).toBe('may not specify a duration less than 10 minutes');
    expect(() => issuer.issue(sa, { expirationSeconds: 2 ** 32 + 1 })).toThrow(/larger than 2\^32 seconds/);
  });

  it('expire (after the 60 s leeway)', async () => {
    now = T0;
    const { token } = issuer.issue(sa, { expirationSeconds: 600 });
    now = new Date(T0.getTime() + 650_000);
    await expect(issuer.verify(token, live)).resolves.toBeTruthy();
    now = new Date(T0.getTime() + 661_000);
    await expect(issuer.verify(token, live)).rejects.toThrow(TokenInvalidError);
    now = T0;
  });

  it('are not valid before nbf', async () => {
    now = new Date(T0.getTime() + 3600_000);
    const { token } = issuer.issue(sa);
    now = T0;
    await expect(issuer.verify(token, live)).rejects.toThrow(/not valid yet/);
  });

  it('check the audience', async () => {
    now = T0;
    const { token } = issuer.issue(sa, { audiences: ['vault'] });
    expect(decode(token)['aud']).toEqual(['vault']);
    await expect(issuer.verify(token, live)).rejects.toThrow(/audiences/);
    await expect(issuer.verify(token, live, ['vault', 'other'])).resolves.toMatchObject({ audiences: ['vault'] });
  });

  it('stop working once the ServiceAccount is deleted or recreated', async () => {
    now = T0;
    const { token } = issuer.issue(sa);
    await expect(issuer.verify(token, store([]))).rejects.toThrow(TokenInvalidError);
    await expect(issuer.verify(token, store([obj('ServiceAccount', 'team-a', 'deployer', 'new-uid')]))).rejects.toThrow(TokenInvalidError);
    const deleting = obj('ServiceAccount', 'team-a', 'deployer', 'sa-uid-1');
    deleting.metadata.deletionTimestamp = '2025-06-01T11:00:00Z';
    await expect(issuer.verify(token, store([deleting]))).rejects.toThrow(TokenInvalidError);
  });

  it('reject tampered payloads and signatures, and other keys', async () => {
    now = T0;
    const { token } = issuer.issue(sa);
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = decode(token);
    claims['sub'] = 'system:serviceaccount:kube-system:admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await expect(issuer.verify(forged, live)).rejects.toThrow(/signature/);
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(issuer.verify(flipped, live)).rejects.toThrow(TokenInvalidError);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.${s}`;
    await expect(issuer.verify(none, live)).rejects.toThrow(/algorithm/);
    const otherIssuer = new ServiceAccountTokenIssuer({ signingKeyPem: createServiceAccountKey().privateKeyPem, clock: () => now });
    await expect(issuer.verify(otherIssuer.issue(sa).token, live)).rejects.toThrow(/signature/);
  });

  it('bound to a pod are valid only while that pod exists', async () => {
    now = T0;
    const { token } = issuer.issue(sa, { boundObjectRef: { kind: 'Pod', name: 'web-1', uid: 'pod-uid' } });
    expect(decode(token)['kubernetes.io']['pod']).toEqual({ name: 'web-1', uid: 'pod-uid' });
    const withPod = store([obj('ServiceAccount', 'team-a', 'deployer', 'sa-uid-1'), obj('Pod', 'team-a', 'web-1', 'pod-uid')]);
    expect((await issuer.verify(token, withPod)).extra?.[EXTRA_POD_NAME]).toEqual(['web-1']);
    await expect(issuer.verify(token, live)).rejects.toThrow(/pod/);
  });
});

describe('legacy secret-based tokens', () => {
  const secretName = 'deployer-token-x7k2q';
  const token = issuer.issueLegacy(sa, secretName);
  const secret = (t: string) =>
    obj('Secret', 'team-a', secretName, 'secret-uid', {
      type: 'kubernetes.io/service-account-token',
      data: { token: Buffer.from(t).toString('base64') },
    });

  it('have the legacy claims and no expiry', () => {
    const claims = decode(token);
    expect(claims).toEqual({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'team-a',
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': 'deployer',
      'kubernetes.io/serviceaccount/service-account.uid': 'sa-uid-1',
      sub: 'system:serviceaccount:team-a:deployer',
    });
  });

  it('verify while the secret holds the token and the ServiceAccount exists', async () => {
    now = new Date('2035-01-01T00:00:00Z');
    const objects = store([obj('ServiceAccount', 'team-a', 'deployer', 'sa-uid-1'), secret(token)]);
    const user = await issuer.verify(token, objects);
    expect(user).toMatchObject({ username: 'system:serviceaccount:team-a:deployer', uid: 'sa-uid-1', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a'] });
    now = T0;
  });

  it('are rejected when the secret is gone, holds another token, or is marked invalid', async () => {
    const saObj = obj('ServiceAccount', 'team-a', 'deployer', 'sa-uid-1');
    await expect(issuer.verify(token, store([saObj]))).rejects.toThrow(TokenInvalidError);
    await expect(issuer.verify(token, store([saObj, secret('other')]))).rejects.toThrow(TokenInvalidError);
    const marked = secret(token);
    marked.metadata.labels = { [LEGACY_TOKEN_INVALID_SINCE_LABEL]: '2025-01-01' };
    await expect(issuer.verify(token, store([saObj, marked]))).rejects.toThrow(TokenInvalidError);
    await expect(issuer.verify(token, store([secret(token)]))).rejects.toThrow(TokenInvalidError);
  });

  it('are only good for the API server audience', async () => {
    const objects = store([obj('ServiceAccount', 'team-a', 'deployer', 'sa-uid-1'), secret(token)]);
    await expect(issuer.verify(token, objects, ['vault'])).rejects.toThrow(/audiences/);
  });
});

describe('JWKS and discovery', () => {
  it('publishes the signing key under its kid', () => {
    const jwks = issuer.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: issuer.keyId, e: 'AQAB' });
    expect(issuer.openidConfiguration()['jwks_uri']).toBe(`${SERVICE_ACCOUNT_ISSUER}/openid/v1/jwks`);
  });
});

describe('static tokens', () => {
  it('map exact tokens to users', () => {
    const tokens = new StaticTokens({ 's3cret-admin': { username: 'admin', groups: ['system:masters'] } });
    expect(tokens.lookup('s3cret-admin')).toEqual({ username: 'admin', groups: ['system:masters'] });
    expect(tokens.lookup('s3cret-admin ')).toBeUndefined();
    expect(tokens.lookup('')).toBeUndefined();
  });
});

describe('parseServiceAccountUsername', () => {
  it('splits ServiceAccount user names only', () => {
    expect(parseServiceAccountUsername('system:serviceaccount:ns:sa')).toEqual({ namespace: 'ns', name: 'sa' });
    expect(parseServiceAccountUsername('alice')).toBeUndefined();
    expect(parseServiceAccountUsername('system:serviceaccount:ns')).toBeUndefined();
  });
});
