/**
 * Every way to authenticate to the sandbox, over HTTPS with real clients: the admin token,
 * anonymous requests, bad tokens, ServiceAccount tokens (TokenRequest and legacy Secrets),
 * client certificates (from the sandbox CA and from a foreign one), basic auth and EKS IAM
 * tokens, plus TokenReview, SelfSubjectReview and SelfSubjectAccessReview through the API.
 */

import { AppsV1Api, AuthenticationV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEksToken } from '#sandbox/auth/eks.ts';
import { createCertificateAuthority, createClientCertificate } from '#sandbox/auth/pki.ts';
import { apiError } from '../../support/client-node.ts';
import { type RawRequest, rawRequest } from '../../support/https.ts';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

let t: TestSandbox;
let admin: KubeConfig;

/** kube-apiserver's 401 body: the same whatever was wrong with the credential. */
const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

beforeAll(async () => {
  t = await startTestSandbox();
  admin = new KubeConfig();
  admin.loadFromString(t.sandbox.kubeconfig);
});

afterAll(async () => {
  await t?.close();
});

const raw = (r: RawRequest) => rawRequest(t.sandbox, r);

/** The kubeconfig's own context (sandbox-admin, sandbox-cert, sandbox-basic). */
function context(name: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(t.sandbox.kubeconfig);
  kc.setCurrentContext(name);
  return kc;
}

/** A kubeconfig for one bearer token on the sandbox's cluster. */
function tokenConfig(token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'sandbox', server: t.sandbox.url, caData: Buffer.from(t.sandbox.caPem).toString('base64') }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'c', cluster: 'sandbox', user: 'u' }],
    currentContext: 'c',
  });
  return kc;
}

