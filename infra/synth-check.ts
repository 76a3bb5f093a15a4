/**
 * `npm run synth:check`: `cdk synth` as CI and a newcomer run it — offline (no AWS credentials
 * or region, EC2 metadata off, every HTTP(S) request sent to a proxy that refuses) — bundling
 * every catalog function with the local esbuild, into a temporary directory. Fails when the synth
 * fails, when a catalog function has no bundle, or when it takes the time limit or longer.
 * Kept out of `npm test`: on two cores next to the integration suites the timing would measure
 * the neighbours, not the synth. CI runs it to prove the offline synth works and prints the time
 * with a PASS/FAIL line against the limit; only `--enforce-time` (the `synth` benchmark) makes a
 * slow synth fail the command, since timings are judged by benchmarks, not by checks.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATALOG } from '#functions/catalog.ts';
import { PROJECT_ROOT } from './paths.ts';
import { STACK_NAME } from './stack.ts';

/** The done-when of the CDK app: a synth, bundling included, under a minute. */
const LIMIT_SECONDS = 60;
/** Port 9 (discard) on the loopback: nothing listens, so any request fails at once. */
const REFUSING_PROXY = 'http://127.0.0.1:9';
const STACK_TEMPLATE = `${STACK_NAME}.template.json`;
/** Variables that would give the CLI credentials, a profile or a default region. */
const AWS_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION'];

function offlineEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of AWS_VARIABLES) delete env[name];
  delete env['NO_PROXY'];
  delete env['no_proxy'];
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    HTTPS_PROXY: REFUSING_PROXY,
    HTTP_PROXY: REFUSING_PROXY,
    https_proxy: REFUSING_PROXY,
    http_proxy: REFUSING_PROXY,
  };
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: offlineEnvironment(), stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** Asset directories holding a function bundle. */
function bundles(outdir: string): string[] {
  return readdirSync(outdir).filter((name) => name.startsWith('asset.') && existsSync(join(outdir, name, 'index.mjs')));
}

async function main(): Promise<number> {
  const outdir = mkdtempSync(join(tmpdir(), 'conveyor-synth-'));
  try {
    const started = performance.now();
    const code = await run('npx', ['cdk', 'synth', '--quiet', '--output', outdir]);
    const seconds = (performance.now() - started) / 1000;
    const problems: string[] = [];
    if (code !== 0) problems.push(`cdk synth exited with ${code}`);
    if (code === 0 && !existsSync(join(outdir, STACK_TEMPLATE))) problems.push(`no ${STACK_TEMPLATE} in the cloud assembly`);
    const bundled = code === 0 ? bundles(outdir).length : 0;
    if (code === 0 && bundled !== CATALOG.functions.length) problems.push(`${bundled} function bundles for ${CATALOG.functions.length} catalog functions`);
    const fast = seconds < LIMIT_SECONDS;
    if (!fast && process.argv.includes('--enforce-time')) problems.push(`took ${seconds.toFixed(1)} s, the limit is ${LIMIT_SECONDS} s`);
    // The load says whether the time measured the synth or its neighbours too.
    const [load] = loadavg();
    console.log(`synth:check: ${bundled} functions bundled, offline, in ${seconds.toFixed(1)} s (limit ${LIMIT_SECONDS} s; load ${load!.toFixed(1)} on ${availableParallelism()} cores)`);
    console.log(`${fast ? 'PASS' : 'FAIL'} cdk synth offline: ${seconds.toFixed(1)} s (target < ${LIMIT_SECONDS} s)`);
    for (const problem of problems) console.error(`synth:check: FAIL: ${problem}`);
    return problems.length ? 1 : 0;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
