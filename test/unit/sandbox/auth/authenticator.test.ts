import { once } from 'node:events';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthenticationRequest, Authenticator, bearerToken } from '../../../../local/sandbox/auth/authenticator.ts';
import { BasicUsers } from '../../../../local/sandbox/auth/basic.ts';
import { createEksToken } from '../../../../local/sandbox/auth/eks.ts';
import { createCertificateAuthority, createClientCertificate, createPki } from '../../../../local/sandbox/auth/pki.ts';
import { ServiceAccountTokenIssuer, type ServiceAccountTokenLookups } from '../../../../local/sandbox/auth/tokens.ts';
import type { KubeObject } from '../../../../local/sandbox/types.ts';

const pki = createPki();
const issuer = new ServiceAccountTokenIssuer({ signingKeyPem: pki.serviceAccountKey.privateKeyPem });
const serviceAccounts: KubeObject[] = [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'team-a', name: 'deployer', uid: 'u1' } }];
const lookups: ServiceAccountTokenLookups = {
  serviceAccount: (ns, name) => serviceAccounts.find((o) => o.metadata.namespace === ns && o.metadata.name === name),
  secret: () => undefined,
};
const eksCreds = { accessKeyId: 'AKIAEKSUSER', secretAccessKey: 'eks-secret' };
const failures: string[] = [];
const auth = new Authenticator({
  staticTokens: { 'admin-token': { username: 'admin', groups: ['system:masters'] } },
  serviceAccounts: { issuer, lookups },
  basicUsers: new BasicUsers([{ username: 'ops', password: 'pw', groups: ['ops'] }]),
  eks: {
    clusterName: 'sandbox',
    accounts: [{ ...eksCreds, arn: 'arn:aws:iam::111122223333:user/eks-user' }],
    accessEntries: [{ principalArn: 'arn:aws:iam::111122223333:user/eks-user', username: 'eks-user', groups: ['eks-devs'] }],
  },
  onFailure: (method, reason) => failures.push(`${method}: ${reason}`),
});

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const req = (r: Partial<AuthenticationRequest>): AuthenticationRequest => ({ peerAuthorized: false, ...r });

