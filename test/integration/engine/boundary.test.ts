/**
 * The namespace boundary end to end through runApplyStep and KubernetesCluster: refused
 * objects fail before any write, an admin target may create cluster-scoped objects, a
 * missing target namespace is created, and a ServiceAccount confined by RBAC to team-a
 * deploys there but gets a ClusterAccessError for team-b.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import { ClusterAccessError, NamespaceBoundaryError } from '#domain/errors.ts';
import type { Manifest, Target } from '#domain/model.ts';
import { rawRequest } from '../../support/https.ts';
import { adminTarget, apply, connect, deployment, file, namespacedTarget, rejection, startTestSandbox, type TestSandbox } from './helpers.ts';

let t: TestSandbox;
let admin: KubernetesCluster;
const setup = { fieldManager: 'it-setup', force: true };

beforeAll(async () => {
  t = await startTestSandbox();
  admin = await connect(adminTarget(t));
});

afterAll(async () => {
  await admin?.close();
  await t?.close();
});

const configMap = (name: string, namespace?: string): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace ? { namespace } : {}) }, data: { a: '1' } });
const clusterRole = (name: string): Manifest => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name },
  rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
});

describe('refused before any write', () => {
  it('an object naming another namespace, and a cluster-scoped kind on a namespaced target', async () => {
    await admin.ensureNamespace('home');
    await t.sandbox.settle();
    const before = t.sandbox.cluster.store.resourceVersion;
    const target = namespacedTarget(t, 'home');

    const elsewhere = await rejection(apply(target, [file('app.yaml', [configMap('mine'), configMap('theirs', 'other')])]));
    const clusterScoped = await rejection(apply(target, [file('rbac.yaml', [configMap('mine'), clusterRole('engine-it-reader')])]));

    expect(elsewhere).toBeInstanceOf(NamespaceBoundaryError);
    expect(elsewhere.message).toContain('app.yaml');
    expect(elsewhere.message).toContain('"other"');
    expect(elsewhere.message).toContain('confined to namespace "home"');
    expect(clusterScoped).toBeInstanceOf(NamespaceBoundaryError);
    expect(clusterScoped.message).toContain('ClusterRole');
    expect(clusterScoped.message).toContain('cluster-scoped');
    expect(t.sandbox.cluster.store.resourceVersion).toBe(before);
    expect(await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'home', name: 'mine' })).toBeUndefined();
    expect(await admin.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'engine-it-reader' })).toBeUndefined();
  });
});

it('an admin target may create a Namespace and a ClusterRole', async () => {
  const ns: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'made-by-admin' } };
  const { result } = await apply(adminTarget(t), [file('cluster.yaml', [configMap('inside', 'made-by-admin'), clusterRole('engine-it-admin-made'), ns])]);

  expect(result.state).toBe('done');
  expect(result.objects.map((o) => `${o.ref.kind}/${o.ref.name}:${o.outcome}:${o.health?.status}`).sort()).toEqual([
    'ClusterRole/engine-it-admin-made:created:Healthy',
    'ConfigMap/inside:created:Healthy',
    'Namespace/made-by-admin:created:Healthy',
  ]);
  expect(await admin.get({ apiVersion: 'v1', kind: 'Namespace', name: 'made-by-admin' })).toBeDefined();
  expect(await admin.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'engine-it-admin-made' })).toBeDefined();
});

it('a target whose namespace does not exist gets it created', async () => {
  expect(await admin.get({ apiVersion: 'v1', kind: 'Namespace', name: 'brand-new' })).toBeUndefined();

  const { result, events } = await apply(namespacedTarget(t, 'brand-new'), [file('app.yaml', [configMap('settings'), deployment('web')])]);

  expect(result.state).toBe('done');
  expect(events).toContainEqual({ type: 'namespace', name: 'brand-new', outcome: 'created' });
  expect((await admin.get({ apiVersion: 'v1', kind: 'Namespace', name: 'brand-new' }))?.status?.phase).toBe('Active');
  expect(result.objects.map((o) => o.outcome)).toEqual(['created', 'created']);
});

describe('a ServiceAccount confined to team-a by a Role', () => {
  let token: string;

  beforeAll(async () => {
    await admin.ensureNamespace('team-a');
    await admin.ensureNamespace('team-b');
    await admin.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: 'team-a' } }, setup);
    await admin.apply(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'deployer', namespace: 'team-a' },
        rules: [
          { apiGroups: [''], resources: ['configmaps', 'secrets', 'services', 'pods', 'events'], verbs: ['*'] },
          { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['*'] },
        ],
      },
      setup,
    );
    await admin.apply(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'deployer', namespace: 'team-a' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
        subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'team-a' }],
      },
      setup,
    );
    const issued = await rawRequest(t.sandbox, {
      method: 'POST',
      path: '/api/v1/namespaces/team-a/serviceaccounts/deployer/token',
      token: t.sandbox.credentials.adminToken,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    expect(issued.status).toBe(201);
    token = issued.json.status.token;
  });

  const saTarget = (namespace: string, extra: Partial<Target> = {}): Target => ({ ...namespacedTarget(t, namespace, token, `sa-${namespace}`), ...extra });

  it('deploys into team-a and waits for the rollout', async () => {
    const { result, events } = await apply(saTarget('team-a'), [file('app.yaml', [configMap('settings'), deployment('web', { replicas: 2 })])]);

    expect(result.state).toBe('done');
    expect(events).toContainEqual({ type: 'namespace', name: 'team-a', outcome: 'exists' });
    expect((await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'web' }))?.status?.availableReplicas).toBe(2);
  });

  it('gets a terminal ClusterAccessError naming the account, verb and resource for team-b, and writes nothing', async () => {
    const asTeamB = await rejection(apply(saTarget('team-b'), [file('app.yaml', [configMap('settings')])]));
    const asAdminFlagged = await rejection(apply(saTarget('team-a', { admin: true, name: 'sa-admin-flagged' }), [file('app.yaml', [configMap('settings', 'team-b')])]));

    for (const error of [asTeamB, asAdminFlagged]) {
      expect(error).toBeInstanceOf(ClusterAccessError);
      expect((error as ClusterAccessError).terminal).toBe(true);
      expect((error as ClusterAccessError).status).toBe(403);
      expect(error.message).toContain('system:serviceaccount:team-a:deployer');
      expect(error.message).toMatch(/\bpatch\b/);
      expect(error.message).toContain('configmaps');
      expect(error.message).toContain('team-b');
      expect(error.message).not.toContain(token);
    }
    expect(await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-b', name: 'settings' })).toBeUndefined();
  });
});
