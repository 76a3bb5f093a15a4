/**
 * `/roles` through the real handler: role bindings by principal ARN (a greedy path parameter,
 * percent-encoded or not), environment-scoped grants of existing environments only, Admin
 * only, and the last Admin never removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, ADMIN, AUDITOR, createWorld, RELEASE_MANAGER, seedEnvironments, type World } from './world.ts';

let world: World;

const OPS = `arn:aws:iam::${ACCOUNT}:role/team/Ops`;
const SECOND_ADMIN = `arn:aws:iam::${ACCOUNT}:role/BreakGlass`;

beforeAll(async () => {
  world = await createWorld('api-roles');
  await seedEnvironments(world, ['dev', 'prod']);
});

afterAll(async () => {
  await world?.close();
});

describe('role bindings', () => {
  it('binds, reads (plain or percent-encoded ARN), replaces and removes the roles of a principal', async () => {
    // Act
    const created = await world.admin('roles', 'POST /roles', { body: { principalArn: OPS, roles: [{ role: 'Deployer', environments: ['dev'] }, { role: 'Approver' }] } });
    const read = await world.admin('roles', 'GET /roles/{principalArn+}', { path: { principalArn: OPS } });
    const encoded = await world.admin('roles', 'GET /roles/{principalArn+}', { path: { principalArn: encodeURIComponent(OPS) } });
    const replaced = await world.admin('roles', 'PUT /roles/{principalArn+}', { path: { principalArn: OPS }, body: { roles: [{ role: 'Deployer', environments: ['dev', 'prod'] }], version: 1 } });
    const stale = await world.admin('roles', 'PUT /roles/{principalArn+}', { path: { principalArn: OPS }, body: { roles: [{ role: 'Auditor' }], version: 1 } });
    const list = await world.admin('roles', 'GET /roles');
    const deleted = await world.admin('roles', 'DELETE /roles/{principalArn+}', { path: { principalArn: OPS }, query: { version: '2' } });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ principalArn: OPS, roles: [{ role: 'Deployer', environments: ['dev'] }, { role: 'Approver' }], version: 1 });
    expect(read.body).toEqual(created.body);
    expect(encoded.body).toEqual(created.body);
    expect(replaced.body).toEqual({ principalArn: OPS, roles: [{ role: 'Deployer', environments: ['dev', 'prod'] }], version: 2 });
    expect(stale.status).toBe(409);
    expect(list.body.items.map((binding: { principalArn: string }) => binding.principalArn)).toContain(OPS);
    expect(deleted.status).toBe(204);
    const actions = (await world.auditEvents()).filter((event) => event.subject === `role-binding/${OPS}`).map((event) => event.action);
    expect(actions).toEqual(['role-binding.create', 'role-binding.update', 'role-binding.delete']);
  });

  it('refuses unknown environments (listing the known ones) and environments on a role that is not scoped', async () => {
    // Act
    const unknown = await world.admin('roles', 'POST /roles', { body: { principalArn: OPS, roles: [{ role: 'Approver', environments: ['staging'] }] } });
    const unscoped = await world.admin('roles', 'POST /roles', { body: { principalArn: OPS, roles: [{ role: 'Admin', environments: ['dev'] }] } });
    const notAnArn = await world.admin('roles', 'POST /roles', { body: { principalArn: 'alice', roles: [{ role: 'Auditor' }] } });
    const unknownRole = await world.admin('roles', 'POST /roles', { body: { principalArn: OPS, roles: [{ role: 'Root' }] } });

    // Assess
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('roles[0].environments names unknown environment "staging" (known: dev, prod)');
    expect(unscoped.status).toBe(400);
    expect(unscoped.body.error.message).toContain('only Deployer and Approver may be limited to environments');
    expect(notAnArn.status).toBe(400);
    expect(unknownRole.status).toBe(400);
    expect(await world.table.stores.roles.find(OPS)).toBeUndefined();
  });

  it('is for Admins only: others are refused, reads included, and the refusal is audited', async () => {
    // Act
    const byAuditor = await world.call('roles', 'GET /roles', { callerArn: AUDITOR });
    const byManager = await world.call('roles', 'POST /roles', { callerArn: RELEASE_MANAGER, body: { principalArn: RELEASE_MANAGER, roles: [{ role: 'Admin' }] } });

    // Assess
    expect(byAuditor.status).toBe(403);
    expect(byManager.status).toBe(403);
    expect(byManager.body.error.message).toContain('configure needs one of Admin');
    const denials = (await world.auditEvents()).filter((event) => event.action === 'access.denied');
    expect(denials.map((event) => event.actorArn)).toEqual(expect.arrayContaining([AUDITOR, RELEASE_MANAGER]));
  });

  it('never removes the last Admin, by a change or a delete; with a second Admin it may go', async () => {
    // Prepare
    const version = (await world.table.stores.roles.get(ADMIN)).version;

    // Act
    const demoted = await world.admin('roles', 'PUT /roles/{principalArn+}', { path: { principalArn: ADMIN }, body: { roles: [{ role: 'Auditor' }], version } });
    const removed = await world.admin('roles', 'DELETE /roles/{principalArn+}', { path: { principalArn: ADMIN }, query: { version: String(version) } });
    const second = await world.admin('roles', 'POST /roles', { body: { principalArn: SECOND_ADMIN, roles: [{ role: 'Admin' }] } });
    const removedNow = await world.admin('roles', 'DELETE /roles/{principalArn+}', { path: { principalArn: SECOND_ADMIN }, query: { version: '1' } });

    // Assess
    expect(demoted.status).toBe(409);
    expect(demoted.body.error.message).toContain('holds the last Admin grant');
    expect(removed.status).toBe(409);
    expect(second.status).toBe(201);
    expect(removedNow.status).toBe(204);
    expect(await world.table.stores.roles.get(ADMIN)).toMatchObject({ roles: [{ role: 'Admin' }], version });
  });
});
