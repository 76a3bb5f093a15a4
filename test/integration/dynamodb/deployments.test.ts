/**
 * Deployments, their results, task log and approvals on DynamoDB Local: the dashboard matrix
 * in one query (kept in step with the deployment it shows, in the same transaction), state
 * transitions with version checks, deployments waiting for approval, history newest first,
 * and approvals that are decided once and never by the deployment's starter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateError, ForbiddenError, InvalidStateError, NotFoundError, VersionConflictError } from '#domain/pipeline/errors.ts';
import type { Deployment, DeploymentState } from '#domain/pipeline/model.ts';
import type { New } from '#domain/pipeline/ports.ts';
import { ACTOR, createTestTable, FORBIDDEN_COMMANDS, OTHER_ACTOR, rejectionOf, SECRET_ARN, type TestTable } from './helpers.ts';

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable('deployments');
});

afterAll(async () => {
  expect(t.commands.filter((name) => FORBIDDEN_COMMANDS.includes(name))).toEqual([]);
  await t.drop();
});

function deployment(id: string, projectId: string, environmentId: string, queuedAt: string, releaseNumber = 1): New<Deployment> {
  return { id, projectId, environmentId, releaseNumber, releaseVersion: `1.0.${releaseNumber}`, state: 'Queued', startedBy: ACTOR, queuedAt };
}

async function move(d: Deployment, state: DeploymentState, extra: Partial<Deployment> = {}): Promise<Deployment> {
  return t.stores.deployments.update({ ...d, state, ...extra });
}

describe('deployments and the dashboard matrix', () => {
  it('shows the latest deployment of every project × environment in one query', async () => {
    // Prepare
    const { deployments } = t.stores;
    const a = await deployments.create(deployment('d-web-dev-1', 'web', 'development', '2026-01-31T10:00:00.000Z'));
    await deployments.create(deployment('d-web-prod-1', 'web', 'production', '2026-01-31T10:01:00.000Z'));
    await deployments.create(deployment('d-api-dev-1', 'api', 'development', '2026-01-31T10:02:00.000Z'));
    const running = await move(a, 'Running', { startedAt: '2026-01-31T10:00:05.000Z', executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:deploy:d-web-dev-1' });
    await move(running, 'Succeeded', { finishedAt: '2026-01-31T10:03:00.000Z' });
    await deployments.create(deployment('d-web-dev-2', 'web', 'development', '2026-01-31T11:00:00.000Z', 2));
    const before = t.commands.length;

    // Act
    const matrix = await deployments.matrix();

    // Assess
    expect(t.commands.slice(before)).toEqual(['QueryCommand']);
    expect(matrix.map((c) => [c.projectId, c.environmentId, c.deploymentId, c.state])).toEqual([
      ['api', 'development', 'd-api-dev-1', 'Queued'],
      ['web', 'development', 'd-web-dev-2', 'Queued'],
      ['web', 'production', 'd-web-prod-1', 'Queued'],
    ]);
  });

  it('finishing a deployment updates its cell in the same transaction; an older one leaves a newer cell alone', async () => {
    // Prepare
    const { deployments } = t.stores;
    const older = await deployments.create(deployment('d-old', 'shop', 'test', '2026-01-31T09:00:00.000Z'));
    const runningOlder = await move(older, 'Running');
    const newer = await deployments.create(deployment('d-new', 'shop', 'test', '2026-01-31T09:30:00.000Z', 2));
    const late = await deployments.create(deployment('d-late', 'shop', 'test', '2026-01-31T08:00:00.000Z', 3));

    // Act
    await move(runningOlder, 'Failed', { finishedAt: '2026-01-31T09:40:00.000Z', failure: { category: 'rollout', message: 'Deployment/web: ProgressDeadlineExceeded' } });
    const afterOlder = (await deployments.matrix()).find((c) => c.projectId === 'shop');
    const runningNewer = await move(newer, 'Running', { startedAt: '2026-01-31T09:41:00.000Z' });
    await move(runningNewer, 'Succeeded', { finishedAt: '2026-01-31T09:45:00.000Z' });
    const afterNewer = (await deployments.matrix()).find((c) => c.projectId === 'shop');

    // Assess
    expect(late.version).toBe(1);
    expect(afterOlder).toMatchObject({ deploymentId: 'd-new', state: 'Queued' });
    expect(afterNewer).toMatchObject({ deploymentId: 'd-new', state: 'Succeeded', releaseNumber: 2, finishedAt: '2026-01-31T09:45:00.000Z' });
    expect((await deployments.get('d-old')).deployment).toMatchObject({ state: 'Failed', version: 3, failure: { category: 'rollout' } });
  });

  it('refuses a stale write, a transition the states do not allow, a duplicate and a missing deployment', async () => {
    // Prepare
    const { deployments } = t.stores;
    const queued = await deployments.create(deployment('d-rules', 'web', 'test', '2026-01-31T12:00:00.000Z'));
    const running = await move(queued, 'Running');

    // Act
    const stale = await rejectionOf(move(queued, 'Cancelled'));
    const succeeded = await move(running, 'Succeeded');
    const backwards = await rejectionOf(move(succeeded, 'Running'));
    const duplicate = await rejectionOf(deployments.create(deployment('d-rules', 'web', 'test', '2026-01-31T12:00:00.000Z')));
    const missing = await rejectionOf(move({ ...queued, id: 'd-ghost' }, 'Running'));

    // Assess
    expect(stale).toBeInstanceOf(VersionConflictError);
    expect(backwards).toBeInstanceOf(InvalidStateError);
    expect(backwards.message).toBe('deployment d-rules: cannot go from Succeeded to Running (allowed from: Running, Queued, WaitingForApproval)');
    expect(duplicate).toBeInstanceOf(DuplicateError);
    expect(missing).toBeInstanceOf(NotFoundError);
  });

  it('lists deployments waiting for approval, and drops them from the list once they move on', async () => {
    // Prepare
    const { deployments } = t.stores;
    const a = await move(await move(await deployments.create(deployment('d-wait-a', 'web', 'production', '2026-01-31T13:00:00.000Z')), 'Running'), 'WaitingForApproval');
    await move(await move(await deployments.create(deployment('d-wait-b', 'api', 'production', '2026-01-31T13:05:00.000Z')), 'Running'), 'WaitingForApproval');

    // Act
    const waiting = await deployments.listByState('WaitingForApproval');
    await move(a, 'Running');
    const after = await deployments.listByState('WaitingForApproval');

    // Assess: index reads are eventually consistent in AWS; DynamoDB Local answers at once.
    expect(waiting.items.map((d) => d.id)).toEqual(['d-wait-a', 'd-wait-b']);
    expect(after.items.map((d) => d.id)).toEqual(['d-wait-b']);
  });

  it('lists the deployments of a project to an environment, newest first, paged', async () => {
    // Prepare
    for (let i = 1; i <= 5; i++) await t.stores.deployments.create(deployment(`d-hist-${i}`, 'hist', 'production', `2026-02-0${i}T00:00:00.000Z`, i));

    // Act
    const first = await t.stores.deployments.listByProjectEnvironment('hist', 'production', { limit: 3 });
    const second = await t.stores.deployments.listByProjectEnvironment('hist', 'production', { limit: 3, cursor: first.cursor });

    // Assess
    expect([...first.items, ...second.items].map((d) => d.releaseNumber)).toEqual([5, 4, 3, 2, 1]);
    expect(second.cursor).toBeUndefined();
  });
});

describe('results, task log and approvals', () => {
  it('reads a deployment with its step × target results, task log and approvals in one query', async () => {
    // Prepare
    const { deployments, approvals } = t.stores;
    await deployments.create(deployment('d-detail', 'web', 'staging', '2026-01-31T14:00:00.000Z'));
    const pending = await deployments.putResult({ deploymentId: 'd-detail', stepIndex: 0, stepName: 'deploy web', targetId: 'eu', state: 'Running', version: 0 });
    await deployments.putResult({ deploymentId: 'd-detail', stepIndex: 0, stepName: 'deploy web', targetId: 'us', state: 'Succeeded', version: 0 });
    await deployments.putResult({ ...pending, state: 'Succeeded', message: 'Deployment/web rolled out' });
    const lines = Array.from({ length: 150 }, (_, i) => ({ time: `2026-01-31T14:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`, level: 'info' as const, message: `line ${i}` }));
    await deployments.appendLog('d-detail', lines);
    await approvals.request({
      deploymentId: 'd-detail',
      stepIndex: 1,
      stepName: 'approve',
      environmentId: 'staging',
      taskTokenRef: SECRET_ARN,
      requestedBy: ACTOR,
      requestedAt: '2026-01-31T14:01:00.000Z',
    });
    const before = t.commands.length;

    // Act
    const detail = await deployments.get('d-detail');

    // Assess
    expect(t.commands.slice(before)).toEqual(['QueryCommand']);
    expect(detail.results.map((r) => [r.targetId, r.state, r.version])).toEqual([
      ['eu', 'Succeeded', 2],
      ['us', 'Succeeded', 1],
    ]);
    expect(detail.log).toHaveLength(150);
    expect(detail.log.map((l) => l.time)).toEqual([...lines.map((l) => l.time)].sort());
    expect(detail.approvals).toMatchObject([{ stepIndex: 1, requestedBy: ACTOR, version: 1 }]);
  });

  it('refuses a result written over a newer one, and a log for a missing deployment', async () => {
    const stale = await rejectionOf(t.stores.deployments.putResult({ deploymentId: 'd-detail', stepIndex: 0, stepName: 'deploy web', targetId: 'eu', state: 'Failed', version: 1 }));
    expect(stale.message).toMatch(/expected version 1, found version 2/);
    await expect(t.stores.deployments.appendLog('d-missing', [{ time: '2026-01-31T00:00:00.000Z', level: 'info', message: 'x' }])).rejects.toThrow('deployment d-missing does not exist');
  });

  it('records a decision once, never by the starter, and refuses a second request for the same step', async () => {
    // Prepare
    const { approvals } = t.stores;
    const approval = await approvals.get('d-detail', 1);

    // Act
    const own = await rejectionOf(
      approvals.decide({ deploymentId: 'd-detail', stepIndex: 1, version: approval.version }, { decision: 'Approved', decidedBy: ACTOR, decidedAt: '2026-01-31T14:02:00.000Z' }),
    );
    const decided = await approvals.decide(
      { deploymentId: 'd-detail', stepIndex: 1, version: approval.version },
      { decision: 'Approved', decidedBy: OTHER_ACTOR, decidedAt: '2026-01-31T14:03:00.000Z', comment: 'checked the dashboards' },
    );
    const again = await rejectionOf(
      approvals.decide({ deploymentId: 'd-detail', stepIndex: 1, version: decided.version }, { decision: 'Rejected', decidedBy: OTHER_ACTOR, decidedAt: '2026-01-31T14:04:00.000Z' }),
    );
    const duplicate = await rejectionOf(approvals.request({ ...approval }));
    const orphan = await rejectionOf(approvals.request({ ...approval, deploymentId: 'd-nowhere' }));

    // Assess
    expect(own).toBeInstanceOf(ForbiddenError);
    expect(decided).toMatchObject({ decision: 'Approved', decidedBy: OTHER_ACTOR, comment: 'checked the dashboards', version: 2 });
    expect(again).toBeInstanceOf(InvalidStateError);
    expect(again.message).toContain(`was already approved by ${OTHER_ACTOR}`);
    expect(duplicate).toBeInstanceOf(DuplicateError);
    expect(orphan.message).toBe('deployment d-nowhere does not exist');
  });
});