describe('Authenticator', () => {
  it('treats a request without credentials as anonymous', async () => {
    expect(await auth.authenticate(req({}))).toEqual({ anonymous: true });
    expect(await auth.authenticate(req({ peerCertificate: {} }))).toEqual({ anonymous: true });
    expect(await auth.authenticate(req({ authorization: 'Negotiate xyz' }))).toEqual({ anonymous: true });
    expect(await auth.authenticate(req({ authorization: 'Bearer ' }))).toEqual({ anonymous: true });
    expect(await new Authenticator({ anonymous: false }).authenticate(req({}))).toEqual({ error: 'unauthorized' });
  });

  it('authenticates a CA-signed client certificate: CN user, O groups', async () => {
    const result = await auth.authenticate(req({ peerCertificate: { subject: { CN: 'alice', O: ['devs', 'qa'] } }, peerAuthorized: true }));
    expect(result).toEqual({ user: { username: 'alice', groups: ['devs', 'qa', 'system:authenticated'] } });
    const single = await auth.authenticate(req({ peerCertificate: { subject: { CN: 'bob', O: 'devs' } }, peerAuthorized: true }));
    expect(single).toEqual({ user: { username: 'bob', groups: ['devs', 'system:authenticated'] } });
  });

  it('rejects an unverified client certificate unless another credential succeeds', async () => {
    const cert = { subject: { CN: 'mallory', O: 'system:masters' } };
    expect(await auth.authenticate(req({ peerCertificate: cert, peerAuthorized: false }))).toEqual({ error: 'unauthorized' });
    const withToken = await auth.authenticate(req({ peerCertificate: cert, authorization: 'Bearer admin-token' }));
    expect(withToken).toEqual({ user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] } });
  });

  it('prefers the client certificate over a bearer token', async () => {
    const r = await auth.authenticate(req({ peerCertificate: { subject: { CN: 'alice' } }, peerAuthorized: true, authorization: 'Bearer admin-token' }));
    expect(r).toEqual({ user: { username: 'alice', groups: ['system:authenticated'] } });
  });

  it('authenticates static, ServiceAccount and EKS bearer tokens', async () => {
    expect(await auth.authenticate(req({ authorization: 'Bearer admin-token' }))).toMatchObject({ user: { username: 'admin' } });
    const sa = await auth.authenticate(req({ authorization: `Bearer ${issuer.issue({ namespace: 'team-a', name: 'deployer', uid: 'u1' }).token}` }));
    expect(sa).toMatchObject({
      user: {
        username: 'system:serviceaccount:team-a:deployer',
        uid: 'u1',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'],
      },
    });
    const eks = await createEksToken({ clusterName: 'sandbox', region: 'us-east-1', credentials: eksCreds });
    expect(await auth.authenticate(req({ authorization: `Bearer ${eks}` }))).toMatchObject({
      user: { username: 'eks-user', groups: ['eks-devs', 'system:authenticated'] },
    });
  });

  it('answers unauthorized for any invalid token, without saying why', async () => {
    failures.length = 0;
    const deleted = issuer.issue({ namespace: 'team-a', name: 'gone', uid: 'u9' }).token;
    const otherCa = new ServiceAccountTokenIssuer({ signingKeyPem: createPki().serviceAccountKey.privateKeyPem });
    for (const token of ['nope', deleted, otherCa.issue({ namespace: 'team-a', name: 'deployer', uid: 'u1' }).token, 'k8s-aws-v1.garbage']) {
      expect(await auth.authenticate(req({ authorization: `Bearer ${token}` }))).toEqual({ error: 'unauthorized' });
    }
    expect(failures).toHaveLength(4);
    expect(failures.join()).not.toContain('admin-token');
  });

  it('authenticates basic auth and rejects a wrong password', async () => {
    expect(await auth.authenticate(req({ authorization: basic('ops', 'pw') }))).toEqual({
      user: { username: 'ops', groups: ['ops', 'system:authenticated'] },
    });
    expect(await auth.authenticate(req({ authorization: basic('ops', 'bad') }))).toEqual({ error: 'unauthorized' });
    expect(await new Authenticator().authenticate(req({ authorization: basic('ops', 'pw') }))).toEqual({ error: 'unauthorized' });
  });

  it('reviews tokens for TokenReview with audiences', async () => {
    const { token } = issuer.issue({ namespace: 'team-a', name: 'deployer', uid: 'u1' }, { audiences: ['vault'] });
    expect(await auth.authenticateToken(token)).toBeUndefined();
    expect(await auth.authenticateToken(token, ['vault'])).toMatchObject({ audiences: ['vault'], user: { username: 'system:serviceaccount:team-a:deployer' } });
    expect(await auth.authenticateToken('admin-token')).toMatchObject({ user: { username: 'admin' } });
  });

  it('parses bearer headers like kube does', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('  Bearer abc  ')).toBe('abc');
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
  });
});

describe('over real TLS (loopback)', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer({ key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false }, async (r, res) => {
      const socket = r.socket as TLSSocket;
      const result = await auth.authenticate({
        authorization: r.headers.authorization,
        peerCertificate: socket.getPeerCertificate(),
        peerAuthorized: socket.authorized,
      });
      res.end(JSON.stringify(result));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function call(options: { cert?: string; key?: string; host?: string }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const r = request({ host: options.host ?? '127.0.0.1', servername: 'localhost', port, path: '/', ca: pki.ca.certPem, cert: options.cert, key: options.key }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(JSON.parse(body)));
      });
      r.on('error', reject);
      r.end();
    });
  }

  it('authenticates a client certificate issued by the sandbox CA', async () => {
    const client = createClientCertificate(pki.ca, { username: 'admin', groups: ['system:masters', 'ops'] });
    expect(await call({ cert: client.certPem, key: client.keyPem })).toEqual({
      user: { username: 'admin', groups: ['system:masters', 'ops', 'system:authenticated'] },
    });
  });

  it('rejects a client certificate from another CA and is anonymous without one', async () => {
    const rogue = createClientCertificate(createCertificateAuthority(), { username: 'admin', groups: ['system:masters'] });
    expect(await call({ cert: rogue.certPem, key: rogue.keyPem })).toEqual({ error: 'unauthorized' });
    expect(await call({})).toEqual({ anonymous: true });
  });
});
