/**
 * `conveyor up` refusing to start, as a user meets it: without Java 17 it says exactly what to
 * install and exits 2, leaving nothing running; on a data directory another live `conveyor up`
 * holds it exits 2 naming that process. And the local.env it writes is what a shell reads back,
 * paths with spaces and quotes included, and what the CLI reads without sourcing it.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { parseLocalEnv } from '#cli/api/local-env.ts';
import { JAVA_INSTALL_COMMAND } from '#local/up/java.ts';
import { writeLocalEnv } from '#local/up/local-env.ts';
import { runConveyor } from '../../support/conveyor.ts';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-up-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** This machine's environment, the sandbox on a free port, and PATH as given. */
const environment = (path: string): NodeJS.ProcessEnv => ({ ...process.env, PATH: path, CONVEYOR_SANDBOX_PORT: '0' });

it('without Java 17 says how to install it and exits 2, before anything starts or is written', async () => {
  // Prepare: a PATH without java.
  const empty = join(dir, 'empty-bin');
  mkdirSync(empty);
  const data = join(dir, 'no-java');

  // Act
  const run = await runConveyor(['up', '--data', data], { env: environment(empty), cwd: dir });

  // Assess
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toContain('DynamoDB Local needs Java 17 or later on the PATH');
  expect(run.stderr).toContain(JAVA_INSTALL_COMMAND);
  expect(run.stdout).not.toContain('✓');
  expect(existsSync(data)).toBe(false);
});

it('refuses a data directory another live conveyor up holds, naming its pid, and exits 2', async () => {
  // Prepare: a live process recorded as the holder, as a running stack records itself.
  const data = join(dir, 'busy');
  mkdirSync(data);
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    const commandLine = readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    writeFileSync(join(data, 'up.pid'), `${holder.pid}\n${commandLine}\n`);

    // Act
    const run = await runConveyor(['up', '--data', data], { env: environment(process.env.PATH ?? ''), cwd: dir });

    // Assess
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`another conveyor up (pid ${holder.pid}) runs on ${data}`);
  } finally {
    holder.kill('SIGKILL');
  }
});

it('writes a local.env that sh sources and the CLI reads to the same values', async () => {
  // Prepare: values with spaces, a quote and shell characters.
  const file = join(dir, 'local.env');
  const values = { CONVEYOR_API_URL: 'http://127.0.0.1:4567', KUBECONFIG: join(dir, 'a dir', 'kube config'), ODD: `it's $HOME "quoted"` };

  // Act
  writeLocalEnv(file, values);
  const { stdout } = await promisify(execFile)('sh', ['-c', '. "$1"; printf "%s\\n%s\\n%s" "$CONVEYOR_API_URL" "$KUBECONFIG" "$ODD"', 'sh', file]);
  const parsed = parseLocalEnv(readFileSync(file, 'utf8'));

  // Assess
  expect(stdout.split('\n')).toEqual([values.CONVEYOR_API_URL, values.KUBECONFIG, values.ODD]);
  expect(readFileSync(file, 'utf8')).toMatch(/^export CONVEYOR_API_URL=http:\/\/127\.0\.0\.1:4567$/m);
  expect({ CONVEYOR_API_URL: parsed.CONVEYOR_API_URL, KUBECONFIG: parsed.KUBECONFIG }).toEqual({ CONVEYOR_API_URL: values.CONVEYOR_API_URL, KUBECONFIG: values.KUBECONFIG });
});
