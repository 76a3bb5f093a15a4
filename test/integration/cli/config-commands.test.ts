/**
 * The configuration commands as a user runs them — `conveyor env|lifecycle|project|account|
 * target|roles ...` as processes — against the real handlers behind the local API Gateway,
 * signing as profiles of a shared-credentials file. What they print (tables, `--output json`),
 * their exit codes (2 for bad input and unknown names, 3 for a refused role or an unreachable
 * cluster), what they tell the user to do, and that an account's secret is read from a file or
 * stdin, stored, and printed nowhere.
 */
import '../../support/quiet-powertools.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineAccount } from '#functions/app/account-material.ts';
import { testCertificates } from '../../support/certificates.ts';
import { type CliWorld, createCliWorld, secretsOf, shown } from './api-world.ts';

let world: CliWorld;

beforeAll(async () => {
  world = await createCliWorld('cli-config');
});

afterAll(async () => {
  await world?.close();
});

/** The stored account's secret material, as the deploy engine would get it. */
async function storedAccount(id: string) {
  return engineAccount(await world.deps.stores.accounts.get(id), world.secrets);
}

describe('conveyor env', () => {
  it('creates, lists (text and json), shows, updates and deletes environments', async () => {
    // Act
    const dev = await world.conveyor(['env', 'create', 'dev', '--name', 'Development', '--order', '1']);
    const prod = await world.conveyor(['env', 'create', 'prod', '--name', 'Production', '--order', '2']);
    const text = await world.conveyor(['env', 'list']);
    const json = await world.conveyor(['env', 'list', '--output', 'json'], { as: 'auditor' });
    const updated = await world.conveyor(['env', 'update', 'dev', '--description', 'where it starts']);
    const shownDev = await world.conveyor(['env', 'show', 'dev', '-o', 'json']);
    const deleted = await world.conveyor(['env', 'delete', 'prod']);
    const gone = await world.conveyor(['env', 'show', 'prod']);

    // Assess
    for (const run of [dev, prod, text, json, updated, shownDev, deleted]) expect(run.code, shown(run)).toBe(0);
    expect(dev.stdout).toBe('environment dev created (order 1)\n');
    expect(text.stdout.split('\n')).toEqual([
      expect.stringMatching(/^ID +NAME +ORDER +DESCRIPTION$/),
      expect.stringMatching(/^dev +Development +1$/),
      expect.stringMatching(/^prod +Production +2$/),
      '',
    ]);
    expect(JSON.parse(json.stdout)).toEqual({ items: [expect.objectContaining({ id: 'dev', name: 'Development', order: 1, version: 1 }), expect.objectContaining({ id: 'prod', order: 2 })] });
    expect(updated.stdout).toBe('environment dev updated (version 2)\n');
    expect(JSON.parse(shownDev.stdout)).toMatchObject({ id: 'dev', description: 'where it starts', version: 2 });
    expect(deleted.stdout).toBe('environment prod deleted\n');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe('conveyor env show: environment prod does not exist\n  (`conveyor env list` shows what exists)\n');
  });

  it('exits 3 when the role does not allow it, and 2 on what the API finds wrong, each saying what to do', async () => {
    // Act
    const refused = await world.conveyor(['env', 'create', 'qa'], { as: 'auditor' });
    const invalid = await world.conveyor(['env', 'create', 'Bad_Id', '--order', '-1']);
    const badFlag = await world.conveyor(['env', 'create', 'qa', '--order', 'first']);
    const json = await world.conveyor(['env', 'create', 'Bad_Id', '-o', 'json']);

    // Assess
    expect(refused.code, shown(refused)).toBe(3);
    expect(refused.stderr).toContain('conveyor env create: ');
    expect(refused.stderr).toContain('(your role does not allow this: an Admin can grant one (conveyor roles grant ARN --role ROLE)');
    expect(invalid.code, shown(invalid)).toBe(2);
    expect(invalid.stderr).toContain('conveyor env create: --order must be a whole number of at least 0, got "-1"');
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--order must be a whole number');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        status: 400,
        code: 'ValidationError',
        message: expect.stringContaining('body.id: must be a slug'),
        details: expect.objectContaining({ problems: [expect.stringContaining('body.id')] }),
      },
    });
  });
});

