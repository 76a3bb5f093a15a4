/**
 * The deploy engine's hardening, measured on whole `conveyor apply` processes against a sandbox
 * in its own process:
 * - faults: successes out of 10 runs of `apply --wait` of a 35-object multi-service app with
 *   5%, 20% and 50% of every request failing (500, 503, 429, dropped connections);
 * - deadline: the wall time of `--timeout 20` against a server that never answers;
 * - input bounds: peak RSS and wall time of `-f /dev/zero` and of a 50 MB manifest file;
 * - render bounds: the time rendering takes to refuse what it must not build (a 100 KiB value
 *   used 10,000 times, too many "#{...}" expressions) and to find an aliased object too large,
 *   in this process (the unit tests in test/unit/domain/render/size.test.ts prove that the work
 *   is not done; this holds how fast the refusal comes).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidManifestError } from '#domain/errors.ts';
import { MAX_OBJECT_BYTES, MAX_REFERENCES_PER_DOCUMENT } from '#domain/render/limits.ts';
import { type ManifestFile, renderManifests } from '#domain/render/render.ts';
import { jsonLargerThan } from '#domain/render/size.ts';
import { multiServiceAppYaml } from '../test/support/manifests.ts';
import { faultMix } from '../test/support/sandbox.ts';
import { httpClient, spawnSandbox, verdict } from './support.ts';

const RUNS = 10;
const FAULT_TIMEOUT_SECONDS = 60;
const SILENT_TIMEOUT_SECONDS = 20;
/** The bound: --timeout plus 2 s. */
const DEADLINE_SLACK_MS = 2_000;
const MAX_RSS_MIB = 1024;
const BIG_FILE_BYTES = 50 * 1000 * 1000;
/** A refusal that does not build what it refuses answers at once; a second is the target. */
const RENDER_REFUSAL_TARGET_MS = 1_000;
const KiB = 1024;

type Run = { code: number | null; ms: number; stdout: string; stderr: string; peakRssMiB: number };

