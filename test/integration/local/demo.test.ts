/**
 * `conveyor up --demo`, the process `npm start` runs, as a user runs it: every local service up,
 * the walkthrough through to "demo complete" — Development and Production Succeeded, Production
 * approved by the approver, the release whose readiness probe cannot pass Failed while the
 * Development Service keeps selecting the previous colour — checked through the API and kubectl,
 * not only read from the output. Then SIGINT: the process exits 0 and leaves nothing behind
 * (DynamoDB Local's java, kubectl, sh). No secret or token appears in the output. A second start
 * on the same data runs the demo again (new pushes, new releases) and stops on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient, pathOf } from '#cli/api/client.ts';
import { parseLocalEnv } from '#cli/api/local-env.ts';
import type { DeploymentView } from '#cli/deploy/progress.ts';
import { normalizeDeploymentId } from '#domain/containers/names.ts';
import { DEPLOYMENT_ID_LABEL } from '#domain/containers/spec.ts';
import { type DemoCredential, demoUsers, readDemoCredentials } from '#local/aws/api-gateway/credentials.ts';
import { PROJECT_ROOT } from '../../support/conveyor.ts';
import { kubectl } from '../../support/kubectl.ts';

const DEMO_TIMEOUT_MS = 110_000;
const EXIT_TIMEOUT_MS = 20_000;
const GONE_TIMEOUT_MS = 3_000;
const dir = mkdtempSync(join(tmpdir(), 'conveyor-up-'));
const data = join(dir, 'data');
const cacheDir = join(dir, 'kube-cache');

type Release = { version: string; sourceDigest?: string };
type ReleaseDetail = { deployments: DeploymentView['deployment'][] };

/** One `conveyor up --demo` process. */
type Run = {
  child: ChildProcess;
  output(): string;
  exitCode: Promise<number | null>;
  /** Every process of the run once the demo completed: the CLI's node, DynamoDB Local's java, and what they started. */
  processes: number[];
};

let first: Run;
const runs: Run[] = [];

/** This machine's environment without anything that would point the CLI or the SDK elsewhere; the sandbox on a free port. */
function environment(): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_') && !name.startsWith('POWERTOOLS_') && name !== 'CONVEYOR_API_URL' && name !== 'KUBECONFIG');
  return { ...Object.fromEntries(kept), CONVEYOR_SANDBOX_PORT: '0' };
}