describe('conveyor lifecycle and project', () => {
  it('creates a lifecycle from --phase flags and replaces it from a file', async () => {
    // Prepare
    await world.conveyor(['env', 'create', 'test', '--order', '2']);
    await world.conveyor(['env', 'create', 'prod', '--order', '3']);
    const file = join(world.dir, 'lifecycle.yaml');
    writeFileSync(
      file,
      'id: default\nname: Default\nphases:\n  - {name: Dev, environments: [dev], entry: automatic}\n  - {name: Prod, environments: [test, prod], entry: manual, minimumEnvironmentsBeforePromotion: 1}\n',
    );

    // Act
    const created = await world.conveyor(['lifecycle', 'create', 'default', '--phase', 'Dev=dev:automatic', '--phase', 'Test=test', '--phase', 'Prod=prod']);
    const applied = await world.conveyor(['lifecycle', 'apply', '-f', file]);
    const shownLifecycle = await world.conveyor(['lifecycle', 'show', 'default']);
    const badPhase = await world.conveyor(['lifecycle', 'create', 'other', '--phase', 'Dev']);

    // Assess
    expect(created.stdout, shown(created)).toBe('lifecycle default created: Dev (dev, automatic) → Test (test) → Prod (prod)\n');
    expect(applied.stdout, shown(applied)).toBe('lifecycle default updated (version 2)\n');
    expect(shownLifecycle.stdout).toContain('  2. Prod (test, prod); 1 must succeed before the next\n');
    expect(badPhase.code).toBe(2);
    expect(badPhase.stderr).toContain('--phase expects NAME=ENV[,ENV...][:automatic|:manual][:min=N], got "Dev"');
  });

  it('applies a project file (a manifest read from a file next to it): created, then updated', async () => {
    // Prepare
    writeFileSync(join(world.dir, 'web.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {greeting: "#{Greeting}"}\n');
    const project = join(world.dir, 'project.yaml');
    const definition = (greeting: string) =>
      `id: web\nname: Web shop\nlifecycleId: default\nprocess:\n  - kind: apply-manifests\n    name: deploy web\n    targetTags: [web]\n    timeoutSeconds: 300\n    manifests: [{file: web.yaml}]\nvariables:\n  - {name: Greeting, values: [{value: ${greeting}}]}\n  - {name: DbPassword, values: [{value: project-secret-Qw9, sensitive: true}]}\n`;
    writeFileSync(project, definition('hello'));

    // Act
    const created = await world.conveyor(['project', 'apply', '-f', project]);
    writeFileSync(project, definition('bonjour'));
    const updated = await world.conveyor(['project', 'apply', '-f', project]);
    const listed = await world.conveyor(['project', 'list']);
    const shownProject = await world.conveyor(['project', 'show', 'web']);

    // Assess
    expect(created.stdout, shown(created)).toBe('project web created: 1 step, 2 variables, channels default\n');
    expect(updated.stdout, shown(updated)).toBe('project web updated (version 2): 1 step, 2 variables, channels default\n');
    expect(listed.stdout).toMatch(/^web +Web shop +default +default +0$/m);
    expect(shownProject.stdout).toContain('  0. deploy web (apply-manifests on web)\n');
    expect(shownProject.stdout).toContain('  Greeting: "bonjour"\n  DbPassword: (sensitive)\n');
    const stored = await world.deps.stores.projects.get('web');
    expect(stored.process[0]).toMatchObject({ manifests: [{ name: 'web.yaml', content: expect.stringContaining('greeting: "#{Greeting}"') }] });
    for (const run of [created, updated, listed, shownProject]) expect(run.stdout + run.stderr).not.toContain('project-secret-Qw9');
  });
});

describe('conveyor account', () => {
  const TOKEN = 'sa-token-4e1f-never-printed';
  const PASSWORD = 'basic-password-9c2d-never-printed';

  it('reads a token from stdin and a password from a file, stores them, and prints neither', async () => {
    // Prepare
    const passwordFile = join(world.dir, 'password.txt');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });

    // Act
    const token = await world.conveyor(['account', 'create', 'deployer', '--kind', 'token', '--secret-stdin'], { stdin: `${TOKEN}\n` });
    const basic = await world.conveyor(['account', 'create', 'viewer', '--kind', 'basic', '--username', 'viewer', '--secret-file', passwordFile, '-o', 'json']);
    const listed = await world.conveyor(['account', 'list']);

    // Assess
    expect(token.code, shown(token)).toBe(0);
    expect(token.stdout).toBe('account deployer (bearer token) created; its token is kept in the secret store\n');
    expect(basic.code, shown(basic)).toBe(0);
    expect(JSON.parse(basic.stdout)).toEqual({ id: 'viewer', name: 'viewer', kind: 'basic', username: 'viewer', version: 1 });
    expect(await storedAccount('deployer')).toEqual({ kind: 'token', token: TOKEN });
    expect(await storedAccount('viewer')).toEqual({ kind: 'basic', username: 'viewer', password: PASSWORD });
    expect(listed.stdout).toMatch(/^viewer +viewer +basic +user viewer$/m);
    for (const run of [token, basic, listed]) expect(run.stdout + run.stderr).not.toMatch(/never-printed/);
  });

  it('takes a client certificate and its key from files, an EKS cluster from flags, and rotates a token from stdin', async () => {
    // Prepare
    const { client } = testCertificates();
    writeFileSync(join(world.dir, 'client.crt'), client.certPem);
    writeFileSync(join(world.dir, 'client.key'), client.keyPem, { mode: 0o600 });

    // Act
    const certificate = await world.conveyor([
      'account',
      'create',
      'developer',
      '--kind',
      'certificate',
      '--certificate',
      join(world.dir, 'client.crt'),
      '--secret-file',
      join(world.dir, 'client.key'),
    ]);
    const eks = await world.conveyor(['account', 'create', 'prod-eks', '--kind', 'eks', '--cluster', 'prod', '--cluster-region', 'eu-west-1']);
    const rotated = await world.conveyor(['account', 'update', 'deployer', '--secret-stdin'], { stdin: 'rotated-token-7b1a' });

    // Assess
    expect(certificate.code, shown(certificate)).toBe(0);
    expect(await storedAccount('developer')).toEqual({ kind: 'certificate', certPem: client.certPem, keyPem: client.keyPem });
    expect(eks.stdout, shown(eks)).toBe('account prod-eks (EKS prod in eu-west-1) created\n');
    expect(rotated.stdout, shown(rotated)).toBe('account deployer updated (version 2)\n');
    expect(await storedAccount('deployer')).toEqual({ kind: 'token', token: 'rotated-token-7b1a' });
    expect(certificate.stdout + certificate.stderr).not.toContain('PRIVATE KEY');
  });

  it('never takes a secret from the command line, and says where it must come from', async () => {
    // Act
    const asFlag = await world.conveyor(['account', 'create', 'leak', '--kind', 'token', '--token', 'argv-token-0d9e']);
    const missing = await world.conveyor(['account', 'create', 'leak', '--kind', 'token']);
    const both = await world.conveyor(['account', 'create', 'leak', '--kind', 'token', '--secret-stdin', '--secret-file', '/dev/null'], { stdin: 'x' });
    const empty = await world.conveyor(['account', 'create', 'leak', '--kind', 'token', '--secret-stdin'], { stdin: '\n' });

    // Assess
    expect(asFlag.code).toBe(2);
    expect(asFlag.stderr).toContain("conveyor account create: Unknown option '--token'");
    expect(asFlag.stderr).not.toContain('argv-token-0d9e');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('a token account needs its token: --secret-file PATH or --secret-stdin (never on the command line)');
    expect(both.stderr).toContain('give the secret one way');
    expect(empty.stderr).toContain('<stdin>: the token is empty');
    await expect(world.deps.stores.accounts.get('leak')).rejects.toThrow('does not exist');
  });
});

