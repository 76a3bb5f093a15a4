/**
 * Use cases over in-memory stores and fakes (no network): the target health check (the engine
 * target it builds, redaction, an unusable account reported in the answer), sensitive project
 * variables (kept, replaced, and kept for releases when no longer used), and the last Admin.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeSecrets } from '#domain/fake-secrets.ts';
import { InvalidStateError } from '#domain/pipeline/errors.ts';
import { FakeClusterProbe } from '#domain/pipeline/fake-cluster-probe.ts';
import { type InMemoryStores, inMemoryStores } from '#domain/pipeline/fake-stores.ts';
import { FakeEvents, FakeWorkflows } from '#domain/pipeline/fake-workflows.ts';
import type { AppDeps, Caller } from '#functions/app/context.ts';
import { createProject, updateProject } from '#functions/app/projects.ts';
import { deleteRoleBinding, updateRoleBinding } from '#functions/app/roles.ts';
import { checkTargetHealth } from '#functions/app/target-health.ts';

const ADMIN = 'arn:aws:iam::123456789012:user/admin';
const caller: Caller = { principalArn: ADMIN, callerArn: ADMIN, requestId: 'req-1' };
const TOKEN = 'tok-unit-9a8b7c6d5e-never-shown';

let stores: InMemoryStores;
let secrets: FakeSecrets;
let probe: FakeClusterProbe;
let deps: AppDeps;
let ids = 0;

beforeEach(async () => {
  stores = inMemoryStores();
  secrets = new FakeSecrets();
  probe = new FakeClusterProbe();
  deps = { stores, secrets, workflows: new FakeWorkflows(), events: new FakeEvents(), clock: () => new Date('2026-01-31T12:00:00Z'), newId: () => `ID${++ids}`, clusterProbe: probe };
  await stores.roles.create({ principalArn: ADMIN, roles: [{ role: 'Admin' }] });
  await stores.environments.create({ id: 'dev', name: 'Dev', order: 0 });
  await stores.lifecycles.create({ id: 'standard', name: 'Standard', phases: [{ name: 'Dev', environments: ['dev'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 }] });
});

async function tokenTarget(id: string): Promise<string> {
  const arn = await secrets.create(`accounts/${id}/1`, JSON.stringify({ token: TOKEN }));
  await stores.accounts.create({ id, name: id, kind: 'token', secretArn: arn });
  await stores.targets.create({ id, url: 'https://k8s.example', namespace: 'web', accountId: id, environments: ['dev'], tags: ['web'] });
  return arn;
}

describe('checkTargetHealth', () => {
  it("probes the engine target built from the stored target and its account's secret, and redacts the reason", async () => {
    // Prepare
    await tokenTarget('web');
    probe.failure = { reachable: true, authenticated: false, reason: `the cluster refused token ${TOKEN}` };

    // Act
    const health = await checkTargetHealth(deps, caller, 'web');

    // Assess
    expect(probe.targets[0]).toEqual({ name: 'web', url: 'https://k8s.example', namespace: 'web', tags: ['web'], account: { kind: 'token', token: TOKEN } });
    expect(probe.calls[0]!.request).toMatchObject({ namespace: 'web', timeoutMs: 10_000 });
    expect(health).toEqual({
      targetId: 'web',
      checkedAt: '2026-01-31T12:00:00.000Z',
      namespace: 'web',
      reachable: true,
      authenticated: false,
      permissions: [],
      reason: 'the cluster refused token ***',
    });
    expect(stores.audit.ofAction('target.check')[0]!.details).toEqual({ account: 'web', reachable: true, authenticated: false });
  });

  it('answers with the reason when the account cannot be used, without asking the cluster', async () => {
    // Prepare
    const arn = await tokenTarget('orphan');
    await secrets.delete(arn, { force: true });

    // Act
    const health = await checkTargetHealth(deps, caller, 'orphan');

    // Assess
    expect(health).toMatchObject({ reachable: false, authenticated: false, permissions: [] });
    expect(health.reason).toContain('the account could not be used: secret');
    expect(probe.calls).toEqual([]);
  });

  it('asks an admin target about cluster-scoped objects too', async () => {
    // Prepare
    await tokenTarget('admin');
    const admin = await stores.targets.get('admin');
    await stores.targets.update({ ...admin, namespace: undefined, admin: true });

    // Act
    const health = await checkTargetHealth(deps, caller, 'admin');

    // Assess
    expect(health.namespace).toBeUndefined();
    expect(health.permissions).toContainEqual({ verb: 'create', resource: 'namespaces', allowed: true });
  });
});

describe('sensitive project variables', () => {
  const definition = (values: object[]) => ({
    name: 'Web',
    lifecycleId: 'standard',
    process: [],
    variables: [{ name: 'DbPassword', values }],
  });

  it('creates a secret, keeps it when no value is sent, and puts a new version when one is', async () => {
    // Prepare
    await createProject(deps, caller, { id: 'web', ...definition([{ value: 'first', sensitive: true }]) });
    const arn = secrets.calls.find((c) => c.verb === 'create')!.subject;

    // Act
    await updateProject(deps, caller, 'web', { ...definition([{ sensitive: true }]), version: 1 });
    const kept = secrets.calls.filter((c) => c.verb === 'put').length;
    const updated = await updateProject(deps, caller, 'web', { ...definition([{ value: 'second', sensitive: true }]), version: 2 });

    // Assess
    expect(arn).toBe('projects/web/variables/DbPassword/ID1');
    expect(kept).toBe(0);
    expect(updated.variables).toEqual([{ name: 'DbPassword', values: [{ sensitive: true }] }]);
    const stored = await stores.projects.get('web');
    const secretArn = (stored.variables[0]!.values[0] as { secretArn: string }).secretArn;
    expect(secrets.peek(secretArn)).toBe('second');
    expect(JSON.stringify(stores.audit.events)).not.toContain('second');
  });

  it('deletes a value no longer used while the project has no release, and keeps it once releases refer to it', async () => {
    // Prepare
    await createProject(deps, caller, { id: 'a', ...definition([{ value: 'a-secret', sensitive: true }]) });
    await createProject(deps, caller, { id: 'b', ...definition([{ value: 'b-secret', sensitive: true }]) });
    await stores.projects.setReleaseCounter('b', 3);
    const plain = { name: 'Web', lifecycleId: 'standard', process: [], variables: [{ name: 'DbPassword', values: [{ value: 'now plain' }] }] };

    // Act
    await updateProject(deps, caller, 'a', { ...plain, version: 1 });
    await updateProject(deps, caller, 'b', { ...plain, version: 2 });

    // Assess
    const deleted = secrets.calls.filter((c) => c.verb === 'delete').map((c) => c.subject);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toContain('projects/a/');
    expect(stores.audit.ofAction('project.update').at(-1)!.details.unusedKeptForReleases).toEqual([expect.stringContaining('projects/b/')]);
  });
});

describe('the last Admin', () => {
  it('is neither demoted nor removed', async () => {
    // Act
    const demoted = await updateRoleBinding(deps, caller, ADMIN, { roles: [{ role: 'Auditor' }], version: 1 }).catch((e) => e);
    const removed = await deleteRoleBinding(deps, caller, ADMIN, 1).catch((e) => e);

    // Assess
    expect(demoted).toBeInstanceOf(InvalidStateError);
    expect(removed).toBeInstanceOf(InvalidStateError);
    expect(await stores.roles.get(ADMIN)).toMatchObject({ roles: [{ role: 'Admin' }], version: 1 });
  });
});
