/**
 * The pipeline on the local stack of `conveyor up`, measured against the targets:
 * - image push → the first server-side apply request arriving at the sandbox: median ≤ 250 ms,
 *   p95 ≤ 500 ms over 50 pushes (each push's deployment finishes before the next push);
 * - one release deployed to 10, 50 and 100 targets (one namespace each): 100 within 15 s;
 * - rollout detection inside the pipeline: the Deployment's rollout complete in the sandbox (every
 *   replica updated and available, as `kubectl rollout status` has it) → the step × target result
 *   recorded done (its finishedAt): median ≤ 1 s;
 * - state transitions per target deployment, counted from the execution histories.
 *
 * The stack runs in a process of its own (bench/stack-process.ts), so its CPU is not shared with
 * the clients measuring it; that process reports the moments this one cannot see (a request
 * arriving at the sandbox, a condition turning True) over IPC, on the same clock (timeOrigin).
 * Everything else goes through the API, EventBridge and Step Functions as a user's clients would.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiClient, pathOf } from '#cli/api/client.ts';
import { importContext } from '#cli/commands/kubeconfig-import.ts';
import { demoUsers, readDemoCredentials } from '#local/aws/api-gateway/credentials.ts';
import { LOCAL_ACCOUNT } from '#local/aws/api-gateway/server.ts';
import { publishImagePush } from '#local/aws/events/ecr.ts';
import { ADMIN_CONTEXT } from '#sandbox/kubeconfig.ts';
import { connectToStack, type Deployment, enteredStates, executionHistory, followDeployment, newDigest, poll, type StackClients } from '../test/support/local-stack.ts';
import type { StackMessage } from './stack-process.ts';
import { verdict } from './support.ts';

const PUSHES = 50;
const FLEETS = [10, 50, 100] as const;
const ENVIRONMENT = 'bench';
const LIFECYCLE = 'bench';
const ACCOUNT = 'bench-admin';
const PUSH_PROJECT = 'pushed';
const TARGETS = { pushLatencyMedianMs: 250, pushLatencyP95Ms: 500, fleetSeconds: { 100: 15 } as Record<number, number>, detectionMedianMs: 1_000 };
const now = () => performance.timeOrigin + performance.now();

const fleetTag = (size: number) => `fleet-${size}`;
const fleetProject = (size: number) => `fleet-${size}`;
const targetId = (i: number) => `bench-${String(i).padStart(3, '0')}`;

/** A small app: one Deployment of one replica, its image the release's. */
function manifest(name: string, repository: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: ${name}}`,
    'spec:',
    '  replicas: 1',
    `  selector: {matchLabels: {app: ${name}}}`,
    '  template:',
    `    metadata: {labels: {app: ${name}}}`,
    `    spec: {containers: [{name: ${name}, image: "${repository}:1.0.0"}]}`,
  ].join('\n');
}

const repositoryUri = (c: StackClients, name: string) => `${c.accountId}.dkr.ecr.${c.region}.amazonaws.com/${name}`;

function project(c: StackClients, name: string, tag: string) {
  return {
    name,
    lifecycleId: LIFECYCLE,
    process: [{ kind: 'apply-manifests', name: `Deploy ${name}`, targetTags: [tag], timeoutSeconds: 120, manifests: [{ name: `${name}.yaml`, content: manifest(name, repositoryUri(c, name)) }] }],
  };
}

/** The stack in its own process; resolves once it is healthy. */
class StackProcess {
  readonly messages: StackMessage[] = [];
  private readonly listeners = new Set<() => void>();
  private constructor(readonly child: ChildProcess) {
    child.on('message', (message: StackMessage) => {
      this.messages.push(message);
      for (const listener of this.listeners) listener();
    });
  }

  static async start(dataDir: string): Promise<{ process: StackProcess; ready: Extract<StackMessage, { type: 'ready' }> }> {
    const child = fork(join(import.meta.dirname, 'stack-process.ts'), [dataDir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const stack = new StackProcess(child);
    const first = await stack.next('start', (m): m is Extract<StackMessage, { type: 'ready' | 'failed' }> => m.type === 'ready' || m.type === 'failed', 120_000);
    if (first.type === 'failed') throw new Error(`the stack did not start: ${first.message}`);
    return { process: stack, ready: first };
  }

  /** The first message from index `from` on that `match` accepts. */
  next<T extends StackMessage>(what: string, match: (m: StackMessage) => m is T, timeoutMs: number, from = 0): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.slice(from).find(match);
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the stack reported no ${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send('stop');
    });
  }
}

/** Environment, lifecycle (one automatic phase), the cluster admin's token as an account, 100 targets in namespaces of their own, the projects. */
async function seed(c: StackClients, admin: ApiClient): Promise<void> {
  const imported = importContext(c.env.KUBECONFIG!, ADMIN_CONTEXT);
  if (imported.account.kind !== 'token') throw new Error('the sandbox kubeconfig has no admin token');
  await admin.post('/environments', { id: ENVIRONMENT, name: 'Bench', order: 10 });
  await admin.post('/lifecycles', { id: LIFECYCLE, name: 'Bench', phases: [{ name: 'Bench', environments: [ENVIRONMENT], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 }] });
  await admin.post('/accounts', { id: ACCOUNT, name: 'Sandbox admin', kind: 'token', token: imported.account.token });
  const largest = Math.max(...FLEETS);
  for (let i = 1; i <= largest; i++) {
    const tags = FLEETS.filter((size) => i <= size).map(fleetTag);
    if (i === 1) tags.push(PUSH_PROJECT);
    await admin.post('/targets', { id: targetId(i), url: imported.url, caPem: imported.caPem, namespace: targetId(i), accountId: ACCOUNT, environments: [ENVIRONMENT], tags });
  }
  await admin.post('/projects', { id: PUSH_PROJECT, ...project(c, PUSH_PROJECT, PUSH_PROJECT) });
  for (const size of FLEETS) await admin.post('/projects', { id: fleetProject(size), ...project(c, fleetProject(size), fleetTag(size)) });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const ms = (n: number) => `${Math.round(n)} ms`;

type Measured = { latencies: number[]; detections: number[]; transitionsPerTarget: number[] };

/** The deployment a lifecycle started for the release of `digest`, followed to its end. */
async function deploymentOfPush(api: ApiClient, digest: string): Promise<Deployment> {
  const release = await poll(async () => {
    const page = await api.get<{ items: { version: string; sourceDigest?: string }[] }>(pathOf('/projects/{projectId}/releases', { projectId: PUSH_PROJECT }), { limit: 5 });
    return page.items.find((r) => r.sourceDigest === digest);
  }, `the release of ${digest}`);
  const started = await poll(async () => {
    const detail = await api.get<{ deployments: Deployment[] }>(pathOf('/projects/{projectId}/releases/{version}', { projectId: PUSH_PROJECT, version: release.version }));
    return detail.deployments[0];
  }, `the deployment of ${release.version}`);
  const view = await followDeployment(api, started.id);
  if (view.deployment.state !== 'Succeeded') throw new Error(`deployment ${started.id} ended ${view.deployment.state}: ${JSON.stringify(view.deployment.failure)}`);
  return view.deployment;
}

async function transitionsPerTarget(c: StackClients, deployment: Deployment, targets: number): Promise<number> {
  return enteredStates(await executionHistory(c.sfn, deployment.executionArn!)).length / targets;
}

/** Pushes one after another: the latency to the first apply request, the detection of each rollout. */
async function measurePushes(c: StackClients, stack: StackProcess, api: ApiClient): Promise<Measured> {
  const measured: Measured = { latencies: [], detections: [], transitionsPerTarget: [] };
  for (let i = 1; i <= PUSHES; i++) {
    const from = stack.messages.length;
    const digest = newDigest();
    const pushedAt = now();
    await publishImagePush(c.events, { repository: PUSH_PROJECT, tag: `1.0.${i}`, digest, account: LOCAL_ACCOUNT, region: c.region });
    const deployment = await deploymentOfPush(api, digest);
    const apply = await stack.next('apply request', (m): m is Extract<StackMessage, { type: 'apply' }> => m.type === 'apply', 30_000, from);
    const rolledOut = await stack.next(
      `rollout of ${PUSH_PROJECT}`,
      (m): m is Extract<StackMessage, { type: 'rolledOut' }> => m.type === 'rolledOut' && m.namespace === targetId(1) && m.name === PUSH_PROJECT,
      30_000,
      from,
    );
    const view = await followDeployment(api, deployment.id);
    const recorded = Date.parse(view.results.find((r) => r.targetId === targetId(1))!.finishedAt!);
    measured.latencies.push(apply.at - pushedAt);
    measured.detections.push(recorded - rolledOut.at);
    measured.transitionsPerTarget.push(await transitionsPerTarget(c, deployment, 1));
    if (i % 10 === 0) console.log(`  ${i}/${PUSHES} pushes: last push → first apply ${ms(apply.at - pushedAt)}, rollout complete → recorded done ${ms(recorded - rolledOut.at)}`);
  }
  return measured;
}

/** One release of the fleet's project: its automatic deployment to every target, timed from the request to the deployment's end. */
async function measureFleet(c: StackClients, api: ApiClient, size: number): Promise<{ seconds: number; transitionsPerTarget: number }> {
  const projectId = fleetProject(size);
  const startedAt = Date.now();
  await api.post(pathOf('/projects/{projectId}/releases', { projectId }), { version: '1.0.0', images: { [repositoryUri(c, projectId)]: '1.0.0' } });
  const started = await poll(async () => {
    const detail = await api.get<{ deployments: Deployment[] }>(pathOf('/projects/{projectId}/releases/{version}', { projectId, version: '1.0.0' }));
    return detail.deployments[0];
  }, `the deployment of ${projectId}`);
  const view = await followDeployment(api, started.id, undefined, 300_000);
  const seconds = (Date.parse(view.deployment.finishedAt!) - startedAt) / 1000;
  if (view.deployment.state !== 'Succeeded') throw new Error(`the deployment to ${size} targets ended ${view.deployment.state}: ${JSON.stringify(view.deployment.failure)}`);
  return { seconds, transitionsPerTarget: await transitionsPerTarget(c, view.deployment, size) };
}

export async function runPipelineStackBench(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
  console.log('the local stack (conveyor up) in a process of its own; the sandbox cluster; one Deployment of one replica per target');
  const started = now();
  const { process: stack, ready } = await StackProcess.start(join(dir, 'data'));
  console.log(`stack healthy after ${((now() - started) / 1000).toFixed(1)} s`);
  const users = readDemoCredentials(ready.credentialsFile, demoUsers(LOCAL_ACCOUNT));
  if (!users) throw new Error(`no demo credentials in ${ready.credentialsFile}`);
  const c = connectToStack({ env: ready.env, users });
  try {
    await seed(c, c.api.admin);
    const results: boolean[] = [];

    console.log(`${PUSHES} image pushes, one after another (each deployed to one target before the next):`);
    const pushes = await measurePushes(c, stack, c.api['release-manager']);
    const latencies = [...pushes.latencies].sort((a, b) => a - b);
    console.log(`push → first server-side apply at the sandbox: median ${ms(median(latencies))}, p95 ${ms(percentile(latencies, 95))}, min ${ms(latencies[0]!)}, max ${ms(latencies.at(-1)!)}`);
    results.push(verdict('push → first apply, median', median(latencies) <= TARGETS.pushLatencyMedianMs, ms(median(latencies)), `<= ${TARGETS.pushLatencyMedianMs} ms`));
    results.push(verdict('push → first apply, p95', percentile(latencies, 95) <= TARGETS.pushLatencyP95Ms, ms(percentile(latencies, 95)), `<= ${TARGETS.pushLatencyP95Ms} ms`));
    const detections = [...pushes.detections].sort((a, b) => a - b);
    console.log(`Deployment rollout complete in the sandbox → step recorded done: median ${ms(median(detections))}, p95 ${ms(percentile(detections, 95))}, max ${ms(detections.at(-1)!)}`);
    results.push(verdict('rollout detection in the pipeline, median', median(detections) <= TARGETS.detectionMedianMs, ms(median(detections)), `<= ${TARGETS.detectionMedianMs} ms`));
    console.log(`state transitions per one-target deployment (from the histories): median ${median(pushes.transitionsPerTarget)}, max ${Math.max(...pushes.transitionsPerTarget)}`);

    for (const size of FLEETS) {
      const fleet = await measureFleet(c, c.api['release-manager'], size);
      console.log(`one release to ${size} targets: ${fleet.seconds.toFixed(1)} s, ${fleet.transitionsPerTarget.toFixed(1)} state transitions per target`);
      const limit = TARGETS.fleetSeconds[size];
      if (limit !== undefined) results.push(verdict(`one release to ${size} targets`, fleet.seconds <= limit, `${fleet.seconds.toFixed(1)} s`, `<= ${limit} s`));
    }
    return results.every(Boolean);
  } finally {
    c.destroy();
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
