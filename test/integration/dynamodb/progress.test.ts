/**
 * What moves a release: the deployments of one release across environments (one index query,
 * following state changes), the image versions seen pushed (newest first, a redelivered push
 * changing nothing) and lifecycle waits by release and phase.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/pipeline/errors.ts';
import { ACTOR, createTestTable, FORBIDDEN_COMMANDS, rejectionOf, SECRET_ARN, type TestTable } from './helpers.ts';

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable('progress');
});

afterAll(async () => {
  expect(t.commands.filter((name) => FORBIDDEN_COMMANDS.includes(name))).toEqual([]);
  await t.drop();
});

const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('release progress', () => {
  it('lists the deployments of one release across environments, with their current state', async () => {
    // Prepare
    const { deployments } = t.stores;
    const base = { projectId: 'shop', releaseVersion: '1.0.7', state: 'Queued' as const, startedBy: ACTOR };
    const dev = await deployments.create({ ...base, id: 'd-dev', releaseNumber: 7, environmentId: 'dev', queuedAt: '2026-01-31T10:00:00.000Z' });
    await deployments.create({ ...base, id: 'd-test', releaseNumber: 7, environmentId: 'test', queuedAt: '2026-01-31T11:00:00.000Z' });
    await deployments.create({ ...base, id: 'd-other-release', releaseNumber: 8, environmentId: 'dev', queuedAt: '2026-01-31T12:00:00.000Z' });
    const running = await deployments.update({ ...dev, state: 'Running' });
    await deployments.update({ ...running, state: 'Succeeded' });

    // Act
    const listed = await deployments.listByRelease('shop', 7);

    // Assess
    expect(listed.map((d) => [d.id, d.environmentId, d.state])).toEqual([
      ['d-dev', 'dev', 'Succeeded'],
      ['d-test', 'test', 'Queued'],
    ]);
  });

  it('keeps pushed image versions newest first, and a redelivered push once', async () => {
    // Prepare
    const { images } = t.stores;
    const push = (tag: string, n: number, at: string) => ({ repository: 'registry.example/shop/web', tag, digest: DIGEST(n), pushedAt: at });

    // Act
    await images.record(push('1.0.0', 1, '2026-01-01T00:00:00.000Z'));
    await images.record(push('1.1.0', 2, '2026-01-02T00:00:00.000Z'));
    await images.record(push('1.1.0', 2, '2026-01-02T00:00:00.000Z'));

    // Assess
    expect((await images.list('registry.example/shop/web')).map((i) => i.tag)).toEqual(['1.1.0', '1.0.0']);
    expect(await images.list('registry.example/shop/other')).toEqual([]);
    expect(await rejectionOf(images.record({ ...push('x', 3, '2026-01-03T00:00:00.000Z'), digest: 'not-a-digest' }))).toBeInstanceOf(ValidationError);
  });

  it('records, finds and removes a lifecycle wait by release and phase, holding only a secret ARN', async () => {
    // Prepare
    const { lifecycleWaits } = t.stores;
    const wait = { projectId: 'shop', releaseNumber: 7, phaseIndex: 1, tokenRef: SECRET_ARN, since: '2026-01-31T10:00:00.000Z' };

    // Act
    await lifecycleWaits.put(wait);
    const found = await lifecycleWaits.get('shop', 7, 1);
    await lifecycleWaits.remove('shop', 7, 1);

    // Assess
    expect(found).toEqual(wait);
    expect(await lifecycleWaits.get('shop', 7, 1)).toBeUndefined();
    expect(await lifecycleWaits.get('shop', 7, 2)).toBeUndefined();
    expect(await rejectionOf(lifecycleWaits.put({ ...wait, tokenRef: 'AAAAKWJ-a-raw-task-token' }))).toBeInstanceOf(ValidationError);
  });
});
