/**
 * The `conveyor` CLI as a process against the whole local stack, configured only by the stack's
 * local.env (endpoints, region, the credentials file, the profile): every command, in the order a
 * team uses them — configuration read back, a target checked, an image pushed, the release it
 * made followed to Development, promoted with `deploy --wait` while the approver finds and
 * approves it, a release made by hand, the audit trail listed, verified and exported, the
 * dashboard; configuration created, changed and removed (an environment, a lifecycle from flags
 * and from a file, an account whose token comes from stdin, a target imported from the
 * sandbox's kubeconfig, a project from a file, a role binding); a promotion rejected, one
 * cancelled, a deployment redeployed, the completion script. Nothing secret is ever printed.
 * test/integration/cli/ covers each command in depth (every flag, every error, target import of
 * every auth kind) against the real handlers behind the local API Gateway.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repositoryUri } from '#local/demo/definitions.ts';
import { ADMIN_USER } from '#sandbox/credentials.ts';
import { ADMIN_CONTEXT } from '#sandbox/kubeconfig.ts';
import { type ConveyorRun, runConveyor } from '../support/conveyor.ts';
import { type Deployment, poll, secretsFoundIn } from '../support/local-stack.ts';
import { arnOf, DEVELOPMENT, type E2eStack, PROJECT, startE2eStack } from './world.ts';

let e: E2eStack;
const RELEASE = `${PROJECT}@1.0.0`;
const DANA = 'arn:aws:iam::000000000000:user/dana';
/** A project as a file, its manifest inline, on the lifecycle the test creates. */
const QA_PROJECT = `id: qa-app
name: QA app
lifecycleId: fast
process:
  - kind: apply-manifests
    name: Deploy settings
    targetTags: [qa]
    timeoutSeconds: 60
    manifests:
      - name: settings.yaml
        content: |
          apiVersion: v1
          kind: ConfigMap
          metadata: {name: settings}
          data: {mode: qa}
`;
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
async function conveyorWith(stdin: string | undefined, args: string[]): Promise<ConveyorRun> {
  const kept = Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('POWERTOOLS_') && !name.startsWith('CONVEYOR_'));
  const run = await runConveyor(args, { env: { ...Object.fromEntries(kept), ...e.stack.envValues }, cwd: e.dir, ...(stdin === undefined ? {} : { stdin }) });
  outputs.push(run.stdout, run.stderr);
  return run;
}

const conveyor = (...args: string[]) => conveyorWith(undefined, args);

/** Runs a command that must exit 0; its stdout. */
async function ok(...args: string[]): Promise<string> {
  return okWith(undefined, ...args);
}

async function okWith(stdin: string | undefined, ...args: string[]): Promise<string> {
  const run = await conveyorWith(stdin, args);
  expect(run.code, `conveyor ${args.join(' ')}: ${shown(run)}`).toBe(0);
  return run.stdout;
}

/** A command's JSON answer (`-o json`). */
const json = async <T>(...args: string[]): Promise<T> => JSON.parse(await ok(...args, '-o', 'json')) as T;

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
  expect(
    exported
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { action: string }).action),
  ).toContain('deployment.finish');
  expect(dashboard).toMatch(/^httpd +1\.\d\.0 \w+ +1\.0\.0 Succeeded +- *$/m);
});

it('creates, changes and removes configuration: an environment, a lifecycle, an account from stdin, a target imported from a kubeconfig, a project from a file, a role', async () => {
  // Prepare: a project file, a lifecycle file, and the sandbox admin's token for the account.
  writeFileSync(join(e.dir, 'qa-app.yaml'), QA_PROJECT);
  writeFileSync(join(e.dir, 'fast.yaml'), 'id: fast\nname: Fast lane\nphases:\n  - {name: QA, environments: [qa], entry: automatic, minimumEnvironmentsBeforePromotion: 0}\n');
  const token = e.stack.sandbox.credentials.adminToken;

  // Act: create.
  await ok('env', 'create', 'qa', '--name', 'QA', '--order', '15', '--description', 'where testers look');
  await ok('lifecycle', 'create', 'fast', '--name', 'Fast', '--phase', 'QA=qa:automatic');
  await ok('lifecycle', 'apply', '-f', 'fast.yaml');
  const account = await okWith(`${token}\n`, 'account', 'create', 'qa-token', '--kind', 'token', '--name', 'QA token', '--secret-stdin');
  const imported = await ok(
    'target',
    'import',
    '--kubeconfig',
    e.stack.envValues.KUBECONFIG!,
    '--context',
    ADMIN_CONTEXT,
    '--id',
    'qa-web',
    '--namespace',
    'qa-web',
    '--environment',
    'qa',
    '--tag',
    'qa',
  );
  await ok('project', 'apply', '-f', 'qa-app.yaml');
  await ok('roles', 'grant', DANA, '--role', 'Deployer', '--environment', 'qa');

  // Act: read back and change.
  const environment = await json<{ name: string; order: number; description: string }>('env', 'show', 'qa');
  await ok('env', 'update', 'qa', '--description', 'testers and product owners');
  const lifecycle = await json<{ name: string; phases: { name: string; entry: string }[] }>('lifecycle', 'show', 'fast');
  const shownAccount = await json<Record<string, unknown>>('account', 'show', 'qa-token');
  await ok('account', 'update', 'qa-token', '--name', 'QA cluster token');
  const check = await ok('target', 'check', 'qa-web');
  await ok('target', 'update', 'qa-web', '--tag', 'qa', '--tag', 'canary');
  const target = await json<{ namespace: string; tags: string[]; environments: string[] }>('target', 'show', 'qa-web');
  const projects = await ok('project', 'list');
  const roles = await ok('roles', 'list');
  await ok('roles', 'revoke', DANA, '--role', 'Deployer', '--environment', 'qa');
  const rolesAfter = await ok('roles', 'list');
  const updated = await json<{ description: string }>('env', 'show', 'qa');

  // Act: remove, dependants first (the import made an account named after the target).
  await ok('project', 'delete', 'qa-app');
  await ok('target', 'delete', 'qa-web');
  await ok('account', 'delete', 'qa-web');
  await ok('account', 'delete', 'qa-token');
  await ok('lifecycle', 'delete', 'fast');
  await ok('env', 'delete', 'qa');
  const environments = await ok('env', 'list');
  const missing = await conveyor('env', 'show', 'qa');

  // Assess
  expect(environment).toMatchObject({ name: 'QA', order: 15, description: 'where testers look' });
  expect(updated.description).toBe('testers and product owners');
  expect(lifecycle).toMatchObject({ name: 'Fast lane', phases: [{ name: 'QA', entry: 'automatic' }] });
  expect(account).toContain('qa-token');
  expect(JSON.stringify(shownAccount)).not.toContain(token);
  expect(imported).toContain('qa-web');
  expect(check).toContain(`reachable, authenticated as ${ADMIN_USER}`);
  expect(target).toMatchObject({ namespace: 'qa-web', tags: ['qa', 'canary'], environments: ['qa'] });
  expect(projects).toMatch(/^qa-app +/m);
  expect(roles).toContain(DANA);
  expect(rolesAfter).not.toContain(DANA);
  expect(environments).not.toMatch(/^qa +/m);
  expect(missing.code, shown(missing)).toBe(2);
  expect(missing.stderr).toContain('qa');
}, 60_000);