async function namespace(name: string): Promise<string> {
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Who the server thinks a bearer token is (SelfSubjectReview over raw HTTPS), or the status code. */
async function whoAmI(token: string): Promise<{ status: number; username?: string; groups?: string[]; body: any }> {
  const r = await raw({ method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
  return { status: r.status, username: r.json?.status?.userInfo?.username, groups: r.json?.status?.userInfo?.groups, body: r.json };
}

function deploymentBody(name: string): V1Deployment {
  return {
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
  };
}

function jwtClaims(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('admin token and anonymous requests', () => {
  it('the admin bearer token is a cluster admin', async () => {
    const me = await admin.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(me.status?.userInfo?.username).toBe('sandbox-admin');
    expect(me.status?.userInfo?.groups).toEqual(expect.arrayContaining(['system:masters', 'system:authenticated']));
    const list = await admin.makeApiClient(CoreV1Api).listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toContain('default');
  });

  it('lets anonymous users read public info only (system:public-info-viewer), and forbids resources', async () => {
    for (const path of ['/version', '/healthz', '/livez', '/readyz']) {
      const r = await raw({ path });
      expect(r.status, path).toBe(200);
    }
    expect((await raw({ path: '/version' })).json.gitVersion).toMatch(/^v1\./);
    // kube-apiserver with --anonymous-auth=true (the default, also on EKS): a request without
    // credentials is system:anonymous, which RBAC forbids (403), rather than a 401.
    const pods = await raw({ path: '/api/v1/namespaces/default/pods' });
    expect(pods.status).toBe(403);
    expect(pods.json).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(pods.json.message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"');
    const discovery = await raw({ path: '/api' });
    expect(discovery.status).toBe(403);
    expect(discovery.json.message).toBe('forbidden: User "system:anonymous" cannot get path "/api"');
  });

  it('answers a wrong bearer token with 401 and a body that does not say what was wrong', async () => {
    const admin = t.sandbox.credentials.adminToken;
    const wrong = [
      'not-a-token',
      `${admin.slice(0, -1)}${admin.endsWith('A') ? 'B' : 'A'}`,
      'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2ln',
      'k8s-aws-v1.aHR0cHM6Ly9leGFtcGxlLmNvbS8',
    ];
    for (const [i, token] of wrong.entries()) {
      const r = await raw({ path: '/api/v1/namespaces', token });
      expect(r.status, `wrong token #${i}`).toBe(401);
      expect(r.json, `wrong token #${i}`).toEqual(UNAUTHORIZED);
      expect(r.headers['www-authenticate'], `wrong token #${i}`).toBeUndefined();
    }
    // Even non-resource paths that anonymous users may read are refused once a bad credential is presented.
    expect((await raw({ path: '/version', token: 'not-a-token' })).status).toBe(401);
    // client-node surfaces it as an ApiException with code 401.
    const err = await apiError(tokenConfig('not-a-token').makeApiClient(CoreV1Api).listNamespace());
    expect(err.code).toBe(401);
  });
});

describe('ServiceAccount tokens', () => {
  it('TokenRequest issues a token that acts as the ServiceAccount, confined by its RoleBinding, revoked with the ServiceAccount', async () => {
    const home = await namespace('auth-sa-home');
    const other = await namespace('auth-sa-other');
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: home, body: { metadata: { name: 'deployer' } } });
    await rbac.createNamespacedRole({
      namespace: home,
      body: { metadata: { name: 'deploy' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: home,
      body: {
        metadata: { name: 'deployer-deploy' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deploy' },
        subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: home }],
      },
    });

    const before = Math.floor(Date.now() / 1000);
    const tr = await core.createNamespacedServiceAccountToken({ name: 'deployer', namespace: home, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const token = tr.status!.token!;
    expect(token.split('.')).toHaveLength(3);
    const claims = jwtClaims(token);
    expect(claims.sub).toBe(`system:serviceaccount:${home}:deployer`);
    expect(claims.exp - claims.iat).toBe(600);
    expect(claims.iat).toBeGreaterThanOrEqual(before - 1);
    expect(claims.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    expect(claims['kubernetes.io']?.serviceaccount?.name).toBe('deployer');
    expect(new Date(tr.status!.expirationTimestamp!).getTime() / 1000).toBe(claims.exp);

    const me = await whoAmI(token);
    expect(me.status).toBe(201);
    expect(me.username).toBe(`system:serviceaccount:${home}:deployer`);
    expect(me.groups).toEqual(expect.arrayContaining(['system:serviceaccounts', `system:serviceaccounts:${home}`, 'system:authenticated']));

    const asSa = tokenConfig(token).makeApiClient(AppsV1Api);
    const created = await asSa.createNamespacedDeployment({ namespace: home, body: deploymentBody('by-sa') });
    expect(created.metadata?.name).toBe('by-sa');
    expect((await asSa.listNamespacedDeployment({ namespace: home })).items.map((d) => d.metadata?.name)).toEqual(['by-sa']);

    const elsewhere = await apiError(asSa.listNamespacedDeployment({ namespace: other }));
    expect(elsewhere.code).toBe(403);
    expect(elsewhere.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, details: { group: 'apps', kind: 'deployments' } });
    expect(elsewhere.body.message).toBe(
      `deployments.apps is forbidden: User "system:serviceaccount:${home}:deployer" cannot list resource "deployments" in API group "apps" in the namespace "${other}"`,
    );
    const secrets = await apiError(tokenConfig(token).makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: home }));
    expect(secrets.code).toBe(403);

    // Too short a lifetime is refused as kube-apiserver refuses it.
    const short = await apiError(core.createNamespacedServiceAccountToken({ name: 'deployer', namespace: home, body: { spec: { audiences: [], expirationSeconds: 599 } } }));
    expect(short.code).toBe(422);
    expect(short.body.message).toContain('spec.expirationSeconds');

    // Deleting the ServiceAccount revokes its bound tokens.
    await core.deleteNamespacedServiceAccount({ name: 'deployer', namespace: home });
    const revoked = await raw({ path: `/apis/apps/v1/namespaces/${home}/deployments`, token });
    expect(revoked.status).toBe(401);
    expect(revoked.json).toEqual(UNAUTHORIZED);
    // Recreating a ServiceAccount with the same name does not revive it (the uid differs).
    await core.createNamespacedServiceAccount({ namespace: home, body: { metadata: { name: 'deployer' } } });
    expect((await raw({ path: `/apis/apps/v1/namespaces/${home}/deployments`, token })).status).toBe(401);
  });

  it('fills a legacy kubernetes.io/service-account-token Secret with a working token', async () => {
    const ns = await namespace('auth-legacy');
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'ci' } } });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'ci-token', annotations: { 'kubernetes.io/service-account.name': 'ci' } }, type: 'kubernetes.io/service-account-token' },
    });
    const secret = await eventually(async () => {
      const s = await core.readNamespacedSecret({ name: 'ci-token', namespace: ns });
      return s.data?.token ? s : undefined;
    });
    const token = Buffer.from(secret.data!.token!, 'base64').toString('utf8');
    expect(Buffer.from(secret.data!['ca.crt']!, 'base64').toString('utf8')).toBe(t.sandbox.caPem);
    expect(Buffer.from(secret.data!.namespace!, 'base64').toString('utf8')).toBe(ns);
    expect(secret.metadata?.annotations?.['kubernetes.io/service-account.uid']).toBeTruthy();
    const claims = jwtClaims(token);
    expect(claims.iss).toBe('kubernetes/serviceaccount');
    expect(claims.exp).toBeUndefined();

    const me = await whoAmI(token);
    expect(me.status).toBe(201);
    expect(me.username).toBe(`system:serviceaccount:${ns}:ci`);
    // No RoleBinding: authenticated, but not authorized.
    expect((await raw({ path: `/api/v1/namespaces/${ns}/pods`, token })).status).toBe(403);

    // Deleting the Secret revokes the token.
    await core.deleteNamespacedSecret({ name: 'ci-token', namespace: ns });
    expect((await raw({ path: `/api/v1/namespaces/${ns}/pods`, token })).status).toBe(401);
  });

  it('reviews tokens with TokenReview', async () => {
    const ns = await namespace('auth-review');
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'reviewed' } } });
    const token = (await core.createNamespacedServiceAccountToken({ name: 'reviewed', namespace: ns, body: { spec: { audiences: ['conveyor'] } } })).status!.token!;
    const authn = admin.makeApiClient(AuthenticationV1Api);

    const ok = await authn.createTokenReview({ body: { spec: { token, audiences: ['conveyor'] } } });
    expect(ok.status?.authenticated).toBe(true);
    expect(ok.status?.user?.username).toBe(`system:serviceaccount:${ns}:reviewed`);
    expect(ok.status?.audiences).toEqual(['conveyor']);

    const wrongAudience = await authn.createTokenReview({ body: { spec: { token, audiences: ['someone-else'] } } });
    expect(wrongAudience.status?.authenticated).toBeFalsy();
    const garbage = await authn.createTokenReview({ body: { spec: { token: 'garbage' } } });
    expect(garbage.status?.authenticated).toBeFalsy();
    expect(garbage.status?.user?.username).toBeUndefined();

    // The token's audience is not the API server's, so it does not authenticate API requests.
    expect((await raw({ path: '/api/v1/namespaces', token })).status).toBe(401);
  });
});

