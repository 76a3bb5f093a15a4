/**
 * How the CLI finds the API and signs for it, as a process: the endpoint from `--endpoint`,
 * CONVEYOR_API_URL or `.conveyor/local.env` (found from a subdirectory; its credentials file
 * and profile apply), a clear exit 2 when none is set; credentials from the standard AWS chain
 * (a profile of the shared-credentials file, or the environment's keys); exit 3 when the
 * gateway refuses the signature, the profile does not exist or nothing listens — never printing
 * a secret. And `conveyor completion bash|zsh`, generated from the command tree.
 */
import '../../support/quiet-powertools.ts';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFileText } from '#local/aws/api-gateway/credentials.ts';
import { type CliWorld, cleanEnvironment, createCliWorld, REGION, secretsOf, shown } from './api-world.ts';

let world: CliWorld;

beforeAll(async () => {
  world = await createCliWorld('cli-connection');
  await world.deps.stores.environments.create({ id: 'dev', name: 'Development', order: 1 });
});

afterAll(async () => {
  await world?.close();
});

/** A port nothing listens on (taken, then let go). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('where the API is', () => {
  it('exits 2 naming every way to give an endpoint when there is none', async () => {
    // Act
    const run = await world.conveyor(['env', 'list'], { env: { ...cleanEnvironment(), AWS_EC2_METADATA_DISABLED: 'true' } });

    // Assess
    expect(run.code, shown(run)).toBe(2);
    expect(run.stderr).toBe(
      'conveyor env list: no Conveyor API endpoint: pass --endpoint URL, set CONVEYOR_API_URL, or start the local stack with `conveyor up` (it writes .conveyor/local.env, read from this directory or a parent)\n',
    );
  });

  it('reads .conveyor/local.env from a parent directory: its endpoint, region, credentials file and profile', async () => {
    // Prepare: the project's file names the credentials file relative to the project.
    const project = join(world.dir, 'project');
    mkdirSync(join(project, '.conveyor'), { recursive: true });
    mkdirSync(join(project, 'src', 'deep'), { recursive: true });
    writeFileSync(join(project, '.conveyor', 'credentials'), credentialsFileText(Object.values(world.users)), { mode: 0o600 });
    writeFileSync(
      join(project, '.conveyor', 'local.env'),
      `# written by conveyor up\nexport CONVEYOR_API_URL=${world.gateway.url}\nexport AWS_REGION='${REGION}'\nexport AWS_SHARED_CREDENTIALS_FILE=.conveyor/credentials\nexport AWS_PROFILE="auditor"\n`,
    );
    const env = { ...cleanEnvironment(), AWS_CONFIG_FILE: join(world.dir, 'aws', 'config'), AWS_EC2_METADATA_DISABLED: 'true' };

    // Act
    const read = await world.conveyor(['env', 'list'], { env, cwd: join(project, 'src', 'deep') });
    const write = await world.conveyor(['env', 'create', 'qa'], { env, cwd: join(project, 'src', 'deep') });
    const asAdmin = await world.conveyor(['env', 'create', 'qa', '--profile', 'admin'], { env, cwd: project });

    // Assess
    expect(read.code, shown(read)).toBe(0);
    expect(read.stdout).toMatch(/^dev +Development +1$/m);
    expect(write.code, shown(write)).toBe(3);
    expect(write.stderr).toContain('arn:aws:iam::000000000000:user/auditor');
    expect(asAdmin.code, shown(asAdmin)).toBe(0);
  });

  it('takes --endpoint over CONVEYOR_API_URL, and keys from the environment without a profile', async () => {
    // Prepare
    const admin = world.users.admin;
    const env = { ...world.environment(), CONVEYOR_API_URL: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: admin.accessKeyId, AWS_SECRET_ACCESS_KEY: admin.secretAccessKey };

    // Act
    const run = await world.conveyor(['env', 'show', 'dev', '--endpoint', world.gateway.url], { env });

    // Assess
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toMatch(/^name: +Development$/m);
  });
});

describe('when signing or connecting fails', () => {
  it('exits 3 when the gateway refuses the signature, saying what to check, without the secret', async () => {
    // Prepare: the admin's key id with another user's secret.
    const file = join(world.dir, 'wrong-credentials');
    writeFileSync(file, `[admin]\naws_access_key_id = ${world.users.admin.accessKeyId}\naws_secret_access_key = ${world.users.auditor.secretAccessKey}\n`, { mode: 0o600 });

    // Act
    const run = await world.conveyor(['env', 'list'], { env: { ...world.environment('admin'), AWS_SHARED_CREDENTIALS_FILE: file } });

    // Assess
    expect(run.code, shown(run)).toBe(3);
    expect(run.stderr).toContain('conveyor env list: The request signature we calculated does not match the signature you provided.');
    expect(run.stderr).toContain("(the API did not accept the request's signature: sign with credentials of this stack (--profile, AWS_PROFILE, AWS_SHARED_CREDENTIALS_FILE;");
    for (const secret of secretsOf(world)) expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('exits 3 for a profile the credentials file lacks, and for an endpoint where nothing listens', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const noProfile = await world.conveyor(['env', 'list', '--profile', 'nobody']);
    const nobodyHome = await world.conveyor(['env', 'list', '--endpoint', `http://127.0.0.1:${port}`]);

    // Assess
    expect(noProfile.code, shown(noProfile)).toBe(3);
    expect(noProfile.stderr).toContain('conveyor env list: no AWS credentials to sign with (profile "nobody"): ');
    expect(nobodyHome.code, shown(nobodyHome)).toBe(3);
    expect(nobodyHome.stderr).toBe(`conveyor env list: cannot reach the Conveyor API at http://127.0.0.1:${port}: connection refused (is the API running there?)\n`);
  });
});

describe('conveyor completion', () => {
  /** What bash completes after `line` (the word under the cursor is the last, maybe empty). */
  function complete(script: string, line: string): string[] {
    const words = line.split(' ');
    const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _conveyor_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync('bash', ['-c', program], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    return result.stdout.split('\n').filter(Boolean);
  }

  it('completes commands, aliases, subcommands and options in bash from the command tree', async () => {
    // Act
    const run = await world.conveyor(['completion', 'bash']);

    // Assess
    expect(run.code, shown(run)).toBe(0);
    expect(complete(run.stdout, 'conveyor de')).toEqual(['deploy', 'deployment']);
    expect(complete(run.stdout, 'conveyor env ')).toEqual(expect.arrayContaining(['list', 'show', 'create', 'update', 'delete', '--help']));
    expect(complete(run.stdout, 'conveyor environment cr')).toEqual(['create']);
    expect(complete(run.stdout, 'conveyor target import --kube')).toEqual(['--kubeconfig']);
    expect(complete(run.stdout, 'conveyor apply -f app.yaml --dry')).toEqual(['--dry-run']);
    expect(complete(run.stdout, 'conveyor deploy web@1.0.0 --to prod --w')).toEqual(['--wait']);
  });

  it('prints a zsh script for compdef, and refuses another shell', async () => {
    // Act
    const zsh = await world.conveyor(['completion', 'zsh']);
    const fish = await world.conveyor(['completion', 'fish']);

    // Assess
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef conveyor\n/);
    expect(zsh.stdout).toContain("'env list') subcommands=(); flags=(");
    expect(zsh.stdout).toContain("'--kubeconfig:the kubeconfig to read'");
    expect(fish.code).toBe(2);
    expect(fish.stderr).toContain("conveyor completion: Command-argument value 'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.");
  });
});
