/**
 * `POST /targets/{targetId}/health` against the sandbox cluster, through the real handler, the
 * real cluster probe (@kubernetes/client-node) and account secrets read from the local Secrets
 * Manager: an admin token, a least-privilege ServiceAccount confined to its namespace (as the
 * demo sets one up), a token the cluster refuses, and a URL where nothing listens — each
 * answered with what the cluster said, and never with the token.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterProbe } from '#adapters/kubernetes/probe.ts';
import { rawRequest } from '../../../support/https.ts';
import { startTestSandbox, type TestSandbox } from '../../../support/sandbox.ts';
import { createWorld, seedEnvironments, seedTokenAccount, type World } from './world.ts';

let sandbox: TestSandbox;
let world: World;
let deployerToken: string;

const NAMESPACE = 'team-web';
const DEPLOYER = 'deployer';
const RBAC = 'rbac.authorization.k8s.io';
const BAD_TOKEN = 'not-a-token-3f9c1e7b5a-never-shown';

/** A port on this machine where nothing listens (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Namespace, ServiceAccount, Role and RoleBinding as the admin, and a token for the ServiceAccount. */
async function setUpDeployer(t: TestSandbox): Promise<string> {
  const admin = (method: string, path: string, body: unknown) => rawRequest(t.sandbox, { method, path, token: t.sandbox.credentials.adminToken, body });
  const created = [
    await admin('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } }),
    await admin('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEPLOYER } }),
    await admin('POST', `/apis/${RBAC}/v1/namespaces/${NAMESPACE}/roles`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'Role',
      metadata: { name: DEPLOYER },
      rules: [{ apiGroups: ['', 'apps'], resources: ['pods', 'events', 'deployments', 'replicasets', 'services', 'configmaps', 'secrets'], verbs: ['get', 'list', 'watch', 'create', 'patch'] }],
    }),
    await admin('POST', `/apis/${RBAC}/v1/namespaces/${NAMESPACE}/rolebindings`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'RoleBinding',
      metadata: { name: DEPLOYER },
      roleRef: { apiGroup: RBAC, kind: 'Role', name: DEPLOYER },
      subjects: [{ kind: 'ServiceAccount', name: DEPLOYER, namespace: NAMESPACE }],
    }),
  ];
  for (const answer of created) if (answer.status !== 201) throw new Error(`sandbox setup: ${answer.status} ${answer.text}`);
  const issued = await admin('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${DEPLOYER}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  if (issued.status !== 201) throw new Error(`sandbox token: ${issued.status}`);
  return issued.json.status.token as string;
}

async function createTarget(id: string, fields: Record<string, unknown>): Promise<void> {
  const answer = await world.admin('targets', 'POST /targets', { body: { id, url: sandbox.sandbox.url, caPem: sandbox.sandbox.caPem, environments: ['dev'], tags: ['web'], ...fields } });
  if (answer.status !== 201) throw new Error(`target ${id}: ${answer.text}`);
}

const check = (targetId: string) => world.admin('targets', 'POST /targets/{targetId}/health', { path: { targetId } });

beforeAll(async () => {
  sandbox = await startTestSandbox();
  world = await createWorld('api-health', { probe: new KubernetesClusterProbe() });
  deployerToken = await setUpDeployer(sandbox);
  await seedEnvironments(world, ['dev']);
  await seedTokenAccount(world, 'sandbox-admin', sandbox.sandbox.credentials.adminToken);
  await seedTokenAccount(world, 'team-web-deployer', deployerToken);
  await seedTokenAccount(world, 'refused', BAD_TOKEN);
});

afterAll(async () => {
  await world?.close();
  await sandbox?.close();
});

describe('target health against the sandbox cluster', () => {
  it('reports an admin target: reachable, authenticated, version, user, and every permission', async () => {
    // Prepare
    await createTarget('sandbox-admin', { admin: true, accountId: 'sandbox-admin' });

    // Act
    const answer = await check('sandbox-admin');

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ targetId: 'sandbox-admin', reachable: true, authenticated: true });
    expect(answer.body.serverVersion).toMatch(/^v1\.\d+\.\d+/);
    expect(answer.body.authenticatedAs).toBeTruthy();
    expect(answer.body.namespace).toBeUndefined();
    expect(answer.body.permissions.length).toBeGreaterThan(10);
    expect(answer.body.permissions.every((p: { allowed: boolean }) => p.allowed)).toBe(true);
    expect(answer.body.permissions).toContainEqual({ verb: 'create', resource: 'namespaces', allowed: true });
    expect(answer.body.reason).toBeUndefined();
  });

  it("reports what a namespaced deployer may do in its namespace, and what it may not do in another's", async () => {
    // Prepare
    await createTarget('team-web', { namespace: NAMESPACE, accountId: 'team-web-deployer' });
    await createTarget('team-web-elsewhere', { namespace: 'default', accountId: 'team-web-deployer' });

    // Act
    const own = await check('team-web');
    const elsewhere = await check('team-web-elsewhere');

    // Assess
    expect(own.body).toMatchObject({ reachable: true, authenticated: true, namespace: NAMESPACE, authenticatedAs: `system:serviceaccount:${NAMESPACE}:${DEPLOYER}` });
    expect(own.body.permissions).toContainEqual({ verb: 'patch', resource: 'deployments.apps', allowed: true });
    expect(own.body.permissions).toContainEqual({ verb: 'watch', resource: 'pods', allowed: true });
    expect(own.body.permissions).toContainEqual({ verb: 'delete', resource: 'deployments.apps', allowed: false });
    expect(own.body.permissions).toContainEqual({ verb: 'patch', resource: 'ingresses.networking.k8s.io', allowed: false });
    expect(elsewhere.body).toMatchObject({ reachable: true, authenticated: true, namespace: 'default' });
    expect(elsewhere.body.permissions.some((p: { allowed: boolean }) => p.allowed)).toBe(false);
  });

  it('reports credentials the cluster refuses as reachable but not authenticated, without the token', async () => {
    // Prepare
    await createTarget('refused', { namespace: NAMESPACE, accountId: 'refused' });

    // Act
    const answer = await check('refused');

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ reachable: true, authenticated: false, permissions: [] });
    expect(answer.body.reason).toContain('rejected the credentials of the token account');
    expect(answer.text).not.toContain(BAD_TOKEN);
  });

  it('reports a URL where nothing listens as unreachable from the refusal, not from the deadline', async () => {
    // Prepare
    await createTarget('nowhere', { namespace: NAMESPACE, accountId: 'team-web-deployer', url: `https://127.0.0.1:${await closedPort()}` });

    // Act
    const answer = await check('nowhere');

    // Assess: the refused connection is the answer (at once); a check that kept trying until
    // its deadline would say so instead (probe.ts: "did not finish within", "have passed").
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ reachable: false, authenticated: false, permissions: [] });
    expect(answer.body.reason).toContain('ECONNREFUSED');
    expect(answer.body.reason).not.toMatch(/did not finish within|have passed|deadline/);
  });

  it('never shows a token in an answer, an item or an audit event', async () => {
    // Act
    const everything = await world.everything();

    // Assess
    for (const token of [sandbox.sandbox.credentials.adminToken, deployerToken, BAD_TOKEN]) expect(everything).not.toContain(token);
    expect((await world.auditEvents()).filter((event) => event.action === 'target.check')).toHaveLength(5);
  });
});