it('rejects a promotion, cancels one, redeploys a deployment, lists deployments and prints a completion script', async () => {
  // Prepare: a release to promote.
  await ok('release', 'create', PROJECT, '--version', '1.2.0', '--image', `${repositoryUri(e.c.accountId, e.c.region)}=1.0.0`, '--profile', 'release-manager');
  const development = await poll(async () => {
    const detail = JSON.parse(await ok('release', 'show', `${PROJECT}@1.2.0`, '-o', 'json')) as { deployments: Deployment[] };
    return detail.deployments.find((d) => d.environmentId === DEVELOPMENT && d.state === 'Succeeded');
  }, 'the release in Development');

  // Act: promoted, rejected by the approver.
  const rejected = JSON.parse(await ok('deploy', `${PROJECT}@1.2.0`, '--to', 'production', '--profile', 'release-manager', '-o', 'json')) as { deployment: Deployment };
  await poll(
    async () => ((await json<{ items: { deployment: Deployment }[] }>('approvals', 'list', '--profile', 'approver')).items.some((i) => i.deployment.id === rejected.deployment.id) ? true : undefined),
    'the approval',
  );
  const rejection = await ok('reject', rejected.deployment.id, '--comment', 'not this week', '--profile', 'approver');
  const afterRejection = await conveyor('deployment', 'show', rejected.deployment.id, '--wait');

  // Act: promoted again and cancelled while it waits for approval.
  const waiting = JSON.parse(await ok('deploy', `${PROJECT}@1.2.0`, '--to', 'production', '--profile', 'release-manager', '-o', 'json')) as { deployment: Deployment };
  await poll(
    async () => ((await json<{ items: { deployment: Deployment }[] }>('approvals', 'list', '--profile', 'approver')).items.some((i) => i.deployment.id === waiting.deployment.id) ? true : undefined),
    'the second approval',
  );
  await ok('deployment', 'cancel', waiting.deployment.id, '--profile', 'release-manager');
  const cancelled = await conveyor('deployment', 'show', waiting.deployment.id, '--wait');

  // Act: Development deployed again; the deployments of Production listed.
  const redeployed = await conveyor('deployment', 'redeploy', development.id, '--wait', '--profile', 'release-manager');
  const listed = await json<{ items: Deployment[] }>('deployment', 'list', PROJECT, 'production');
  const completion = await ok('completion', 'bash');

  // Assess
  expect(rejection).toContain('rejected');
  expect(afterRejection.code, shown(afterRejection)).toBe(1);
  expect(afterRejection.stdout).toContain('Failed');
  expect(cancelled.code, shown(cancelled)).toBe(1);
  expect(cancelled.stdout).toContain('Cancelled');
  expect(redeployed.code, shown(redeployed)).toBe(0);
  expect(redeployed.stdout.trimEnd().split('\n').at(-1)).toBe('Succeeded');
  expect(listed.items.map((d) => [d.id, d.state])).toEqual(
    expect.arrayContaining([
      [rejected.deployment.id, 'Failed'],
      [waiting.deployment.id, 'Cancelled'],
    ]),
  );
  expect(completion).toContain('conveyor');
  expect(completion).toContain('complete');
}, 60_000);

it('never printed a secret: the users keys, the sensitive variable, the cluster admin token', () => {
  // Assess
  const secrets = {
    'the sensitive variable': e.sensitiveValue,
    'the sandbox admin token': e.stack.sandbox.credentials.adminToken,
    ...Object.fromEntries(e.stack.users.map((u) => [`the key of ${u.profile}`, u.secretAccessKey])),
  };
  expect(outputs.length).toBeGreaterThan(40);
  expect(secretsFoundIn(secrets, { 'the CLI output': outputs.join('\n') })).toEqual([]);
});
