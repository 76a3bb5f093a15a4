/**
 * Promotions, redeploys and cancellations through the real handlers. A promotion is checked
 * before anything is stored or started (role and environment scope, the environment, the
 * lifecycle: phase N+1 only once phase N is complete), then it either answers the release
 * lifecycle waiting at that phase (with the deployment id, through the task token kept in the
 * secret store) or starts the deployment on its own. Cancelling stops the execution and lets go
 * of the project × environment lock.
 */
import '../../../support/quiet-powertools.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '#domain/pipeline/model.ts';
import { ADMIN, AUDITOR, createWorld, DEV_DEPLOYER, everyItem, moveDeployment, PROXY, RELEASE_MANAGER, seed, storeToken, WEB, type World } from './world.ts';

const PROMOTE = 'POST /projects/{projectId}/releases/{version}/deployments';
const REDEPLOY = 'POST /deployments/{deploymentId}/redeploy';
const CANCEL = 'POST /deployments/{deploymentId}/cancel';
const GET = 'GET /deployments/{deploymentId}';
const HISTORY = 'GET /projects/{projectId}/environments/{environmentId}/deployments';

let world: World;
const tokens: string[] = [];

beforeAll(async () => {
  world = await createWorld('promotion-api');
  await seed(world);
  for (const version of ['1.0.0', '1.1.0']) {
    const created = await world.call('releases', 'POST /projects/{projectId}/releases', {
      callerArn: RELEASE_MANAGER,
      path: { projectId: 'web' },
      body: { version, images: { [WEB]: version, [PROXY]: 'v3' } },
    });
    expect(created.status).toBe(201);
  }
});

afterAll(async () => {
  await world.close();
});

const promote = (environmentId: string, callerArn = RELEASE_MANAGER, version = '1.0.0') => world.call('releases', PROMOTE, { callerArn, path: { projectId: 'web', version }, body: { environmentId } });
const deploymentsOfRelease = async (number = 1) => (await world.deps.stores.deployments.listByRelease('web', number)).length;

describe('promotion through the lifecycle', () => {
  let devDeployment: Deployment;

  it('deploys to an environment of the first phase at once: Queued, and its execution started under its id', async () => {
    // Act
    const answer = await promote('dev', DEV_DEPLOYER);

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      startedBy: 'deployment',
      deployment: { projectId: 'web', releaseNumber: 1, releaseVersion: '1.0.0', environmentId: 'dev', state: 'Queued', startedBy: DEV_DEPLOYER },
    });
    devDeployment = answer.body.deployment;
    expect(world.workflows.callsOf('start').at(-1)).toEqual({ method: 'start', workflow: 'deployment', name: devDeployment.id, input: { deploymentId: devDeployment.id } });
    expect(world.events.ofType('DeploymentStarted')).toEqual([]);
  });

  it('refuses phase 2 before phase 1 is complete, saying which phase and how far it is; nothing stored or started', async () => {
    // Prepare
    const [count, calls] = [await deploymentsOfRelease(), world.workflows.calls.length];

    // Act
    const answer = await promote('test');

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('InvalidStateError');
    expect(answer.body.error.message).toBe(
      'release 1.0.0 of project web: cannot be deployed to test: environment test is in phase 2 (Test) of lifecycle default, which opens once phase 1 (Development) is complete: 0 of the 1 successful deployments it needs (dev)',
    );
    expect([await deploymentsOfRelease(), world.workflows.calls.length]).toEqual([count, calls]);
  });

  it('allows phase 2 once phase 1 succeeded, answering the lifecycle that waits there with the deployment id', async () => {
    // Prepare
    await moveDeployment(world, devDeployment.id, ['Running', 'Succeeded']);
    const { token, tokenRef } = await storeToken(world, 'web-1-phase-1');
    tokens.push(token);
    await world.deps.stores.lifecycleWaits.put({ projectId: 'web', releaseNumber: 1, phaseIndex: 1, tokenRef, since: new Date().toISOString() });
    const starts = world.workflows.callsOf('start').length;

    // Act
    const answer = await promote('test');

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.body.startedBy).toBe('release-lifecycle');
    expect(world.workflows.callsOf('sendTaskSuccess')).toEqual([{ method: 'sendTaskSuccess', token, output: { deploymentIds: [answer.body.deployment.id] } }]);
    expect(world.workflows.callsOf('start').length).toBe(starts);
    expect(await world.deps.stores.lifecycleWaits.get('web', 1, 1)).toBeUndefined();
    expect((await world.secrets.describe(tokenRef).catch((error: Error) => error)).name).toBe('SecretNotFoundError');
  });

  it('starts the deployment itself when the lifecycle no longer waits (its token was answered or timed out)', async () => {
    // Prepare: a wait whose token Step Functions no longer knows.
    const { tokenRef } = await storeToken(world, 'web-1-phase-1-stale');
    await world.deps.stores.lifecycleWaits.put({ projectId: 'web', releaseNumber: 1, phaseIndex: 1, tokenRef, since: new Date().toISOString() });
    const stale = await world.secrets.get(tokenRef);
    tokens.push(stale);
    await world.workflows.sendTaskSuccess(stale, {});

    // Act
    const answer = await promote('test');

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.body.startedBy).toBe('deployment');
    expect(world.workflows.callsOf('start').at(-1)).toMatchObject({ workflow: 'deployment', name: answer.body.deployment.id });
  });
});

