/**
 * The Kubernetes adapter authenticates with every account kind against the sandbox over HTTPS,
 * verifies TLS, names account and action in 401/403 errors, and never puts a secret in a message.
 */

import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import { TlsVerificationError } from '#adapters/kubernetes/errors.ts';
import type { AwsDeps } from '#adapters/kubernetes/kubeconfig.ts';
import { ClusterAccessError } from '#domain/errors.ts';
import type { Account, Target } from '#domain/model.ts';
import { createCertificateAuthority } from '#sandbox/auth/pki.ts';
import { BASIC_USER } from '#sandbox/credentials.ts';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox.ts';
import { adminAccount, configMap, fakeAssumeRole, fakeDescribeCluster, rejection, sandboxTarget } from './helpers.ts';

let t: TestSandbox;
const clients: KubernetesCluster[] = [];
/** Every error an adapter call threw in this file, checked for secrets at the end. */
const thrown: Error[] = [];
let serviceAccountToken = '';

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t?.close();
});

async function connect(target: Target, aws: AwsDeps = {}): Promise<KubernetesCluster> {
  const client = await KubernetesCluster.connect(target, aws, { retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await rejection(promise);
  thrown.push(error);
  return error;
}

const defaultNamespace = { apiVersion: 'v1', kind: 'Namespace', name: 'default' };

describe('account kinds', () => {
  it('reads with a bearer token, basic auth, a client certificate and an EKS user key', async () => {
    // Prepare
    const { credentials } = t.sandbox;
    const accounts: Account[] = [
      adminAccount(t),
      { kind: 'basic', username: BASIC_USER, password: credentials.basicPassword },
      { kind: 'certificate', certPem: credentials.certUser.certPem, keyPem: credentials.certUser.keyPem },
      {
        kind: 'eks',
        clusterName: t.sandbox.eks.clusterName,
        region: t.sandbox.eks.region,
        credentials: { accessKeyId: credentials.aws.user.accessKeyId, secretAccessKey: credentials.aws.user.secretAccessKey },
      },
    ];
    for (const account of accounts) {
      // Act
      const client = await connect(sandboxTarget(t, account));
      const live = await client.get(defaultNamespace);
      // Assess
      expect(live?.metadata.name, account.kind).toBe('default');
    }
  });

  it('assumes the account role for EKS and finds endpoint and CA with DescribeCluster', async () => {
    const calls: { roleArn: string; sessionName: string }[] = [];
    const account: Account = { kind: 'eks', clusterName: t.sandbox.eks.clusterName, region: t.sandbox.eks.region, roleArn: t.sandbox.credentials.aws.role.roleArn };
    const client = await connect({ name: 'prod-eu', tags: [], admin: true, account }, { assumeRole: fakeAssumeRole(t, calls), describeCluster: fakeDescribeCluster(t) });

    await client.apply(configMap('default', 'via-role', { a: '1' }), { fieldManager: 'conveyor', force: false });
    await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'via-role' });

    expect(calls).toEqual([{ roleArn: account.roleArn, sessionName: 'conveyor-prod-eu' }]);
  });

  it('names target and account kind when the cluster rejects the credentials (401)', async () => {
    const client = await connect(sandboxTarget(t, { kind: 'token', token: 'not-a-valid-token-1234' }, { name: 'prod-eu' }));

    const error = await failure(client.get(defaultNamespace));

    expect(error).toBeInstanceOf(ClusterAccessError);
    expect((error as ClusterAccessError).status).toBe(401);
    expect(error.message).toBe('target "prod-eu": the cluster rejected the credentials of the token account (401 Unauthorized)');
  });

  it('rejects an EKS token signed with keys the cluster does not know', async () => {
    const account: Account = {
      kind: 'eks',
      clusterName: t.sandbox.eks.clusterName,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'wrong-secret-key-value' },
    };
    const client = await connect(sandboxTarget(t, account));

    const error = await failure(client.get(defaultNamespace));

    expect(error.message).toContain('credentials of the eks account (401 Unauthorized)');
  });
});

