/**
 * The release flow's commands as processes against the real handlers behind the local API
 * Gateway: `release create|list|show`, `deploy RELEASE --to ENV` (an unknown environment lists
 * the known ones), `--wait` following a deployment the test moves along as the state machine
 * would (one line per event when stdout is not a terminal; exit 0/1/3 by outcome), approvals
 * answered through `approve`/`reject`, `deployment`, `audit`, `dashboard`, and `image push`
 * through the local EventBridge to the real image-push handler.
 */
import '../../support/quiet-powertools.ts';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, DeploymentState } from '#domain/pipeline/model.ts';
import { LOCAL_ACCOUNT } from '#local/aws/api-gateway/server.ts';
import { PROXY, type World as ReleaseWorld, seed, storeToken, WEB, webProject } from '../api/release/world.ts';
import { type CliWorld, createCliWorld, REGION, shown } from './api-world.ts';

let world: CliWorld;
const ECR_REPOSITORY = `${LOCAL_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/web`;
const POLL_MS = 50;
const WAIT_MS = 15_000;

beforeAll(async () => {
  world = await createCliWorld('cli-release');
  // The release-flow API tests' pipeline: dev (automatic) → test → prod, project web.
  const { secretArn } = await seed(world as unknown as ReleaseWorld);
  const manifest = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: shop, image: "${ECR_REPOSITORY}:1.0.0"}]\n`;
  await world.deps.stores.projects.create(
    webProject(secretArn, {
      id: 'shop',
      name: 'Shop',
      process: [{ kind: 'apply-manifests', name: 'deploy shop', targetTags: ['web'], timeoutSeconds: 300, manifests: [{ name: 'shop.yaml', content: manifest }] }],
      variables: [],
      channels: [{ name: 'default', rules: [] }],
      defaultChannel: 'default',
    }),
  );
  const created = await world.conveyor(['release', 'create', 'web', '--version', '1.0.0', '--image', `${WEB}=1.0.0`, '--image', `${PROXY}=v3`], { as: 'release-manager' });
  expect(created.code, shown(created)).toBe(0);
});

afterAll(async () => {
  await world?.close();
});

async function until<T>(find: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The deployment of `version` to `environmentId` once the CLI has asked for it. */
const deploymentOf = (version: string, environmentId: string) =>
  until(
    async () => (await world.deps.stores.deployments.listByProjectEnvironment('web', environmentId)).items.find((d) => d.releaseVersion === version),
    `deployment of ${version} to ${environmentId}`,
  );

/** Moves a deployment through states as the state machine would. */
async function move(id: string, states: DeploymentState[], extra: Partial<Deployment> = {}): Promise<void> {
  let { deployment } = await world.deps.stores.deployments.get(id);
  for (const state of states) deployment = await world.deps.stores.deployments.update({ ...deployment, ...extra, state });
}

describe('conveyor release', () => {
  it('lists and shows a release with its images and lifecycle progress', async () => {
    // Act
    const listed = await world.conveyor(['release', 'list', 'web'], { as: 'auditor' });
    const detail = await world.conveyor(['release', 'show', 'web@1.0.0']);
    const json = await world.conveyor(['release', 'show', 'web@1.0.0', '-o', 'json']);
    const badRef = await world.conveyor(['release', 'show', 'web-1.0.0']);

    // Assess
    expect(listed.stdout, shown(listed)).toMatch(/^VERSION +NUMBER +CHANNEL +CREATED +BY\n1\.0\.0 +1 +stable /);
    expect(detail.stdout).toContain(`images:\n  ${WEB}:1.0.0@sha256:`);
    expect(detail.stdout).toContain('lifecycle progress:\n  → Development: dev [automatic]\n');
    expect(JSON.parse(json.stdout)).toMatchObject({ release: { projectId: 'web', version: '1.0.0', number: 1 }, releaseId: 'web/1' });
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toContain('a release is PROJECT@VERSION (web@1.4.2), got "web-1.0.0"');
  });
});

describe('conveyor deploy', () => {
  it('exits 2 for an unknown environment, listing the known ones, and deploys to a known one', async () => {
    // Act
    const unknown = await world.conveyor(['deploy', 'web@1.0.0', '--to', 'qa'], { as: 'release-manager' });
    const noRelease = await world.conveyor(['deploy', 'web@9.9.9', '--to', 'dev'], { as: 'release-manager' });
    const deployed = await world.conveyor(['deploy', 'web@1.0.0', '--to', 'dev'], { as: 'release-manager' });

    // Assess
    expect(unknown.code, shown(unknown)).toBe(2);
    expect(unknown.stderr).toBe('conveyor deploy: deployment of release 1.0.0 of project web: environmentId names unknown environment "qa" (known: dev, test, prod)\n');
    expect(noRelease.code, shown(noRelease)).toBe(2);
    expect(noRelease.stderr).toBe('conveyor deploy: release 9.9.9 of project web does not exist\n  (`conveyor release list web` shows what exists)\n');
    expect(deployed.code, shown(deployed)).toBe(0);
    expect(deployed.stdout).toMatch(
      /^deployment [0-9A-Z]{26}: web@1\.0\.0 to dev, Queued \((started|handed to the release lifecycle waiting for it)\)\nfollow it with: conveyor deployment show [0-9A-Z]{26} --wait\n$/,
    );
  });

  it('with --wait, prints one line per event while the deployment runs, and exits 0 when it succeeds', async () => {
    // Prepare
    await world.conveyor(['release', 'create', 'web', '--version', '1.1.0', '--image', `${WEB}=1.1.0`], { as: 'release-manager' });

    // Act: the CLI follows; the test plays the state machine.
    const running = world.conveyor(['deploy', 'web@1.1.0', '--to', 'dev', '--wait'], { as: 'release-manager' });
    const deployment = await deploymentOf('1.1.0', 'dev');
    await move(deployment.id, ['Running'], { startedAt: new Date().toISOString() });
    const result = await world.deps.stores.deployments.putResult({
      deploymentId: deployment.id,
      stepIndex: 0,
      stepName: 'deploy web',
      targetId: 'web-1',
      state: 'Running',
      message: 'Deployment/shop/web: 1 of 2 updated replicas are available',
      version: 0,
    });
    await world.deps.stores.deployments.appendLog(deployment.id, [
      { time: new Date().toISOString(), level: 'info', message: 'applied Deployment/shop/web', stepName: 'deploy web', targetId: 'web-1' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await world.deps.stores.deployments.putResult({ ...result, state: 'Succeeded', message: 'done' });
    await move(deployment.id, ['Succeeded'], { finishedAt: new Date().toISOString() });
    const run = await running;

    // Assess
    expect(run.code, shown(run)).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`deployment ${deployment.id}: web@1.1.0 to dev`);
    expect(lines).toContain('state: Running');
    expect(lines).toContain('  info  deploy web/web-1: applied Deployment/shop/web');
    expect(lines).toContain('step 0 "deploy web" on web-1: Running    Deployment/shop/web: 1 of 2 updated replicas are available');
    expect(lines).toContain('step 0 "deploy web" on web-1: Succeeded  done');
    expect(lines.at(-2)).toBe('Succeeded');
    expect(run.stdout).not.toMatch(/\x1b/);
  });

  it('with --wait, exits 1 with the failure when the deployment fails, and 3 when it errors', async () => {
    // Prepare
    await world.conveyor(['release', 'create', 'web', '--version', '1.2.0', '--image', `${WEB}=1.0.0`], { as: 'release-manager' });
    const failure = { category: 'rollout', message: 'Deployment/shop/web: ProgressDeadlineExceeded: pod web-1 container web: ImagePullBackOff' };

    // Act
    const failing = world.conveyor(['deploy', 'web@1.2.0', '--to', 'dev', '--wait', '-o', 'json'], { as: 'release-manager' });
    const first = await deploymentOf('1.2.0', 'dev');
    await move(first.id, ['Running', 'Failed'], { failure, finishedAt: new Date().toISOString() });
    const failed = await failing;
    const erroring = world.conveyor(['deployment', 'redeploy', first.id, '--wait'], { as: 'release-manager' });
    const second = await until(
      async () => (await world.deps.stores.deployments.listByProjectEnvironment('web', 'dev')).items.find((d) => d.releaseVersion === '1.2.0' && d.id !== first.id),
      'the redeployment',
    );
    await move(second.id, ['Running', 'Errored'], { failure: { category: 'unavailable', message: 'the cluster did not answer' } });
    const errored = await erroring;

    // Assess
    expect(failed.code, shown(failed)).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ deployment: { id: first.id, state: 'Failed', failure } });
    expect(errored.code, shown(errored)).toBe(3);
    expect(errored.stdout.trimEnd().split('\n').at(-1)).toBe('Errored: unavailable: the cluster did not answer');
  });
});

describe('approvals', () => {
  it("shows the approval a deployment waits for, refuses its starter, and takes the approver's decision", async () => {
    // Prepare: the release manager may approve too, but not what they started: a deployment of
    // theirs (1.1.0 succeeded in dev, so test is open), waiting at step 1.
    const granted = await world.conveyor(['roles', 'grant', world.users['release-manager'].principalArn, '--role', 'Approver']);
    expect(granted.code, shown(granted)).toBe(0);
    const deployed = await world.conveyor(['deploy', 'web@1.1.0', '--to', 'test', '-o', 'json'], { as: 'release-manager' });
    expect(deployed.code, shown(deployed)).toBe(0);
    const id = JSON.parse(deployed.stdout).deployment.id as string;
    await move(id, ['Running', 'WaitingForApproval']);
    const { token, tokenRef } = await storeToken(world as unknown as ReleaseWorld, `approvals/${id}/1`);
    const { deployment } = await world.deps.stores.deployments.get(id);
    await world.deps.stores.approvals.request({
      deploymentId: id,
      stepIndex: 1,
      stepName: 'sign-off',
      environmentId: 'test',
      taskTokenRef: tokenRef,
      requestedBy: deployment.startedBy,
      requestedAt: new Date().toISOString(),
    });

    // Act
    const show = await world.conveyor(['deployment', 'show', id]);
    const pending = await world.conveyor(['approvals', 'list'], { as: 'approver' });
    const bySelf = await world.conveyor(['approve', id, '--comment', 'looks fine'], { as: 'release-manager' });
    const approved = await world.conveyor(['approve', id, '--comment', 'dashboards are green'], { as: 'approver' });
    const again = await world.conveyor(['reject', id, '1'], { as: 'approver' });

    // Assess
    expect(show.stdout).toContain(`waiting for approval of step 1 "sign-off" in test: conveyor approve ${id} 1 (or conveyor reject ${id} 1 --comment WHY)`);
    expect(pending.stdout).toContain(`${id}  1 sign-off  web@1.1.0`);
    expect(bySelf.code, shown(bySelf)).toBe(3);
    expect(bySelf.stderr).toContain('the person who started a deployment may not approve or reject it');
    expect(approved.code, shown(approved)).toBe(0);
    expect(approved.stdout).toBe(`step 1 "sign-off" of deployment ${id} approved: dashboards are green\n`);
    expect(world.workflows.callsOf('sendTaskSuccess').map((call) => call.token)).toContain(token);
    expect(again.code).toBe(2);
    expect(approved.stdout + approved.stderr + show.stdout).not.toContain(token);
  });
});

describe('a rejection', () => {
  it('rejects the one approval a deployment waits for, with the comment as the cause', async () => {
    // Prepare
    const deployed = await world.conveyor(['deploy', 'web@1.1.0', '--to', 'test', '-o', 'json'], { as: 'release-manager' });
    const id = JSON.parse(deployed.stdout).deployment.id as string;
    await move(id, ['Running', 'WaitingForApproval']);
    const { token, tokenRef } = await storeToken(world as unknown as ReleaseWorld, `approvals/${id}/1`);
    await world.deps.stores.approvals.request({
      deploymentId: id,
      stepIndex: 1,
      stepName: 'sign-off',
      environmentId: 'test',
      taskTokenRef: tokenRef,
      requestedBy: world.users['release-manager'].principalArn,
      requestedAt: new Date().toISOString(),
    });

    // Act
    const rejected = await world.conveyor(['reject', id, '--comment', 'error rate too high'], { as: 'approver' });

    // Assess
    expect(rejected.code, shown(rejected)).toBe(0);
    expect(rejected.stdout).toBe(`step 1 "sign-off" of deployment ${id} rejected: error rate too high\n`);
    expect(world.workflows.callsOf('sendTaskFailure')).toEqual([expect.objectContaining({ token, cause: expect.stringContaining('error rate too high') })]);
  });
});

describe('deployments, audit and dashboard', () => {
  it('lists and cancels deployments; shows the dashboard', async () => {
    // Act
    const listed = await world.conveyor(['deployment', 'list', 'web', 'dev', '--limit', '2']);
    const queued = await world.conveyor(['deploy', 'web@1.0.0', '--to', 'dev', '-o', 'json'], { as: 'release-manager' });
    const id = JSON.parse(queued.stdout).deployment.id as string;
    const cancelled = await world.conveyor(['deployment', 'cancel', id], { as: 'release-manager' });
    const board = await world.conveyor(['dashboard'], { as: 'auditor' });

    // Assess
    expect(listed.code, shown(listed)).toBe(0);
    expect(listed.stdout).toMatch(/^ID +RELEASE +STATE +QUEUED +BY\n/);
    expect(listed.stdout).toContain('(more: --cursor ');
    expect(cancelled.stdout, shown(cancelled)).toBe(`deployment ${id}: web@1.0.0 to dev, Cancelled; the previous version stays live\n`);
    expect(board.stdout, shown(board)).toMatch(/^PROJECT +Development +Test +Production\n/);
    expect(board.stdout).toMatch(/^Web shop +1\.0\.0 Cancelled +1\.1\.0 WaitingForApproval +-$/m);
  });

  it('lists, exports (NDJSON, to a 0600 file) and verifies the audit trail as the Auditor', async () => {
    // Prepare
    const file = join(world.dir, 'audit.ndjson');

    // Act
    const listed = await world.conveyor(['audit', 'list', '--limit', '5'], { as: 'auditor' });
    const exported = await world.conveyor(['audit', 'export', '--file', file], { as: 'auditor' });
    const stdout = await world.conveyor(['audit', 'export'], { as: 'auditor' });
    const verified = await world.conveyor(['audit', 'verify'], { as: 'auditor' });
    const refused = await world.conveyor(['audit', 'verify'], { as: 'release-manager' });

    // Assess
    expect(listed.code, shown(listed)).toBe(0);
    expect(listed.stdout).toMatch(/^# +TIME +ACTOR +ACTION +SUBJECT\n/);
    expect(exported.stdout, shown(exported)).toMatch(/^\d+ audit events written to /);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.length).toBeGreaterThan(3);
    expect(stdout.stdout.trim().split('\n').length).toBeGreaterThanOrEqual(events.length);
    expect(verified.code, shown(verified)).toBe(0);
    expect(verified.stdout).toMatch(/^audit chain intact: \d+ events, head #\d+ at /);
    expect(refused.code).toBe(3);
  });
});

describe('conveyor image push', () => {
  it('publishes the ECR push event on the local EventBridge; the image-push rule makes the release', async () => {
    // Act
    const pushed = await world.conveyor(['image', 'push', 'shop/web:2.0.0', '-o', 'json'], { as: 'admin' });
    await world.events.settled();
    const listed = await world.conveyor(['release', 'list', 'shop', '-o', 'json']);
    const badDigest = await world.conveyor(['image', 'push', 'shop/web:2.0.1', '--digest', 'sha256:abc']);
    const noStack = await world.conveyor(['image', 'push', 'shop/web:2.0.1'], { env: { ...world.environment('admin'), AWS_ENDPOINT_URL_EVENTBRIDGE: '' } });

    // Assess
    expect(pushed.code, shown(pushed)).toBe(0);
    const push = JSON.parse(pushed.stdout);
    expect(push).toMatchObject({ repository: 'shop/web', tag: '2.0.0', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    const [event] = world.events.events().filter((e) => e.event.source === 'aws.ecr');
    expect(event?.event).toMatchObject({
      'detail-type': 'ECR Image Action',
      detail: { 'action-type': 'PUSH', result: 'SUCCESS', 'repository-name': 'shop/web', 'image-tag': '2.0.0', 'image-digest': push.digest },
    });
    expect(JSON.parse(listed.stdout).items).toEqual([expect.objectContaining({ projectId: 'shop', version: '2.0.0', sourceDigest: push.digest })]);
    expect(badDigest.code).toBe(2);
    expect(badDigest.stderr).toContain('--digest must be sha256: and 64 hex digits, got "sha256:abc"');
    expect(noStack.code).toBe(2);
    expect(noStack.stderr).toContain("image push publishes to the local stack's EventBridge, and none is known");
  });
});