/** The pids whose parent is `pid`, and theirs, from /proc. */
function descendants(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // Field 4 of stat is the parent pid; the command name (field 2) may hold spaces, so split after its ")".
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** Whether `pid` is a process that still runs: a zombie (exited, waiting to be reaped by init) does not. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

/** The processes of `pids` still running once those on their way out (esbuild's service ends when its parent does) have ended. */
async function stillRunning(pids: number[]): Promise<string[]> {
  const deadline = Date.now() + GONE_TIMEOUT_MS;
  while (pids.some(running) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.filter(running).map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
}

/** Starts `conveyor up --demo` on the test's data directory; resolves once the demo completed. */
async function startUp(): Promise<Run> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'conveyor.mjs'), 'up', '--demo', '--data', data], { cwd: dir, env: environment(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exitCode = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const run: Run = { child, output: () => output, exitCode, processes: [] };
  runs.push(run);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "demo complete" within ${DEMO_TIMEOUT_MS / 1000} s; output:\n${output}`)), DEMO_TIMEOUT_MS);
    const collect = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('demo complete')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    void exitCode.then((code) => reject(new Error(`exited with ${code} before "demo complete":\n${output}`)));
  });
  run.processes = [child.pid!, ...descendants(child.pid!)];
  return run;
}

/** Sends `signal`; the exit code, and the processes of the run still running after it (none, if it stopped cleanly). */
async function stop(run: Run, signal: NodeJS.Signals): Promise<{ code: unknown; left: string[] }> {
  run.child.kill(signal);
  const code = await Promise.race([run.exitCode, new Promise((resolve) => setTimeout(() => resolve('still running'), EXIT_TIMEOUT_MS))]);
  return { code, left: await stillRunning(run.processes) };
}

function api(users: DemoCredential[], profile: string): ApiClient {
  const { CONVEYOR_API_URL, AWS_REGION } = parseLocalEnv(readFileSync(join(data, 'local.env'), 'utf8'));
  const user = users.find((u) => u.profile === profile)!;
  return new ApiClient({ endpoint: new URL(CONVEYOR_API_URL!), region: AWS_REGION!, credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey } });
}

beforeAll(async () => {
  first = await startUp();
}, DEMO_TIMEOUT_MS + 10_000);

afterAll(async () => {
  for (const run of runs) {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    for (const pid of run.processes) if (running(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

it('runs the walkthrough: released by a push, Development, promoted and approved to Production, a failing release leaves the previous colour serving', async () => {
  // Prepare: the demo users' keys, as the stack wrote them.
  const users = readDemoCredentials(join(data, 'credentials'), demoUsers())!;
  const auditor = api(users, 'auditor');

  // Assess: what the demo printed.
  const output = first.output();
  expect(output).toMatch(/^ {2}development: Succeeded$/m);
  expect(output).toContain('production: Succeeded (approved by arn:aws:iam::000000000000:user/approver)');
  expect(output).toMatch(/^ {2}development: Failed/m);

  // Assess: what the API records — the pushed releases, their deployments, the approval.
  const releases = (await auditor.get<{ items: Release[] }>(pathOf('/projects/{projectId}/releases', { projectId: 'httpd' }))).items;
  expect(releases.map((r) => r.version).sort()).toEqual(['2.4.62', '2.4.63']);
  expect(releases.every((r) => r.sourceDigest?.startsWith('sha256:'))).toBe(true);
  const deploymentsOf = async (version: string) => (await auditor.get<ReleaseDetail>(pathOf('/projects/{projectId}/releases/{version}', { projectId: 'httpd', version }))).deployments;
  const good = await deploymentsOf('2.4.62');
  const development = good.find((d) => d.environmentId === 'development')!;
  const production = good.find((d) => d.environmentId === 'production')!;
  expect([development.state, production.state]).toEqual(['Succeeded', 'Succeeded']);
  expect(production.startedBy).toBe('arn:aws:iam::000000000000:user/release-manager');
  const view = await auditor.get<DeploymentView>(pathOf('/deployments/{deploymentId}', { deploymentId: production.id }));
  expect(view.approvals).toMatchObject([{ stepIndex: 0, decision: 'Approved', decidedBy: 'arn:aws:iam::000000000000:user/approver' }]);
  const broken = await deploymentsOf('2.4.63');
  expect(broken.map((d) => [d.environmentId, d.state])).toEqual([['development', 'Failed']]);

  // Assess: the cluster — the Development Service still selects the first release's colour, and its endpoints are that colour's pods.
  const kubeconfig = join(data, 'sandbox', 'kubeconfig');
  const get = async (args: string[]) => {
    const run = await kubectl(['-n', 'httpd-development', 'get', ...args], { kubeconfig, cacheDir });
    expect(run.code, run.stderr).toBe(0);
    return run.stdout;
  };
  const selector = JSON.parse(await get(['service', 'httpd', '-o', 'jsonpath={.spec.selector}'])) as Record<string, string>;
  const colour = normalizeDeploymentId(development.id);
  expect(selector[DEPLOYMENT_ID_LABEL]).toBe(colour);
  const endpoints = (await get(['endpoints', 'httpd', '-o', 'jsonpath={.subsets[*].addresses[*].targetRef.name}'])).split(' ').filter(Boolean).sort();
  const colourPods = (await get(['pods', '-l', `${DEPLOYMENT_ID_LABEL}=${colour}`, '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean).sort();
  expect(endpoints.length).toBeGreaterThan(0);
  expect(endpoints).toEqual(colourPods);

  // Assess: no secret in the output — the users' keys, the cluster admin's and the deployers' tokens.
  const tokens = await Promise.all(
    ['httpd-development', 'httpd-production'].map(async (namespace) => {
      const run = await kubectl(['-n', namespace, 'get', 'secret', 'httpd-deployer-token', '-o', 'jsonpath={.data.token}'], { kubeconfig, cacheDir });
      return Buffer.from(run.stdout, 'base64').toString('utf8');
    }),
  );
  const adminToken = /token: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))![1]!;
  for (const secret of [...users.map((u) => u.secretAccessKey), ...tokens, adminToken]) {
    expect(secret.length).toBeGreaterThan(10);
    expect(output).not.toContain(secret);
  }
});

it('stops every service on SIGINT and exits 0, leaving no process behind', async () => {
  // Prepare: the java child is among the processes of the run.
  const java = Number(readFileSync(join(data, 'dynamodb', 'java.pid'), 'utf8'));
  expect(first.processes).toContain(java);

  // Act
  const { code, left } = await stop(first, 'SIGINT');

  // Assess
  expect(code, first.output()).toBe(0);
  expect(first.output()).toContain('SIGINT: stopping the local stack');
  expect(left).toEqual([]);
});

it(
  'starts again on the same data, runs the demo again with new releases, and stops on SIGTERM',
  async () => {
    // Act
    const second = await startUp();
    const users = readDemoCredentials(join(data, 'credentials'), demoUsers())!;
    const releases = (await api(users, 'auditor').get<{ items: Release[] }>(pathOf('/projects/{projectId}/releases', { projectId: 'httpd' }))).items;
    const stopped = await stop(second, 'SIGTERM');

    // Assess: configuration found as the first run left it, the pushes made releases of their own.
    expect(second.output()).toContain('environment Development (development): unchanged');
    expect(second.output()).toContain('production: Succeeded (approved by arn:aws:iam::000000000000:user/approver)');
    expect(releases.map((r) => r.version).sort()).toEqual(['2.4.62', '2.4.62-2', '2.4.63', '2.4.63-2']);
    expect(stopped.code, second.output()).toBe(0);
    expect(stopped.left).toEqual([]);
  },
  DEMO_TIMEOUT_MS + EXIT_TIMEOUT_MS,
);
