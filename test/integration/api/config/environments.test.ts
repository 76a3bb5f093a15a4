/**
 * `/environments` through the real handler, stores on DynamoDB Local: the whole life of an
 * environment, optimistic concurrency, names, deletion while in use, and bad input refused at
 * the edge with nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, idsOf, seedEnvironments, seedLifecycle, type World } from './world.ts';

let world: World;

beforeAll(async () => {
  world = await createWorld('api-environments');
});

afterAll(async () => {
  await world?.close();
});

describe('environments', () => {
  it('creates, reads, lists in order, replaces and deletes an environment', async () => {
    // Prepare
    await seedEnvironments(world, ['alpha-dev']);

    // Act
    const created = await world.admin('environments', 'POST /environments', { body: { id: 'alpha-prod', name: 'Alpha Production', description: 'live' } });
    const read = await world.admin('environments', 'GET /environments/{environmentId}', { path: { environmentId: 'alpha-prod' } });
    const list = await world.admin('environments', 'GET /environments');
    const replaced = await world.admin('environments', 'PUT /environments/{environmentId}', { path: { environmentId: 'alpha-prod' }, body: { name: 'Alpha Prod', order: 5, version: 1 } });
    const deleted = await world.admin('environments', 'DELETE /environments/{environmentId}', { path: { environmentId: 'alpha-prod' }, query: { version: '2' } });
    const gone = await world.admin('environments', 'GET /environments/{environmentId}', { path: { environmentId: 'alpha-prod' } });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'alpha-prod', name: 'Alpha Production', description: 'live', order: 1, version: 1 });
    expect(read.body).toEqual(created.body);
    expect(idsOf(list)).toEqual(['alpha-dev', 'alpha-prod']);
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ id: 'alpha-prod', name: 'Alpha Prod', order: 5, version: 2 });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatchObject({ code: 'NotFoundError', message: 'environment alpha-prod does not exist' });
    const actions = (await world.auditEvents()).filter((event) => event.subject === 'environment/alpha-prod').map((event) => event.action);
    expect(actions).toEqual(['environment.create', 'environment.update', 'environment.delete']);
  });

  it('refuses a stale version with 409, for a replace and for a delete', async () => {
    // Prepare
    await seedEnvironments(world, ['beta']);
    await world.admin('environments', 'PUT /environments/{environmentId}', { path: { environmentId: 'beta' }, body: { name: 'Beta 2', version: 1 } });

    // Act
    const replace = await world.admin('environments', 'PUT /environments/{environmentId}', { path: { environmentId: 'beta' }, body: { name: 'Beta 3', version: 1 } });
    const remove = await world.admin('environments', 'DELETE /environments/{environmentId}', { path: { environmentId: 'beta' }, query: { version: '1' } });

    // Assess
    expect(replace.status).toBe(409);
    expect(replace.body.error.code).toBe('VersionConflictError');
    expect(replace.body.error.message).toContain('expected version 1, found version 2');
    expect(remove.status).toBe(409);
    const stored = await world.admin('environments', 'GET /environments/{environmentId}', { path: { environmentId: 'beta' } });
    expect(stored.body).toMatchObject({ name: 'Beta 2', version: 2 });
  });

  it('refuses a taken id and a taken name (regardless of case)', async () => {
    // Prepare
    await seedEnvironments(world, ['gamma']);

    // Act
    const sameId = await world.admin('environments', 'POST /environments', { body: { id: 'gamma', name: 'Another' } });
    const sameName = await world.admin('environments', 'POST /environments', { body: { id: 'gamma-2', name: 'gamma' } });

    // Assess
    expect(sameId.status).toBe(409);
    expect(sameId.body.error.code).toBe('DuplicateError');
    expect(sameName.status).toBe(409);
    expect(sameName.body.error.message).toContain('environment gamma has that name');
  });

  it('refuses to delete an environment a lifecycle names, naming the lifecycle', async () => {
    // Prepare
    await seedEnvironments(world, ['delta']);
    await seedLifecycle(world, 'delta-flow', ['delta']);

    // Act
    const answer = await world.admin('environments', 'DELETE /environments/{environmentId}', { path: { environmentId: 'delta' }, query: { version: '1' } });

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'InvalidStateError' });
    expect(answer.body.error.message).toContain('is used by lifecycles delta-flow');
  });

  it.each([
    ['malformed JSON', '{"id": "bad-1", "name": ', 'body: not valid JSON'],
    ['an unknown field', { id: 'bad-2', name: 'Bad', colour: 'red' }, 'body: unknown field "colour"'],
    ['a wrong type', { id: 'bad-3', name: 'Bad', order: 'first' }, 'body.order: Invalid input: expected number'],
    ['a name with a path separator', { id: 'bad-4', name: 'prod/eu' }, 'body.name: must not contain "/"'],
    ['a name with a control character', { id: 'bad-5', name: 'prod\u0007' }, 'body.name: must not contain control characters'],
    ['an id that is not a slug', { id: '../etc', name: 'Bad' }, 'body.id: must be a slug'],
    ['an oversized body', { id: 'bad-6', name: 'Bad', description: 'x'.repeat(300 * 1024) }, 'the limit (request body size) is 256 KiB'],
  ])('refuses %s with 400 and stores nothing', async (_case, body, fragment) => {
    // Prepare
    const before = (await world.itemsOfType('Environment')).length;

    // Act
    const answer = await world.admin('environments', 'POST /environments', { body });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain(fragment);
    expect((await world.itemsOfType('Environment')).length).toBe(before);
  });

  it('refuses a delete without ?version= and an unknown id in the path', async () => {
    // Act
    const noVersion = await world.admin('environments', 'DELETE /environments/{environmentId}', { path: { environmentId: 'gamma' } });
    const badPath = await world.admin('environments', 'GET /environments/{environmentId}', { path: { environmentId: 'Not A Slug' } });

    // Assess
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.message).toContain('query.version');
    expect(badPath.status).toBe(400);
    expect(badPath.body.error.message).toContain('path.environmentId');
  });
});
