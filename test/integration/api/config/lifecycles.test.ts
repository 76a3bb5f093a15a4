/**
 * `/lifecycles` through the real handler: phases of existing environments, the rules phases
 * follow together, unknown environments refused with the known ones listed, optimistic
 * concurrency, and deletion refused while a project follows the lifecycle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, seedEnvironments, seedLifecycle, type World } from './world.ts';

let world: World;

const phase = (name: string, environments: string[], entry = 'manual', minimumEnvironmentsBeforePromotion?: number) => ({
  name,
  environments,
  entry,
  ...(minimumEnvironmentsBeforePromotion !== undefined ? { minimumEnvironmentsBeforePromotion } : {}),
});

beforeAll(async () => {
  world = await createWorld('api-lifecycles');
  await seedEnvironments(world, ['dev', 'test', 'prod-eu', 'prod-us']);
});

afterAll(async () => {
  await world?.close();
});

describe('lifecycles', () => {
  it('creates a lifecycle with automatic and manual phases, then replaces and deletes it', async () => {
    // Prepare
    const phases = [phase('Dev', ['dev'], 'automatic'), phase('Test', ['test']), phase('Production', ['prod-eu', 'prod-us'], 'manual', 1)];

    // Act
    const created = await world.admin('lifecycles', 'POST /lifecycles', { body: { id: 'standard', name: 'Standard', phases } });
    const replaced = await world.admin('lifecycles', 'PUT /lifecycles/{lifecycleId}', { path: { lifecycleId: 'standard' }, body: { name: 'Standard', phases: phases.slice(1), version: 1 } });
    const stale = await world.admin('lifecycles', 'PUT /lifecycles/{lifecycleId}', { path: { lifecycleId: 'standard' }, body: { name: 'Stale', phases, version: 1 } });
    const deleted = await world.admin('lifecycles', 'DELETE /lifecycles/{lifecycleId}', { path: { lifecycleId: 'standard' }, query: { version: '2' } });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body.phases).toEqual([
      { name: 'Dev', environments: ['dev'], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 },
      { name: 'Test', environments: ['test'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 },
      { name: 'Production', environments: ['prod-eu', 'prod-us'], entry: 'manual', minimumEnvironmentsBeforePromotion: 1 },
    ]);
    expect(replaced.body).toMatchObject({ version: 2, phases: [{ name: 'Test' }, { name: 'Production' }] });
    expect(stale.status).toBe(409);
    expect(deleted.status).toBe(204);
  });

  it('refuses unknown environments with 400, listing the known ones, and stores nothing', async () => {
    // Prepare
    const phases = [phase('Dev', ['dev']), phase('Staging', ['staging', 'qa'])];

    // Act
    const answer = await world.admin('lifecycles', 'POST /lifecycles', { body: { id: 'unknown-envs', name: 'Unknown', phases } });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('UnknownReferenceError');
    expect(answer.body.error.message).toContain('phases[1].environments names unknown environments "staging", "qa" (known: dev, test, prod-eu, prod-us)');
    expect(answer.body.error.details.known).toEqual({ environments: ['dev', 'test', 'prod-eu', 'prod-us'] });
    expect((await world.itemsOfType('Lifecycle')).map((item) => item.id)).not.toContain('unknown-envs');
  });

  it.each([
    ['an environment in two phases', [phase('A', ['dev']), phase('B', ['dev', 'test'])], 'environment dev is already in phases[0]'],
    ['more successes than environments', [phase('A', ['dev'], 'manual', 2)], 'minimumEnvironmentsBeforePromotion is 2 but the phase has 1 environments'],
    ['two phases with one name', [phase('Same', ['dev']), phase('same', ['test'])], 'another phase has this name'],
    ['no phase at all', [], 'body.phases: Too small'],
    ['an unknown entry', [phase('A', ['dev'], 'sometimes')], 'body.phases[0].entry'],
  ])('refuses %s with 400', async (_case, phases, fragment) => {
    // Act
    const answer = await world.admin('lifecycles', 'POST /lifecycles', { body: { id: 'broken', name: 'Broken', phases } });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain(fragment);
  });

  it('refuses to delete a lifecycle a project follows, naming the project', async () => {
    // Prepare
    await seedLifecycle(world, 'followed', ['dev']);
    const project = await world.admin('projects', 'POST /projects', { body: { id: 'follower', name: 'Follower', lifecycleId: 'followed' } });

    // Act
    const answer = await world.admin('lifecycles', 'DELETE /lifecycles/{lifecycleId}', { path: { lifecycleId: 'followed' }, query: { version: '1' } });

    // Assess
    expect(project.status).toBe(201);
    expect(answer.status).toBe(409);
    expect(answer.body.error.message).toContain('is used by projects follower');
  });
});