describe('client certificates', () => {
  it('a certificate from the sandbox CA (sandbox-cert) is sandbox-developer with ClusterRole edit', async () => {
    const ns = await namespace('auth-cert');
    const kc = context('sandbox-cert');
    const me = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(me.status?.userInfo?.username).toBe('sandbox-developer');
    expect(me.status?.userInfo?.groups).toEqual(expect.arrayContaining(['sandbox:developers', 'system:authenticated']));

    const created = await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: ns, body: deploymentBody('by-cert') });
    expect(created.metadata?.managedFields?.[0]?.manager).toBeTruthy();
    const denied = await apiError(kc.makeApiClient(RbacAuthorizationV1Api).createClusterRole({ body: { metadata: { name: 'by-cert' }, rules: [] } }));
    expect(denied.code).toBe(403);
    expect(denied.body.message).toBe(
      'clusterroles.rbac.authorization.k8s.io is forbidden: User "sandbox-developer" cannot create resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );

    const ssar = kc.makeApiClient(AuthorizationV1Api);
    const can = (verb: string, group: string, resource: string, namespace?: string) =>
      ssar.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { verb, group, resource, namespace } } } }).then((r) => r.status?.allowed);
    expect(await can('create', 'apps', 'deployments', ns)).toBe(true);
    expect(await can('delete', '', 'secrets', ns)).toBe(true);
    expect(await can('create', 'rbac.authorization.k8s.io', 'clusterroles')).toBe(false);
    expect(await can('create', 'rbac.authorization.k8s.io', 'roles', ns)).toBe(false);
  });

  it('a certificate from another CA is refused with 401, even with the same CA name and an admin subject', async () => {
    const foreignCa = createCertificateAuthority({ commonName: 'sandbox-ca' });
    const forged = createClientCertificate(foreignCa, { username: 'sandbox-admin', groups: ['system:masters'] });
    const r = await raw({ path: '/api/v1/namespaces', cert: forged });
    expect(r.status).toBe(401);
    expect(r.json).toEqual(UNAUTHORIZED);
    // The real one works over the same raw path.
    const genuine = await raw({ path: '/api/v1/namespaces', cert: t.sandbox.credentials.certUser });
    expect(genuine.status).toBe(200);
    // A bad certificate is not rescued by anonymous access either.
    expect((await raw({ path: '/version', cert: forged })).status).toBe(401);
  });
});