describe('TLS', () => {
  it('fails terminally when the server certificate is not signed by the target CA', async () => {
    const otherCa = createCertificateAuthority({ commonName: 'somebody-else' }).certPem;
    for (const caPem of [otherCa, undefined]) {
      const client = await connect(sandboxTarget(t, adminAccount(t), { caPem }));

      const error = await failure(client.get(defaultNamespace));

      expect(error).toBeInstanceOf(TlsVerificationError);
      expect((error as TlsVerificationError).terminal).toBe(true);
      expect(error.message).toContain(`TLS verification failed for ${t.sandbox.url}`);
    }
  });

  it('connects without verification only when the target says skipTlsVerify', async () => {
    const client = await connect(sandboxTarget(t, adminAccount(t), { caPem: undefined, skipTlsVerify: true }));

    expect((await client.get(defaultNamespace))?.metadata.name).toBe('default');
  });
});

describe('a namespace-confined ServiceAccount', () => {
  let deployer: KubernetesCluster;

  beforeAll(async () => {
    const admin = await connect(sandboxTarget(t, adminAccount(t)));
    const apply = (o: any) => admin.apply(o, { fieldManager: 'test-setup', force: true });
    for (const ns of ['team-a', 'other']) await admin.ensureNamespace(ns);
    await apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: 'team-a' } });
    await apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'deployer', namespace: 'team-a' },
      rules: [
        { apiGroups: ['', 'apps'], resources: ['configmaps', 'deployments'], verbs: ['*'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    await apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'deployer', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'team-a' }],
    });
    const kc = new KubeConfig();
    kc.loadFromString(t.sandbox.kubeconfig);
    const issued = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({ name: 'deployer', namespace: 'team-a', body: { spec: { audiences: [] } } });
    if (!issued.status?.token) throw new Error('TokenRequest returned no token');
    serviceAccountToken = issued.status.token;
    deployer = await connect(sandboxTarget(t, { kind: 'token', token: serviceAccountToken }, { name: 'team-a-target', namespace: 'team-a', admin: false }));
  });

  it('gets a 403 naming account, verb, resource and namespace when it acts outside its namespace', async () => {
    const error = await failure(deployer.apply(configMap('other', 'x', {}), { fieldManager: 'conveyor', force: false }));

    expect(error).toBeInstanceOf(ClusterAccessError);
    expect((error as ClusterAccessError).status).toBe(403);
    expect(error.message).toContain('target "team-a-target": the token account is not allowed to apply ConfigMap other/x');
    expect(error.message).toContain('User "system:serviceaccount:team-a:deployer" cannot patch resource "configmaps" in API group "" in the namespace "other"');
  });

  it('works inside its namespace, where ensureNamespace says exists without namespace rights', async () => {
    expect(await deployer.ensureNamespace('team-a')).toBe('exists');
    const live = await deployer.apply(configMap('team-a', 'ok', { a: '1' }), { fieldManager: 'conveyor', force: false });
    expect(live.metadata.uid).toBeTruthy();
    const error = await failure(deployer.ensureNamespace('not-mine'));
    expect((error as ClusterAccessError).status).toBe(403);
  });
});

describe('secrets', () => {
  it('appear in no error message thrown above', () => {
    const { credentials } = t.sandbox;
    const secrets = [
      credentials.adminToken,
      credentials.basicPassword,
      credentials.certUser.keyPem,
      credentials.aws.user.secretAccessKey,
      credentials.aws.role.secretAccessKey,
      credentials.aws.role.sessionToken,
      serviceAccountToken,
      'not-a-valid-token-1234',
      'wrong-secret-key-value',
      'k8s-aws-v1.',
      'Bearer',
    ];
    expect(thrown.length).toBeGreaterThanOrEqual(5);
    for (const error of thrown) {
      const text = `${error.message}\n${(error.cause as Error | undefined)?.message ?? ''}`;
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });
});
