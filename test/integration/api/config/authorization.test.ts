/**
 * Who may do what on the configuration routes, checked by the server for every request: every
 * role reads; only Admin writes (ReleaseManager, Deployer, Approver and Auditor are refused with
 * 403, the denial is in the audit log, and nothing is stored); a principal without a binding
 * may do nothing; a request without an IAM principal is refused. The OpenAPI document is for
 * any authenticated caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '#domain/pipeline/model.ts';
import { type Api, createWorld, NOBODY, PRINCIPALS, seedEnvironments, seedLifecycle, seedTokenAccount, type World } from './world.ts';

let world: World;

/** One create per resource, each valid for an Admin. */
const CREATES: [Api, string, string, Record<string, unknown>][] = [
  ['environments', 'POST /environments', 'Environment', { id: 'denied-env', name: 'Denied' }],
  ['lifecycles', 'POST /lifecycles', 'Lifecycle', { id: 'denied-lc', name: 'Denied', phases: [{ name: 'Dev', environments: ['dev'], entry: 'manual' }] }],
  ['projects', 'POST /projects', 'Project', { id: 'denied-project', name: 'Denied', lifecycleId: 'standard' }],
  ['accounts', 'POST /accounts', 'Account', { id: 'denied-account', name: 'Denied', kind: 'token', token: 'tok-denied-never-stored' }],
  ['targets', 'POST /targets', 'Target', { id: 'denied-target', url: 'https://k8s.example', namespace: 'web', accountId: 'deployer', environments: ['dev'], tags: ['web'] }],
];
const LISTS: [Api, string][] = [
  ['environments', 'GET /environments'],
  ['lifecycles', 'GET /lifecycles'],
  ['projects', 'GET /projects'],
  ['accounts', 'GET /accounts'],
  ['targets', 'GET /targets'],
];
const NON_ADMINS = (Object.keys(PRINCIPALS) as Role[]).filter((role) => role !== 'Admin');

beforeAll(async () => {
  world = await createWorld('api-authorization');
  await seedEnvironments(world, ['dev']);
  await seedLifecycle(world, 'standard', ['dev']);
  await seedTokenAccount(world, 'deployer', 'tok-seed-never-shown');
});

afterAll(async () => {
  await world?.close();
});

describe('authorization of the configuration routes', () => {
  it.each(NON_ADMINS)('refuses every create to a %s with 403, audits the denial and stores nothing', async (role) => {
    // Prepare
    const callerArn = PRINCIPALS[role];
    const secretsBefore = await world.secretNames();

    for (const [api, routeKey, type, body] of CREATES) {
      // Act
      const answer = await world.call(api, routeKey, { callerArn, body });

      // Assess
      expect(answer.status, `${role} ${routeKey}`).toBe(403);
      expect(answer.body.error.code).toBe('ForbiddenError');
      expect(answer.body.error.message).toContain(`configure needs one of Admin; it has ${role}`);
      expect((await world.itemsOfType(type)).map((item) => item.id)).not.toContain(body.id);
      const denial = (await world.auditEvents()).find((event) => event.action === 'access.denied' && event.actorArn === callerArn && event.subject === `${type.toLowerCase()}/${body.id}`);
      expect(denial?.details).toMatchObject({ action: 'configure' });
    }
    expect(await world.secretNames()).toEqual(secretsBefore);
  });

  it.each(NON_ADMINS)('refuses a replace and a delete to a %s', async (role) => {
    // Act
    const replace = await world.call('environments', 'PUT /environments/{environmentId}', { callerArn: PRINCIPALS[role], path: { environmentId: 'dev' }, body: { name: 'Taken over', version: 1 } });
    const remove = await world.call('accounts', 'DELETE /accounts/{accountId}', { callerArn: PRINCIPALS[role], path: { accountId: 'deployer' }, query: { version: '1' } });

    // Assess
    expect(replace.status).toBe(403);
    expect(remove.status).toBe(403);
    expect(await world.table.stores.environments.get('dev')).toMatchObject({ name: 'DEV', version: 1 });
    expect((await world.table.stores.accounts.get('deployer')).version).toBe(1);
  });

  it.each(Object.keys(PRINCIPALS) as Role[])('lets a %s read every configuration list and entity', async (role) => {
    for (const [api, routeKey] of LISTS) {
      // Act
      const answer = await world.call(api, routeKey, { callerArn: PRINCIPALS[role] });

      // Assess
      expect(answer.status, `${role} ${routeKey}`).toBe(200);
    }
    const one = await world.call('accounts', 'GET /accounts/{accountId}', { callerArn: PRINCIPALS[role], path: { accountId: 'deployer' } });
    expect(one.body).toEqual({ id: 'deployer', name: 'Account deployer', kind: 'token', version: 1 });
  });

  it('refuses everything to a principal without a binding, and to a request without an IAM principal', async () => {
    // Act
    const read = await world.call('environments', 'GET /environments', { callerArn: NOBODY });
    const anonymous = await world.call('environments', 'GET /environments');

    // Assess
    expect(read.status).toBe(403);
    expect(read.body.error.message).toContain('it has no role');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body.error.message).toContain('no IAM principal');
  });

  it('serves the OpenAPI document to any authenticated caller, with or without a role', async () => {
    // Act
    const byNobody = await world.call('openapi', 'GET /openapi.json', { callerArn: NOBODY });
    const anonymous = await world.call('openapi', 'GET /openapi.json');

    // Assess
    expect(byNobody.status).toBe(200);
    expect(byNobody.body.openapi).toBe('3.1.0');
    expect(anonymous.status).toBe(403);
  });
});
