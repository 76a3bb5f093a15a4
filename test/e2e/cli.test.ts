/**
 * The `conveyor` CLI as a process against the whole local stack, configured only by the stack's
 * local.env (endpoints, region, the credentials file, the profile): one representative command of
 * each group, in the order a team uses them — configuration read back, a target checked, an image
 * pushed, the release it made followed to Development, promoted with `deploy --wait` while the
 * approver finds and approves it, a release made by hand, the audit trail listed, verified and
 * exported, the dashboard. test/integration/cli/ covers each command in depth against an
 * in-process API; here the point is the real stack behind them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repositoryUri } from '#local/demo/definitions.ts';
import { runConveyor, type ConveyorRun } from '../support/conveyor.ts';
import { poll, secretsFoundIn, type Deployment } from '../support/local-stack.ts';
import { arnOf, DEVELOPMENT, PROJECT, startE2eStack, type E2eStack } from './world.ts';

let e: E2eStack;
const RELEASE = `${PROJECT}@1.0.0`;
/** Every run's output, searched for secrets at the end. */
const outputs: string[] = [];

beforeAll(async () => {
  e = await startE2eStack('cli');
}, 90_000);

afterAll(async () => {
  await e?.close();
});

const shown = (run: ConveyorRun) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** `conveyor ARGS` with this machine's environment minus anything AWS or Conveyor, plus local.env's variables; `--profile` picks the user. */
async function conveyor(...args: string[]): Promise<ConveyorRun> {
  const kept = Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('POWERTOOLS_') && !name.startsWith('CONVEYOR_'));
  const run = await runConveyor(args, { env: { ...Object.fromEntries(kept), ...e.stack.envValues }, cwd: e.dir });
  outputs.push(run.stdout, run.stderr);
  return run;
}

/** Runs a command that must exit 0; its stdout. */
async function ok(...args: string[]): Promise<string> {
  const run = await conveyor(...args);
  expect(run.code, `conveyor ${args.join(' ')}: ${shown(run)}`).toBe(0);
  return run.stdout;
}

it('reads the configuration back: environments, lifecycles, the project, accounts and targets, and checks a target', async () => {
  // Act
  const environments = await ok('env', 'list');
  const lifecycles = await ok('lifecycle', 'list');
  const project = await ok('project', 'show', PROJECT);
  const accounts = await ok('account', 'list');
  const targets = await ok('target', 'list');
  const check = await ok('target', 'check', 'httpd-development');

  // Assess
  expect(environments).toMatch(/development +Development[\s\S]*production +Production[\s\S]*admin +Admin/);
  expect(lifecycles).toMatch(/application +Application/);
  expect(project).toContain('Deploy httpd');
  expect(project).not.toContain(e.sensitiveValue);
  expect(accounts).toMatch(/httpd-development +Httpd Development +token/);
  expect(targets).toMatch(/httpd-production +.*httpd-production/);
  expect(check).toContain('system:serviceaccount:httpd-development:httpd-deployer');
});

it('pushes an image, follows its release to Development, and deploys it to Production with --wait once approved', async () => {
  // Act: the push, the release it made, its deployment to Development.
  const pushed = await ok('image', 'push', `${PROJECT}:1.0.0`);
  const listed = await poll(async () => {
    const run = await conveyor('release', 'list', PROJECT);
    return run.code === 0 && run.stdout.includes('1.0.0') ? run.stdout : undefined;
  }, 'the release of the push');
  const development = await poll(async () => {
    const detail = JSON.parse(await ok('release', 'show', RELEASE, '-o', 'json')) as { deployments: Deployment[] };
    return detail.deployments.find((d) => d.environmentId === DEVELOPMENT);
  }, 'the deployment to Development');
  const followed = await conveyor('deployment', 'show', development.id, '--wait');

  // Act: promoted with --wait; the approver finds it among the approvals and approves it.
  const deploying = conveyor('deploy', RELEASE, '--to', 'production', '--wait', '--profile', 'release-manager');
  const pending = await poll(async () => {
    const run = await conveyor('approvals', 'list', '--profile', 'approver', '-o', 'json');
    return (JSON.parse(run.stdout) as { items: { deployment: Deployment }[] }).items[0]?.deployment;
  }, 'the approval of the Production deployment');
  const approved = await ok('approve', pending.id, '--comment', 'Development is fine', '--profile', 'approver');
  const deployed = await deploying;
  const shownRelease = await ok('release', 'show', RELEASE);

  // Assess
  expect(pushed).toMatch(/^pushed httpd:1\.0\.0 \(sha256:[0-9a-f]{64}\)/);
  expect(listed).toMatch(/^VERSION +NUMBER +CHANNEL +CREATED +BY\n1\.0\.0 +1 /);
  expect(followed.code, shown(followed)).toBe(0);
  expect(followed.stdout).toContain('Succeeded');
  expect(approved).toBe(`step 0 "Approve Production" of deployment ${pending.id} approved: Development is fine\n`);
  expect(deployed.code, shown(deployed)).toBe(0);
  expect(deployed.stdout).toContain('WaitingForApproval');
  expect(deployed.stdout.trimEnd().split('\n').at(-1)).toBe('Succeeded');
  expect(shownRelease).toMatch(/development +Succeeded/);
  expect(shownRelease).toMatch(/production +Succeeded/);
}, 60_000);

it('makes a release by hand, lists and verifies the audit trail, exports it, and shows the dashboard', async () => {
  // Act
  const created = await ok('release', 'create', PROJECT, '--version', '1.1.0', '--image', `${repositoryUri(e.c.accountId, e.c.region)}=1.0.0`, '--notes', 'by hand', '--profile', 'release-manager');
  const production = await poll(async () => {
    const detail = JSON.parse(await ok('release', 'show', RELEASE, '-o', 'json')) as { deployments: Deployment[] };
    return detail.deployments.find((d) => d.environmentId === 'production');
  }, 'the Production deployment');
  const trail = await ok('audit', 'list', '--subject', `deployment/${production.id}`, '--profile', 'auditor');
  const verified = await ok('audit', 'verify', '--profile', 'auditor');
  const exported = await ok('audit', 'export', '--profile', 'auditor');
  const dashboard = await ok('dashboard');

  // Assess
  expect(created).toMatch(/^release httpd@1\.1\.0 created \(number 2, channel default\)\n {2}\d+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/httpd:1\.0\.0@sha256:/);
  expect(trail).toMatch(new RegExp(`^\\d+ +\\S+ +${arnOf('release-manager')} +deployment\\.queue +deployment/${production.id}$`, 'm'));
  expect(trail).toMatch(new RegExp(`^\\d+ +\\S+ +${arnOf('approver')} +approval\\.decide +deployment/${production.id}$`, 'm'));
  expect(verified).toMatch(/^audit chain intact: \d+ events/);
  expect(exported.trim().split('\n').map((line) => (JSON.parse(line) as { action: string }).action)).toContain('deployment.finish');
  expect(dashboard).toMatch(/^httpd +1\.\d\.0 \w+ +1\.0\.0 Succeeded +- *$/m);
  expect(secretsFoundIn({ 'the sensitive variable': e.sensitiveValue, ...Object.fromEntries(e.stack.users.map((u) => [`the key of ${u.profile}`, u.secretAccessKey])) }, { 'the CLI output': outputs.join('\n') })).toEqual([]);
});