describe('who may promote', () => {
  it('refuses a Deployer scoped to dev in prod (403) and audits the denial', async () => {
    // Act
    const answer = await promote('prod', DEV_DEPLOYER);

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('ForbiddenError');
    expect(answer.body.error.message).toContain('deploy in environment prod needs one of Admin, ReleaseManager, Deployer for that environment; it has Deployer (dev)');
    const denial = (await world.deps.stores.audit.listBySubject('project/web')).items.at(-1);
    expect(denial).toMatchObject({ action: 'access.denied', actorArn: DEV_DEPLOYER, details: { action: 'deploy', environment: 'prod' } });
  });

  it('refuses an Auditor (403), and names the known environments for an unknown one (400)', async () => {
    // Act
    const auditor = await promote('dev', AUDITOR);
    const unknown = await promote('staging', ADMIN);

    // Assess
    expect(auditor.status).toBe(403);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'UnknownReferenceError', details: { known: { environments: ['dev', 'test', 'prod'] } } });
    expect(unknown.body.error.message).toContain('environmentId names unknown environment "staging" (known: dev, test, prod)');
  });
});

describe('redeploy, cancel, show', () => {
  it('redeploys the same release to the same environment, with the same checks', async () => {
    // Prepare
    const first = await promote('dev', RELEASE_MANAGER, '1.1.0');

    // Act
    const again = await world.call('deployments', REDEPLOY, { callerArn: DEV_DEPLOYER, path: { deploymentId: first.body.deployment.id } });
    const elsewhere = await world.call('deployments', REDEPLOY, { callerArn: AUDITOR, path: { deploymentId: first.body.deployment.id } });

    // Assess
    expect(again.status).toBe(202);
    expect(again.body.deployment).toMatchObject({ releaseVersion: '1.1.0', environmentId: 'dev', state: 'Queued', startedBy: DEV_DEPLOYER });
    expect(again.body.deployment.id).not.toBe(first.body.deployment.id);
    expect(elsewhere.status).toBe(403);
  });

  it('cancels a running deployment: stops its execution, marks it Cancelled, hands the lock to the next queued one', async () => {
    // Prepare
    const running = (await promote('dev', RELEASE_MANAGER, '1.1.0')).body.deployment as Deployment;
    const queued = (await promote('dev', RELEASE_MANAGER, '1.1.0')).body.deployment as Deployment;
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:deployment:${running.id}`;
    await moveDeployment(world, running.id, ['Running'], { executionArn });
    const lock = { projectId: 'web', environmentId: 'dev', leaseSeconds: 600 };
    expect((await world.deps.stores.locks.acquire({ ...lock, deploymentId: running.id })).held).toBe(true);
    expect((await world.deps.stores.locks.acquire({ ...lock, deploymentId: queued.id })).held).toBe(false);

    // Act
    const answer = await world.call('deployments', CANCEL, { callerArn: DEV_DEPLOYER, path: { deploymentId: running.id } });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: running.id, state: 'Cancelled' });
    expect(world.workflows.callsOf('stop').at(-1)).toMatchObject({ executionArn });
    expect((await world.deps.stores.locks.get(lock)).holder?.deploymentId).toBe(queued.id);
    const event = (await world.deps.stores.audit.listBySubject(`deployment/${running.id}`)).items.at(-1);
    expect(event).toMatchObject({ action: 'deployment.cancel', actorArn: DEV_DEPLOYER, details: { from: 'Running', lockHandedTo: queued.id } });
  });

  it('cancels a queued deployment (it leaves the queue), and refuses to cancel a finished one (409)', async () => {
    // Prepare
    const holder = (await world.deps.stores.locks.get({ projectId: 'web', environmentId: 'dev' })).holder!.deploymentId;
    const waiting = (await promote('dev', RELEASE_MANAGER, '1.1.0')).body.deployment as Deployment;
    await world.deps.stores.locks.acquire({ projectId: 'web', environmentId: 'dev', leaseSeconds: 600, deploymentId: waiting.id });
    const finished = (await promote('dev', RELEASE_MANAGER, '1.1.0')).body.deployment as Deployment;
    await moveDeployment(world, finished.id, ['Running', 'Failed']);

    // Act
    const cancelled = await world.call('deployments', CANCEL, { callerArn: RELEASE_MANAGER, path: { deploymentId: waiting.id } });
    const refused = await world.call('deployments', CANCEL, { callerArn: RELEASE_MANAGER, path: { deploymentId: finished.id } });

    // Assess
    expect(cancelled.body.state).toBe('Cancelled');
    const lock = await world.deps.stores.locks.get({ projectId: 'web', environmentId: 'dev' });
    expect(lock.holder?.deploymentId).toBe(holder);
    expect(lock.queue.map((entry) => entry.deploymentId)).not.toContain(waiting.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('is Failed: a finished deployment cannot be cancelled');
  });

  it('shows a deployment and the history of a project in an environment, newest first', async () => {
    // Prepare
    const history = await world.call('deployments', HISTORY, { callerArn: AUDITOR, path: { projectId: 'web', environmentId: 'dev' }, query: { limit: '2' } });

    // Act
    const shown = await world.call('deployments', GET, { callerArn: AUDITOR, path: { deploymentId: history.body.items[0].id } });
    const missing = await world.call('deployments', GET, { callerArn: AUDITOR, path: { deploymentId: '01JZZZZZZZZZZZZZZZZZZZZZZZ' } });

    // Assess
    expect(history.status).toBe(200);
    expect(history.body.items).toHaveLength(2);
    expect(history.body.items[0].queuedAt >= history.body.items[1].queuedAt).toBe(true);
    expect(history.body.cursor).toEqual(expect.any(String));
    expect(shown.body).toMatchObject({ deployment: { id: history.body.items[0].id }, results: [], log: [], approvals: [] });
    expect(missing.status).toBe(404);
  });

  it('never shows a task token: not in an answer, an item or an audit event', async () => {
    // Prepare
    const deployments = [...(await world.deps.stores.deployments.listByRelease('web', 1)), ...(await world.deps.stores.deployments.listByRelease('web', 2))];
    const ids = deployments.map((d) => `DEPLOYMENT#${d.id}`);

    // Act
    const items = await everyItem(world, ['PROJECT#web', 'AUDIT', 'MATRIX', ...ids]);

    // Assess
    expect(tokens).toHaveLength(2);
    for (const text of [...world.answers.map((a) => a.text), items, JSON.stringify(world.events.published)]) {
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });
});