describe('basic auth', () => {
  it('sandbox-basic is sandbox-viewer with ClusterRole view: can list, cannot create; a wrong password is 401', async () => {
    const ns = await namespace('auth-basic');
    const kc = context('sandbox-basic');
    const core = kc.makeApiClient(CoreV1Api);
    expect((await core.listNamespacedConfigMap({ namespace: ns })).items).toBeDefined();
    const denied = await apiError(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'nope' } } }));
    expect(denied.code).toBe(403);
    expect(denied.body.message).toBe(`configmaps is forbidden: User "sandbox-viewer" cannot create resource "configmaps" in API group "" in the namespace "${ns}"`);
    // view does not include Secrets.
    expect((await apiError(core.listNamespacedSecret({ namespace: ns }))).code).toBe(403);

    const user = kc.getCurrentUser()!;
    expect(user.username).toBe('sandbox-viewer');
    const good = await raw({ path: `/api/v1/namespaces/${ns}/configmaps`, basic: { username: 'sandbox-viewer', password: t.sandbox.credentials.basicPassword } });
    expect(good.status).toBe(200);
    const wrong = await raw({ path: `/api/v1/namespaces/${ns}/configmaps`, basic: { username: 'sandbox-viewer', password: `${t.sandbox.credentials.basicPassword}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual(UNAUTHORIZED);
    const unknownUser = await raw({ path: `/api/v1/namespaces/${ns}/configmaps`, basic: { username: 'nobody', password: t.sandbox.credentials.basicPassword } });
    expect(unknownUser.status).toBe(401);
    expect(unknownUser.text).toBe(wrong.text);
  });
});

describe('EKS IAM tokens', () => {
  const eksToken = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, overrides: { clusterName?: string; now?: Date } = {}) =>
    createEksToken({ clusterName: overrides.clusterName ?? t.sandbox.eks.clusterName, region: t.sandbox.eks.region, credentials, ...(overrides.now ? { now: overrides.now } : {}) });

  /** Decodes the presigned URL, lets `edit` change it, and re-encodes it as a token. */
  function tamper(token: string, edit: (url: URL) => void): string {
    const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
    edit(url);
    return `k8s-aws-v1.${Buffer.from(url.toString()).toString('base64url')}`;
  }

  it('maps the IAM user to sandbox-operator and the assumed role to conveyor:<session>', async () => {
    const { user, role } = t.sandbox.credentials.aws;
    const asUser = await whoAmI(await eksToken(user));
    expect(asUser.status).toBe(201);
    expect(asUser.username).toBe('sandbox-operator');
    expect(asUser.groups).toEqual(expect.arrayContaining(['system:masters', 'system:authenticated']));

    const roleToken = await eksToken(role);
    const asRole = await whoAmI(roleToken);
    expect(asRole.status).toBe(201);
    expect(asRole.username).toBe('conveyor:conveyor');
    // The token works for real requests through client-node too.
    const list = await tokenConfig(roleToken).makeApiClient(CoreV1Api).listNamespace();
    expect(list.items.length).toBeGreaterThan(0);

    const review = await admin.makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token: roleToken } } });
    expect(review.status?.authenticated).toBe(true);
    expect(review.status?.user?.username).toBe('conveyor:conveyor');
  });

  it('refuses tampered, foreign-cluster, expired and unknown-key tokens with the same 401', async () => {
    const { user, role } = t.sandbox.credentials.aws;
    const good = await eksToken(user);
    const flip = (c: string) => (c === '0' ? '1' : '0');
    const cases: [string, string][] = [
      [
        'signature changed',
        tamper(good, (u) => {
          const sig = u.searchParams.get('X-Amz-Signature')!;
          u.searchParams.set('X-Amz-Signature', sig.slice(0, -1) + flip(sig.slice(-1)));
        }),
      ],
      [
        'signed date changed',
        tamper(good, (u) => {
          const date = u.searchParams.get('X-Amz-Date')!;
          u.searchParams.set('X-Amz-Date', date.slice(0, -2) + (date.slice(-2, -1) === '0' ? '1Z' : '0Z'));
        }),
      ],
      ['one character of the token changed', good.slice(0, -3) + (good.slice(-3, -2) === 'A' ? 'B' : 'A') + good.slice(-2)],
      ['another cluster', await eksToken(user, { clusterName: 'other-cluster' })],
      ['expired (20 minutes old)', await eksToken(user, { now: new Date(Date.now() - 20 * 60_000) })],
      ['unknown access key', await eksToken({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) })],
      ['role without its session token', await eksToken({ accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey })],
      ['user key with a wrong secret', await eksToken({ accessKeyId: user.accessKeyId, secretAccessKey: `${user.secretAccessKey}x` })],
    ];
    for (const [what, token] of cases) {
      const r = await raw({ path: '/api/v1/namespaces', token });
      expect(r.status, what).toBe(401);
      expect(r.json, what).toEqual(UNAUTHORIZED);
    }
    // The untampered token still works, and a 14-minute-old one (kubectl's cache) too.
    expect((await raw({ path: '/api/v1/namespaces', token: good })).status).toBe(200);
    expect((await raw({ path: '/api/v1/namespaces', token: await eksToken(user, { now: new Date(Date.now() - 14 * 60_000) }) })).status).toBe(200);
  });
});
