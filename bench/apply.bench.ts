/**
 * Deploy-engine benchmarks (issue targets):
 *  1. applying a 1,000-object manifest set: `conveyor apply` against
 *     `kubectl apply --server-side -f` on the same files and server, both timed as whole
 *     processes (kubectl with its discovery cache warm): Conveyor at least 2x faster;
 *  2. rollout detection: from the moment the sandbox marks a Deployment available to the
 *     moment the engine reports it done: median <= 300 ms.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import { Deadline } from '#domain/deadline.ts';
import { waitForRollout } from '#domain/engine/wait.ts';
import { healthOf } from '#domain/rollout/rules.ts';
import { startSandbox } from '#sandbox/sandbox.ts';
import { KUBECTL } from '../test/support/kubectl.ts';
import { httpClient, spawnSandbox, verdict } from './support.ts';

const run = promisify(execFile);
const OBJECTS = 1_000;
const FILES = 10;
const SPEEDUP_TARGET = 2;
const ROLLOUTS = 15;
const DETECTION_TARGET_MS = 300;

export async function runApplyBench(): Promise<boolean> {
  return (await applySpeed()) && (await detection());
}

function manifests(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const perFile = OBJECTS / FILES;
  for (let f = 0; f < FILES; f++) {
    const docs: string[] = [];
    for (let i = 0; i < perFile; i++) {
      const n = f * perFile + i;
      docs.push(
        n % 10 === 9
          ? `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-${n}\n  labels: {app: bench}\n`
          : `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${n}\n  labels: {app: bench}\ndata:\n  index: "${n}"\n  payload: "${'x'.repeat(100)}"\n`,
      );
    }
    writeFileSync(join(dir, `objects-${String(f).padStart(2, '0')}.yaml`), docs.join('---\n'));
  }
}

async function timed(command: string, args: string[]): Promise<number> {
  const start = performance.now();
  await run(command, args, { maxBuffer: 64 * 1024 * 1024 });
  return performance.now() - start;
}

async function applySpeed(): Promise<boolean> {
  const sandbox = await spawnSandbox();
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-apply-bench-'));
  try {
    const client = httpClient(sandbox);
    for (const ns of ['bench-kubectl', 'bench-conveyor']) {
      await client.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    client.close();
    manifests(join(dir, 'manifests'));
    const cache = join(dir, 'kube-cache');
    const kubectlArgs = ['--kubeconfig', sandbox.kubeconfig, '--cache-dir', cache];
    // Warm kubectl's discovery and OpenAPI caches, and Conveyor's bundle, outside the timings.
    await run(KUBECTL, [...kubectlArgs, 'api-resources']);
    await run(process.execPath, ['scripts/conveyor.mjs', '--help']);

    const kubectlMs = await timed(KUBECTL, [...kubectlArgs, 'apply', '--server-side', '-n', 'bench-kubectl', '-f', join(dir, 'manifests')]);
    const conveyorMs = await timed(process.execPath, ['scripts/conveyor.mjs', 'apply', '--kubeconfig', sandbox.kubeconfig, '--namespace', 'bench-conveyor', '-f', join(dir, 'manifests')]);
    const speedup = kubectlMs / conveyorMs;
    console.log(`apply ${OBJECTS} objects (${FILES} files): kubectl apply --server-side ${(kubectlMs / 1000).toFixed(2)} s, conveyor apply ${(conveyorMs / 1000).toFixed(2)} s (whole processes)`);
    return verdict('conveyor apply vs kubectl apply --server-side', speedup >= SPEEDUP_TARGET, `${speedup.toFixed(1)}x faster`, `>= ${SPEEDUP_TARGET}x faster`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sandbox.stop();
  }
}

/** ROLLOUT-RULES.md's Deployment rule, applied to what the sandbox stores. */
function available(d: any): boolean {
  return healthOf(d).status === 'Healthy';
}

async function detection(): Promise<boolean> {
  const sandbox = await startSandbox({ port: 0 });
  const cluster = await KubernetesCluster.connect({
    name: 'bench',
    url: sandbox.url,
    caPem: sandbox.caPem,
    namespace: 'bench',
    tags: [],
    account: { kind: 'token', token: sandbox.credentials.adminToken },
  });
  const latencies: number[] = [];
  try {
    await cluster.ensureNamespace('bench');
    for (let i = 0; i < ROLLOUTS; i++) {
      const name = `web-${i}`;
      let markedAt: number | undefined;
      const unsubscribe = sandbox.cluster.store.subscribe((event) => {
        if (markedAt === undefined && event.resource === 'apps/deployments' && event.object.metadata.name === name && available(event.object)) markedAt = performance.now();
      });
      const live = await cluster.apply(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: 'bench' },
          spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
        },
        { fieldManager: 'conveyor', force: false },
      );
      const result = await waitForRollout(cluster, [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'bench', name: live.metadata.name! }], {
        deadline: Deadline.after(30_000),
        now: () => new Date(),
        onEvent: () => {},
      });
      const reportedAt = performance.now();
      unsubscribe();
      if (result.state !== 'done' || markedAt === undefined) throw new Error(`rollout ${name} ended ${result.state}`);
      latencies.push(reportedAt - markedAt);
    }
  } finally {
    await cluster.close();
    await sandbox.close();
  }
  latencies.sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)]!;
  console.log(`rollout detection over ${ROLLOUTS} Deployments: median ${median.toFixed(0)} ms, min ${latencies[0]!.toFixed(0)} ms, max ${latencies.at(-1)!.toFixed(0)} ms`);
  return verdict('rollout detection', median <= DETECTION_TARGET_MS, `median ${median.toFixed(0)} ms`, `<= ${DETECTION_TARGET_MS} ms`);
}
