/**
 * `/targets` through the real handler: the rules a target follows (namespace or explicit admin,
 * https or a local http URL without credentials, a CA bundle or an explicit skipTlsVerify),
 * unknown account and environments refused with the known ones listed, optimistic concurrency,
 * and who may run the health check (here with the fake probe; health.test.ts uses the sandbox).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeClusterProbe } from '#domain/pipeline/fake-cluster-probe.ts';
import { testCertificates } from '../../../support/certificates.ts';
import { createWorld, DEPLOYER, RELEASE_MANAGER, seedEnvironments, seedTokenAccount, type World } from './world.ts';

let world: World;

const TOKEN = 'tok-targets-5e1f0a9c7d-never-shown';
const base = { url: 'https://k8s.example:6443', namespace: 'web', accountId: 'deployer', environments: ['dev'], tags: ['web'] };

beforeAll(async () => {
  world = await createWorld('api-targets');
  await seedEnvironments(world, ['dev', 'prod']);
  await seedTokenAccount(world, 'deployer', TOKEN);
});

afterAll(async () => {
  await world?.close();
});

describe('targets', () => {
  it('creates, reads, replaces and deletes a target', async () => {
    // Prepare
    const caPem = testCertificates().ca.certPem;

    // Act
    const created = await world.admin('targets', 'POST /targets', { body: { id: 'web-dev', ...base, caPem } });
    const replaced = await world.admin('targets', 'PUT /targets/{targetId}', { path: { targetId: 'web-dev' }, body: { ...base, environments: ['dev', 'prod'], tags: ['web', 'api'], version: 1 } });
    const stale = await world.admin('targets', 'PUT /targets/{targetId}', { path: { targetId: 'web-dev' }, body: { ...base, version: 1 } });
    const lookup = await world.table.stores.targets.listByEnvironmentAndTag('prod', 'api');
    const deleted = await world.admin('targets', 'DELETE /targets/{targetId}', { path: { targetId: 'web-dev' }, query: { version: '2' } });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'web-dev', ...base, caPem, version: 1 });
    expect(replaced.body).toEqual({ id: 'web-dev', ...base, environments: ['dev', 'prod'], tags: ['web', 'api'], version: 2 });
    expect(stale.status).toBe(409);
    expect(lookup.map((target) => target.id)).toEqual(['web-dev']);
    expect(deleted.status).toBe(204);
    expect(await world.table.stores.targets.listByEnvironmentAndTag('prod', 'api')).toEqual([]);
  });

  it('takes an admin target without namespace, and a local cluster over http', async () => {
    // Act
    const admin = await world.admin('targets', 'POST /targets', { body: { ...base, id: 'admin-dev', namespace: undefined, admin: true } });
    const local = await world.admin('targets', 'POST /targets', { body: { ...base, id: 'local-dev', url: 'http://127.0.0.1:8080', skipTlsVerify: true } });

    // Assess
    expect(admin.status).toBe(201);
    expect(admin.body).toMatchObject({ admin: true });
    expect(admin.body.namespace).toBeUndefined();
    expect(local.status).toBe(201);
    expect(local.body).toMatchObject({ url: 'http://127.0.0.1:8080', skipTlsVerify: true });
  });

  it('refuses an unknown account and unknown environments with 400, listing the known ones', async () => {
    // Act
    const answer = await world.admin('targets', 'POST /targets', { body: { ...base, id: 'lost', accountId: 'nobody', environments: ['dev', 'staging'] } });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('UnknownReferenceError');
    expect(answer.body.error.message).toContain('accountId names unknown account "nobody" (known: deployer)');
    expect(answer.body.error.message).toContain('environments names unknown environment "staging" (known: dev, prod)');
    expect(answer.body.error.details.known).toEqual({ accounts: ['deployer'], environments: ['dev', 'prod'] });
  });

  it.each([
    ['an empty namespace', { namespace: '' }, 'body.namespace: a namespace name may not be empty or blank'],
    ['a namespace that is a path', { namespace: '../kube-system' }, 'body.namespace: a namespace name is a DNS-1123 label'],
    ['no namespace on a non-admin target', { namespace: undefined }, 'namespace is required: only an admin target (admin: true) goes without one'],
    ['plain http to another host', { url: 'http://k8s.example:8080' }, 'url must use https; http is allowed only for localhost'],
    ['credentials in the URL', { url: 'https://admin:hunter2-never-shown@k8s.example' }, 'url must not carry credentials'],
    ['a URL that is not one', { url: 'k8s.example:6443' }, 'url'],
    ['a CA bundle that is not PEM', { caPem: 'not a certificate' }, 'caPem is not PEM'],
    ['a CA bundle and skipTlsVerify', { caPem: testCertificates().ca.certPem, skipTlsVerify: true }, 'caPem and skipTlsVerify contradict each other'],
    ['a tag listed twice', { tags: ['web', 'web'] }, 'tags lists web more than once'],
    ['an unknown field', { insecure: true }, 'unknown field "insecure"'],
    ['no environment', { environments: [] }, 'body.environments: Too small'],
  ])('refuses %s with 400 and stores nothing', async (_case, change, fragment) => {
    // Prepare
    const before = (await world.itemsOfType('Target')).length;

    // Act
    const answer = await world.admin('targets', 'POST /targets', { body: { ...base, id: 'refused', ...change } });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain(fragment);
    expect(answer.text).not.toContain('hunter2');
    expect((await world.itemsOfType('Target')).length).toBe(before);
  });

  it('lets Admin and ReleaseManager check a target, and refuses a Deployer (403, audited)', async () => {
    // Prepare
    await world.admin('targets', 'POST /targets', { body: { ...base, id: 'checked' } });
    const probe = world.probe as FakeClusterProbe;
    probe.denied.add('delete deployments.apps');

    // Act
    const byManager = await world.call('targets', 'POST /targets/{targetId}/health', { callerArn: RELEASE_MANAGER, path: { targetId: 'checked' } });
    const byDeployer = await world.call('targets', 'POST /targets/{targetId}/health', { callerArn: DEPLOYER, path: { targetId: 'checked' } });
    const missing = await world.admin('targets', 'POST /targets/{targetId}/health', { path: { targetId: 'missing' } });

    // Assess
    expect(byManager.status).toBe(200);
    expect(byManager.body).toMatchObject({ targetId: 'checked', reachable: true, authenticated: true, serverVersion: 'v1.33.0', namespace: 'web' });
    expect(byManager.body.permissions).toContainEqual({ verb: 'delete', resource: 'deployments.apps', allowed: false });
    expect(byManager.body.permissions).toContainEqual({ verb: 'patch', resource: 'configmaps', allowed: true });
    expect(probe.targets.at(-1)).toMatchObject({ name: 'checked', url: base.url, namespace: 'web', account: { kind: 'token', token: TOKEN } });
    expect(byDeployer.status).toBe(403);
    expect(missing.status).toBe(404);
    const events = await world.auditEvents();
    expect(events.filter((event) => event.subject === 'target/checked').map((event) => event.action)).toEqual(['target.create', 'target.check', 'access.denied']);
    expect(await world.everything()).not.toContain(TOKEN);
  });

  it('reports a probe that could not connect in the answer, not as an error', async () => {
    // Prepare
    await world.admin('targets', 'POST /targets', { body: { ...base, id: 'down' } });
    const probe = world.probe as FakeClusterProbe;
    probe.failure = { reachable: false, authenticated: false, reason: `cannot reach https://k8s.example:6443 with Bearer ${TOKEN}` };

    // Act
    const answer = await world.admin('targets', 'POST /targets/{targetId}/health', { path: { targetId: 'down' } });
    probe.failure = undefined;

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ reachable: false, authenticated: false, permissions: [] });
    expect(answer.body.reason).toContain('cannot reach https://k8s.example:6443');
    expect(answer.text).not.toContain(TOKEN);
  });
});
