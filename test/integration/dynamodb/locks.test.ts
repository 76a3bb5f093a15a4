/**
 * The project × environment lock on DynamoDB Local: one holder, a queue that starts in order
 * when the lock is released, a lease that a dead deployment cannot hold forever, waiters that
 * stop asking and are skipped, and a holder that finds out it lost the lock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockLostError } from '#domain/pipeline/errors.ts';
import type { LockRequest } from '#domain/pipeline/ports.ts';
import { createTestTable, FORBIDDEN_COMMANDS, rejectionOf, type TestTable } from './helpers.ts';

const LEASE_SECONDS = 60;

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable('locks');
});

afterAll(async () => {
  expect(t.commands.filter((name) => FORBIDDEN_COMMANDS.includes(name))).toEqual([]);
  await t.drop();
});

/** Each test uses its own environment, so its lock starts free. */
const request = (environmentId: string, deploymentId: string): LockRequest => ({ projectId: 'web', environmentId, deploymentId, leaseSeconds: LEASE_SECONDS });

describe('deployment locks', () => {
  it('gives the lock to one deployment and queues the others in order; release hands it over in that order', async () => {
    // Prepare
    const { locks } = t.stores;
    const first = await locks.acquire(request('production', 'd1'));
    const second = await locks.acquire(request('production', 'd2'));
    const third = await locks.acquire(request('production', 'd3'));

    // Act
    const again = await locks.acquire(request('production', 'd3'));
    const handedToD2 = await locks.release({ projectId: 'web', environmentId: 'production', deploymentId: 'd1' });
    const d2 = await locks.acquire(request('production', 'd2'));
    const d3Waiting = await locks.acquire(request('production', 'd3'));
    const handedToD3 = await locks.release({ projectId: 'web', environmentId: 'production', deploymentId: 'd2' });
    const last = await locks.release({ projectId: 'web', environmentId: 'production', deploymentId: 'd3' });

    // Assess
    expect(first).toMatchObject({ held: true });
    expect(second).toEqual({ held: false, position: 1, holder: 'd1' });
    expect(third).toEqual({ held: false, position: 2, holder: 'd1' });
    expect(again).toEqual({ held: false, position: 2, holder: 'd1' });
    expect(handedToD2).toEqual({ handedTo: 'd2' });
    expect(d2).toMatchObject({ held: true });
    expect(d3Waiting).toEqual({ held: false, position: 1, holder: 'd2' });
    expect(handedToD3).toEqual({ handedTo: 'd3' });
    expect(last).toEqual({ handedTo: undefined });
    expect(await locks.get({ projectId: 'web', environmentId: 'production' })).toMatchObject({ holder: undefined, queue: [] });
  });

  it('lets exactly one of many concurrent deployments take a free lock', async () => {
    // Act
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.stores.locks.acquire(request('race', `r${i}`))));

    // Assess
    expect(results.filter((r) => r.held)).toHaveLength(1);
    const positions = results.flatMap((r) => (r.held ? [] : [r.position])).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
  });

  it('lets the next deployment take over a lease its holder stopped renewing (its Lambda died)', async () => {
    // Prepare
    const { locks } = t.stores;
    await locks.acquire(request('test', 'dead'));
    await locks.acquire(request('test', 'next'));
    t.clock.advance(LEASE_SECONDS / 2);
    await locks.acquire(request('test', 'next'));

    // Act
    const beforeExpiry = await locks.acquire(request('test', 'next'));
    t.clock.advance(LEASE_SECONDS / 2 + 1);
    const afterExpiry = await locks.acquire(request('test', 'next'));
    const lost = await rejectionOf(locks.renew(request('test', 'dead')));
    const releaseByDead = await locks.release({ projectId: 'web', environmentId: 'test', deploymentId: 'dead' });

    // Assess
    expect(beforeExpiry).toEqual({ held: false, position: 1, holder: 'dead' });
    expect(afterExpiry).toMatchObject({ held: true });
    expect(lost).toBeInstanceOf(LockLostError);
    expect(lost.message).toBe('deployment dead does not hold the lock of project web in environment test; deployment next does');
    expect(releaseByDead).toEqual({});
    expect((await locks.get({ projectId: 'web', environmentId: 'test' })).holder?.deploymentId).toBe('next');
  });

  it('keeps the lock for a holder that renews, and skips a waiter that stopped asking', async () => {
    // Prepare
    const { locks } = t.stores;
    await locks.acquire(request('staging', 'holder'));
    await locks.acquire(request('staging', 'gone'));
    await locks.acquire(request('staging', 'patient'));

    // Act: the holder renews; 'gone' never asks again, 'patient' keeps asking.
    t.clock.advance(LEASE_SECONDS - 10);
    const renewed = await locks.renew(request('staging', 'holder'));
    await locks.acquire(request('staging', 'patient'));
    t.clock.advance(20);
    const patientWhileHeld = await locks.acquire(request('staging', 'patient'));
    const handed = await locks.release({ projectId: 'web', environmentId: 'staging', deploymentId: 'holder' });
    const lock = await locks.get({ projectId: 'web', environmentId: 'staging' });

    // Assess
    expect(renewed.held).toBe(true);
    expect(patientWhileHeld).toEqual({ held: false, position: 1, holder: 'holder' });
    expect(handed).toEqual({ handedTo: 'patient' });
    expect(lock.holder?.deploymentId).toBe('patient');
    expect(lock.queue).toEqual([]);
  });

  it('sends a waiter whose place expired to the back of the queue when it asks again', async () => {
    // Prepare
    const { locks } = t.stores;
    await locks.acquire(request('perf', 'holder'));
    await locks.acquire(request('perf', 'away'));
    await locks.acquire(request('perf', 'present'));
    t.clock.advance(LEASE_SECONDS - 10);
    await locks.renew(request('perf', 'holder'));
    await locks.acquire(request('perf', 'present'));
    t.clock.advance(20);

    // Act
    const back = await locks.acquire(request('perf', 'away'));
    const first = await locks.release({ projectId: 'web', environmentId: 'perf', deploymentId: 'holder' });
    const second = await locks.release({ projectId: 'web', environmentId: 'perf', deploymentId: 'present' });

    // Assess
    expect(back).toEqual({ held: false, position: 2, holder: 'holder' });
    expect(first).toEqual({ handedTo: 'present' });
    expect(second).toEqual({ handedTo: 'away' });
  });

  it('lets a waiter that was away take a lock whose holder died meanwhile', async () => {
    // Prepare
    const { locks } = t.stores;
    await locks.acquire(request('demo', 'dead'));
    await locks.acquire(request('demo', 'late'));
    t.clock.advance(LEASE_SECONDS * 2);

    // Act
    const taken = await locks.acquire(request('demo', 'late'));

    // Assess
    expect(taken).toMatchObject({ held: true });
    expect((await locks.get({ projectId: 'web', environmentId: 'demo' })).queue).toEqual([]);
  });

  it('lets a cancelled deployment leave the queue', async () => {
    // Prepare
    const { locks } = t.stores;
    await locks.acquire(request('qa', 'a'));
    await locks.acquire(request('qa', 'b'));
    await locks.acquire(request('qa', 'c'));

    // Act
    await locks.leave({ projectId: 'web', environmentId: 'qa', deploymentId: 'b' });
    const c = await locks.acquire(request('qa', 'c'));

    // Assess
    expect(c).toEqual({ held: false, position: 1, holder: 'a' });
    expect((await locks.get({ projectId: 'web', environmentId: 'qa' })).queue.map((e) => e.deploymentId)).toEqual(['c']);
  });

  it('refuses leases outside the allowed range', async () => {
    await expect(t.stores.locks.acquire({ ...request('x', 'd'), leaseSeconds: 0 })).rejects.toThrow(/leaseSeconds must be an integer from 1 to 86400/);
  });
});