/** One CLI process through bench/peak-rss.mjs, so its peak memory is known. */
function conveyor(args: string[], dir: string): Promise<Run> {
  const rssFile = join(dir, `rss-${process.hrtime.bigint()}`);
  const started = performance.now();
  const child = spawn(process.execPath, ['bench/peak-rss.mjs', ...args], { env: { ...process.env, PEAK_RSS_FILE: rssFile, KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolve) => {
    child.once('close', (code) => {
      let kib = 0;
      try {
        kib = Number(readFileSync(rssFile, 'utf8'));
      } catch {
        kib = 0;
      }
      resolve({ code, ms: performance.now() - started, stdout, stderr, peakRssMiB: kib / 1024 });
    });
  });
}

async function faults(dir: string): Promise<boolean> {
  const sandbox = await spawnSandbox();
  const http = httpClient(sandbox);
  const app = join(dir, 'shop.yaml');
  writeFileSync(app, multiServiceAppYaml());
  let ok = true;
  try {
    for (const rate of [0.05, 0.2, 0.5]) {
      const outcomes: string[] = [];
      let successes = 0;
      let clean = 0;
      let slowest = 0;
      for (let i = 0; i < RUNS; i++) {
        const namespace = `shop-${Math.round(rate * 100)}-${i}`;
        await http.call('PUT', '/sandbox/faults', { rules: faultMix(rate) });
        const run = await conveyor(
          ['apply', '-f', app, '--kubeconfig', sandbox.kubeconfig, '--namespace', namespace, '--var', 'Greeting=bench', '--wait', '--timeout', String(FAULT_TIMEOUT_SECONDS), '--output', 'json'],
          dir,
        );
        await http.call('DELETE', '/sandbox/faults');
        slowest = Math.max(slowest, run.ms);
        if (run.code === 0) successes++;
        // Clean: a known exit code, JSON output, within the deadline, no unexpected error.
        const parsed = (() => {
          try {
            return JSON.parse(run.stdout) as { state: string };
          } catch {
            return undefined;
          }
        })();
        if ([0, 1, 3].includes(run.code ?? -1) && parsed && run.ms <= FAULT_TIMEOUT_SECONDS * 1000 + DEADLINE_SLACK_MS && !run.stderr.includes('unexpected error')) clean++;
        outcomes.push(`${run.code}`);
      }
      console.log(`faults ${rate * 100}%: ${successes}/${RUNS} succeeded, ${clean}/${RUNS} ended cleanly, slowest ${(slowest / 1000).toFixed(1)} s (exit codes ${outcomes.join(' ')})`);
      if (rate < 0.5) ok = verdict(`apply --wait with ${rate * 100}% of requests failing`, successes === RUNS, `${successes}/${RUNS}`, `${RUNS}/${RUNS}`) && ok;
      else ok = verdict(`apply --wait with ${rate * 100}% of requests failing ends cleanly`, clean === RUNS, `${clean}/${RUNS}`, `${RUNS}/${RUNS}`) && ok;
    }
  } finally {
    http.close();
    await sandbox.stop();
  }
  return ok;
}

async function silentServer(dir: string): Promise<boolean> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const kubeconfig = join(dir, 'kubeconfig-silent');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'silent',
      clusters: [{ name: 'silent', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'silent', user: { token: 'bench-token' } }],
      contexts: [{ name: 'silent', context: { cluster: 'silent', user: 'silent', namespace: 'default' } }],
    }),
  );
  const manifest = join(dir, 'one.yaml');
  writeFileSync(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  a: b\n');
  try {
    const run = await conveyor(['apply', '-f', manifest, '--kubeconfig', kubeconfig, '--wait', '--timeout', String(SILENT_TIMEOUT_SECONDS)], dir);
    console.log(`silent server, --timeout ${SILENT_TIMEOUT_SECONDS}: exit ${run.code} after ${(run.ms / 1000).toFixed(2)} s: ${run.stderr.trim().split('\n').at(-1)}`);
    return verdict(
      `--timeout ${SILENT_TIMEOUT_SECONDS} against a silent server`,
      run.code === 3 && run.ms <= SILENT_TIMEOUT_SECONDS * 1000 + DEADLINE_SLACK_MS,
      `exit ${run.code} in ${(run.ms / 1000).toFixed(2)} s`,
      `exit 3 within ${SILENT_TIMEOUT_SECONDS + DEADLINE_SLACK_MS / 1000} s`,
    );
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
}

async function inputBounds(dir: string): Promise<boolean> {
  const big = join(dir, 'big.yaml');
  const line = `# ${'x'.repeat(98)}\n`;
  writeFileSync(big, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n${line.repeat(Math.ceil(BIG_FILE_BYTES / line.length))}`);
  let ok = true;
  for (const [name, file] of [
    ['-f /dev/zero', '/dev/zero'],
    ['a 50 MB file', big],
  ] as const) {
    const run = await conveyor(['apply', '-f', file, '--namespace', 'default', '--kubeconfig', join(dir, 'unused')], dir);
    console.log(`${name}: exit ${run.code} after ${(run.ms / 1000).toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB: ${run.stderr.trim().split('\n')[0]}`);
    ok = verdict(`${name} refused with bounded memory`, run.code === 2 && run.peakRssMiB < MAX_RSS_MIB, `exit ${run.code}, ${run.peakRssMiB.toFixed(0)} MiB`, `exit 2, < ${MAX_RSS_MIB} MiB`) && ok;
  }
  return ok;
}

/** One ConfigMap manifest with `data` lines. */
const configMap = (name: string, data: string[]) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${data.join('\n')}\n`;

/** Renders `files` with `values` and says whether it was refused as invalid input. */
function refused(files: ManifestFile[], values: Record<string, string>): boolean {
  const context = { environment: 'Production', project: 'shop', releaseNumber: '1.0.0', deploymentId: 'deployments-1', step: 'deploy', target: { name: 'bench', namespace: 'bench', tags: [] } };
  const variables = Object.entries(values).map(([name, value]) => ({ name, values: [{ value, sensitive: false }] }));
  try {
    renderManifests({ files, variables, context });
    return false;
  } catch (error) {
    return error instanceof InvalidManifestError;
  }
}

export function renderBounds(): boolean {
  const perLine = 100;
  const references = Array.from({ length: MAX_REFERENCES_PER_DOCUMENT / perLine + 1 }, (_, index) => `  k${index}: "${'#{A}'.repeat(perLine)}"`);
  const shared = Array.from({ length: 1000 }, () => 'x');
  const aliased = Array.from({ length: 1_000_000 }, () => shared);
  const cases: [string, () => boolean][] = [
    [
      '100 KiB value used 10,000 times refused',
      () =>
        refused(
          [
            {
              name: 'big.yaml',
              content: configMap(
                'big',
                Array.from({ length: 10_000 }, (_, i) => `  k${i}: "#{Big}"`),
              ),
            },
          ],
          { Big: 'x'.repeat(100 * KiB) },
        ),
    ],
    [`more than ${MAX_REFERENCES_PER_DOCUMENT} expressions refused`, () => refused([{ name: 'refs.yaml', content: configMap('refs', references) }], { A: '' })],
    ['an array aliased a million times found too large', () => jsonLargerThan(aliased, MAX_OBJECT_BYTES)],
  ];
  let ok = true;
  for (const [name, work] of cases) {
    const started = performance.now();
    const outcome = work();
    const ms = performance.now() - started;
    console.log(`render bounds: ${name}: ${outcome} after ${ms.toFixed(0)} ms`);
    ok = verdict(`render bounds: ${name}`, outcome && ms <= RENDER_REFUSAL_TARGET_MS, `${ms.toFixed(0)} ms`, `<= ${RENDER_REFUSAL_TARGET_MS} ms`) && ok;
  }
  return ok;
}

export async function runHardeningBench(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-hardening-'));
  try {
    const rendering = renderBounds();
    const bounds = await inputBounds(dir);
    const silent = await silentServer(dir);
    const survived = await faults(dir);
    return rendering && bounds && silent && survived;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