describe('conveyor target and roles', () => {
  it('creates a target, checks it (exit 0 connected, 3 not), lists and deletes it', async () => {
    // Act
    const created = await world.conveyor(['target', 'create', 'web-1', '--url', 'https://cluster.example:6443', '--account', 'deployer', '-n', 'shop', '--environment', 'dev', '--tag', 'web']);
    const healthy = await world.conveyor(['target', 'check', 'web-1'], { as: 'release-manager' });
    world.probe.failure = { reachable: false, authenticated: false, reason: 'connect ECONNREFUSED 10.0.0.1:6443' };
    const unreachable = await world.conveyor(['target', 'check', 'web-1']);
    world.probe.failure = undefined;
    const listed = await world.conveyor(['target', 'list', '-o', 'json']);
    const unknownAccount = await world.conveyor(['target', 'create', 'web-2', '--url', 'https://cluster.example', '--account', 'nobody', '-n', 'shop', '--environment', 'dev', '--tag', 'web']);

    // Assess
    expect(created.stdout, shown(created)).toBe('target web-1 created: https://cluster.example:6443 shop, account deployer\n');
    expect(healthy.code, shown(healthy)).toBe(0);
    expect(healthy.stdout).toContain('target web-1: reachable, authenticated as system:serviceaccount:test:deployer; Kubernetes v1.33.0\n  may in namespace shop: ');
    expect(unreachable.code, shown(unreachable)).toBe(3);
    expect(unreachable.stdout).toBe('target web-1: not reachable\n  connect ECONNREFUSED 10.0.0.1:6443\n');
    expect(JSON.parse(listed.stdout).items).toEqual([expect.objectContaining({ id: 'web-1', namespace: 'shop', environments: ['dev'], tags: ['web'] })]);
    expect(unknownAccount.code).toBe(2);
    expect(unknownAccount.stderr).toContain('accountId names unknown account "nobody" (known: ');
  });

  it('grants, lists and revokes roles by principal ARN', async () => {
    // Prepare
    const arn = 'arn:aws:iam::000000000000:role/teams/Deployers';

    // Act
    const granted = await world.conveyor(['roles', 'grant', arn, '--role', 'Deployer', '--environment', 'dev']);
    const widened = await world.conveyor(['roles', 'grant', arn, '--role', 'Deployer', '--environment', 'test']);
    const listed = await world.conveyor(['roles', 'list']);
    const revoked = await world.conveyor(['roles', 'revoke', arn, '--role', 'Deployer']);
    const badRole = await world.conveyor(['roles', 'grant', arn, '--role', 'Owner']);

    // Assess
    expect(granted.stdout, shown(granted)).toBe(`${arn} now has Deployer (dev)\n`);
    expect(widened.stdout, shown(widened)).toBe(`${arn} now has Deployer (dev, test)\n`);
    expect(listed.stdout).toContain(`${arn}  Deployer (dev, test)`);
    expect(revoked.stdout, shown(revoked)).toBe(`${arn} has no role any more: binding deleted\n`);
    expect(await world.deps.stores.roles.find(arn)).toBeUndefined();
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain("argument 'Owner' is invalid. Allowed choices are Admin, ReleaseManager, Deployer, Approver, Auditor");
  });

  it('shows, changes and deletes what it made, in the order references allow', async () => {
    // Act
    const lifecycles = await world.conveyor(['lifecycle', 'list']);
    const account = await world.conveyor(['account', 'show', 'deployer']);
    const retagged = await world.conveyor(['target', 'update', 'web-1', '--tag', 'shop', '--skip-tls-verify']);
    const target = await world.conveyor(['target', 'show', 'web-1']);
    await world.conveyor(['roles', 'grant', 'arn:aws:iam::000000000000:user/carol', '--role', 'Auditor']);
    const role = await world.conveyor(['roles', 'show', 'arn:aws:iam::000000000000:user/carol']);
    const deletes = [];
    for (const args of [
      ['roles', 'delete', 'arn:aws:iam::000000000000:user/carol'],
      ['target', 'delete', 'web-1'],
      ['account', 'delete', 'deployer'],
      ['project', 'delete', 'web'],
      ['lifecycle', 'delete', 'default'],
    ])
      deletes.push(await world.conveyor(args));

    // Assess
    expect(lifecycles.stdout, shown(lifecycles)).toMatch(/^default +Default +Dev → Prod$/m);
    expect(account.stdout, shown(account)).toMatch(/^kind: +token$/m);
    expect(retagged.stdout, shown(retagged)).toBe('target web-1 updated (version 2)\n');
    expect(target.stdout).toMatch(/^tls: +not verified \(skipTlsVerify\)$/m);
    expect(target.stdout).toMatch(/^tags: +shop$/m);
    expect(target.stdout).toMatch(/^namespace: +shop$/m);
    expect(role.stdout, shown(role)).toBe('arn:aws:iam::000000000000:user/carol: Auditor (version 1)\n');
    expect(deletes.map((run) => [run.code, run.stdout])).toEqual([
      [0, 'role binding of arn:aws:iam::000000000000:user/carol deleted\n'],
      [0, 'target web-1 deleted\n'],
      [0, 'account deployer deleted\n'],
      [0, 'project web deleted\n'],
      [0, 'lifecycle default deleted\n'],
    ]);
  });

  it('prints no secret of the credentials file in any output', async () => {
    // Act
    const runs = await Promise.all([world.conveyor(['roles', 'list', '-o', 'json']), world.conveyor(['env', 'show', 'nowhere'])]);

    // Assess
    for (const run of runs) for (const secret of secretsOf(world)) expect(run.stdout + run.stderr).not.toContain(secret);
  });
});
