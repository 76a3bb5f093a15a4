/**
 * Approvals through the real handler: the pending list (only what the caller may decide), a
 * decision answered through the task token kept in the secret store (success with who approved
 * and the comment, or ApprovalRejectedError), once; never by who started the deployment —
 * whichever session of the same role asks — and never by a role that may not approve. The
 * token shows up nowhere.
 */
import '../../../support/quiet-powertools.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '#domain/pipeline/model.ts';
import { APPROVER, AUDITOR, createWorld, DEV_DEPLOYER, everyItem, moveDeployment, OPS_CAROL, OPS_DAVE, PROXY, RELEASE_MANAGER, seed, storeToken, WEB, type World } from './world.ts';

const PENDING = 'GET /approvals';
const DECIDE = 'POST /approvals/{deploymentId}/{stepIndex}';
const STEP = 1;

let world: World;
const tokens: string[] = [];

beforeAll(async () => {
  world = await createWorld('approval-api');
  await seed(world);
  const created = await world.call('releases', 'POST /projects/{projectId}/releases', {
    callerArn: RELEASE_MANAGER,
    path: { projectId: 'web' },
    body: { version: '1.0.0', images: { [WEB]: '1.0.0', [PROXY]: 'v3' } },
  });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await world.close();
});

/** A deployment started by `callerArn`, waiting at its approval step, its token in the secret store. */
async function waitingDeployment(callerArn: string): Promise<{ deployment: Deployment; token: string; tokenRef: string }> {
  const promoted = await world.call('releases', 'POST /projects/{projectId}/releases/{version}/deployments', {
    callerArn,
    path: { projectId: 'web', version: '1.0.0' },
    body: { environmentId: 'dev' },
  });
  expect(promoted.status).toBe(202);
  const deployment = await moveDeployment(world, promoted.body.deployment.id, ['Running', 'WaitingForApproval']);
  const { token, tokenRef } = await storeToken(world, `approvals/${deployment.id}/${STEP}`);
  tokens.push(token);
  await world.deps.stores.approvals.request({
    deploymentId: deployment.id,
    stepIndex: STEP,
    stepName: 'sign-off',
    environmentId: deployment.environmentId,
    taskTokenRef: tokenRef,
    requestedBy: deployment.startedBy,
    requestedAt: new Date().toISOString(),
  });
  return { deployment, token, tokenRef };
}

const decide = (deploymentId: string, callerArn: string, body: unknown) => world.call('approvals', DECIDE, { callerArn, path: { deploymentId, stepIndex: String(STEP) }, body });

describe('approvals', () => {
  let carols: Awaited<ReturnType<typeof waitingDeployment>>;

  beforeAll(async () => {
    carols = await waitingDeployment(OPS_CAROL);
  });

  it('lists a pending approval to whoever may decide it, not to its starter nor to a role that may not approve', async () => {
    // Act
    const approver = await world.call('approvals', PENDING, { callerArn: APPROVER });
    const starter = await world.call('approvals', PENDING, { callerArn: OPS_CAROL });
    const auditor = await world.call('approvals', PENDING, { callerArn: AUDITOR });

    // Assess
    expect(approver.status).toBe(200);
    expect(approver.body.items).toEqual([
      { deployment: expect.objectContaining({ id: carols.deployment.id, state: 'WaitingForApproval' }), approval: expect.objectContaining({ stepName: 'sign-off' }) },
    ]);
    expect(approver.body.items[0].approval.taskTokenRef).toBeUndefined();
    expect(starter.body.items).toEqual([]);
    expect(auditor.body.items).toEqual([]);
  });

  it('refuses the starter, and another session of the same role, with a 403 each audited', async () => {
    // Act
    const self = await decide(carols.deployment.id, OPS_CAROL, { decision: 'Approved' });
    const sameRole = await decide(carols.deployment.id, OPS_DAVE, { decision: 'Approved' });

    // Assess
    for (const answer of [self, sameRole]) {
      expect(answer.status).toBe(403);
      expect(answer.body.error.message).toContain('the person who started a deployment may not approve or reject it');
    }
    const denials = (await world.deps.stores.audit.listBySubject(`deployment/${carols.deployment.id}`)).items.filter((e) => e.action === 'access.denied');
    expect(denials.map((e) => e.actorArn)).toEqual([OPS_CAROL, OPS_DAVE]);
    expect(world.workflows.isWaiting(carols.token)).toBe(true);
  });

  it('refuses a caller without the Approver role (403)', async () => {
    // Act
    const answer = await decide(carols.deployment.id, DEV_DEPLOYER, { decision: 'Approved' });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body.error.message).toContain('approve in environment dev needs one of Admin, Approver');
  });

  it('approves: records the decision, answers the token with who and why, deletes its secret, audits', async () => {
    // Act
    const answer = await decide(carols.deployment.id, APPROVER, { decision: 'Approved', comment: 'dashboards are green' });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ decision: 'Approved', decidedBy: APPROVER, comment: 'dashboards are green' });
    expect(answer.body.taskTokenRef).toBeUndefined();
    expect(world.workflows.callsOf('sendTaskSuccess').at(-1)).toEqual({ method: 'sendTaskSuccess', token: carols.token, output: { approvedBy: APPROVER, comment: 'dashboards are green' } });
    expect((await world.secrets.describe(carols.tokenRef).catch((error: Error) => error)).name).toBe('SecretNotFoundError');
    const event = (await world.deps.stores.audit.listBySubject(`deployment/${carols.deployment.id}`)).items.at(-1);
    expect(event).toMatchObject({ action: 'approval.decide', actorArn: APPROVER, details: { decision: 'Approved', step: STEP, environment: 'dev' } });
  });

  it('refuses a second decision (409), whoever makes it', async () => {
    // Act
    const again = await decide(carols.deployment.id, APPROVER, { decision: 'Rejected' });

    // Assess
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(`was already approved by ${APPROVER}; a decision is final`);
  });

  it('rejects: the deployment fails with ApprovalRejectedError and the comment as its cause', async () => {
    // Prepare
    const daves = await waitingDeployment(OPS_DAVE);

    // Act
    const answer = await decide(daves.deployment.id, APPROVER, { decision: 'Rejected', comment: 'error rate too high' });

    // Assess
    expect(answer.status).toBe(200);
    expect(world.workflows.callsOf('sendTaskFailure').at(-1)).toEqual({ method: 'sendTaskFailure', token: daves.token, error: 'ApprovalRejectedError', cause: 'error rate too high' });
  });

  it('answers 404 for a step without an approval and 400 for a malformed decision', async () => {
    // Act
    const missing = await world.call('approvals', DECIDE, { callerArn: APPROVER, path: { deploymentId: carols.deployment.id, stepIndex: '7' }, body: { decision: 'Approved' } });
    const malformed = await decide(carols.deployment.id, APPROVER, { decision: 'Maybe' });

    // Assess
    expect(missing.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.problems[0]).toContain('body.decision');
  });

  it('never shows a task token: not in an answer, an item or an audit event', async () => {
    // Prepare
    const waiting = await world.deps.stores.deployments.listByRelease('web', 1);

    // Act
    const items = await everyItem(world, ['AUDIT', 'MATRIX', ...waiting.map((d) => `DEPLOYMENT#${d.id}`)]);

    // Assess
    for (const text of [...world.answers.map((a) => a.text), items, JSON.stringify(world.events.published)]) {
      for (const token of tokens) expect(text).not.toContain(token);
    }
  });
});
