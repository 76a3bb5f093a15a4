/**
 * Sandbox benchmarks (issue targets):
 *  1. server-side apply of 1,000 objects from one keep-alive client: >= 500 requests/s in
 *     memory, and >= 250 requests/s with --data, where every answer waits for an fsync
 *     (see APPLY_DATA_TARGET_RPS);
 *  2. 200 Deployments rolled out to done, watched by one client: all done within 10 s;
 *  3. resident memory of the sandbox process holding 10,000 objects: <= 200 MB.
 * The sandbox runs in its own process, as `conveyor sandbox` does.
 */
import { request } from 'node:https';
import { healthOf } from '#domain/rollout/rules.ts';
import { type ExternalSandbox, type HttpClient, httpClient, pool, rssMiB, spawnSandbox, verdict } from './support.ts';

const APPLY_OBJECTS = 1_000;
const APPLY_TARGET_RPS = 500;
const APPLY_CONCURRENCY = 8;
/**
 * With --data, each answer waits until its change is written and fdatasynced. With 8 requests
 * in flight, 500/s is 16 ms per request (Little's law); 250/s grants each request another
 * 16 ms: two disk flushes of up to 8 ms (one already running when it arrives, then the one that
 * carries it). Group commit shares each flush among all requests in flight, so the target holds
 * on any disk that flushes within ~8 ms (SSDs take ~0.1-2 ms); durability may cost as much as
 * the request's own work, not more.
 */
const APPLY_DATA_TARGET_RPS = 250;
const DEPLOYMENTS = 200;
const ROLLOUT_TARGET_MS = 10_000;
const MEMORY_OBJECTS = 10_000;
const MEMORY_TARGET_MIB = 200;
const APPLY = 'application/apply-patch+yaml';

export async function run(): Promise<boolean> {
  // With --data first, in a sandbox of its own that is gone before the in-memory one starts.
  const withData = await applyThroughputWithData();
  const sandbox = await spawnSandbox();
  const client = httpClient(sandbox, APPLY_CONCURRENCY);
  try {
    console.log(`sandbox pid ${sandbox.pid} at ${sandbox.url}; RSS at start ${rssMiB(sandbox.pid).toFixed(0)} MiB`);
    const inMemory = await applyThroughput(client, 'in memory');
    const results = [...applyVerdicts(inMemory, withData), await rollout(sandbox, client), await memory(sandbox, client)];
    return results.every(Boolean);
  } finally {
    client.close();
    await sandbox.stop();
  }
}

async function namespace(client: HttpClient, name: string): Promise<void> {
  const res = await client.call('PATCH', `/api/v1/namespaces/${name}?fieldManager=bench`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, APPLY);
  if (res.status >= 300) throw new Error(`namespace ${name}: ${res.status} ${JSON.stringify(res.body)}`);
}

function configMap(ns: string, name: string, i: number) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { app: 'bench', shard: String(i % 10) } }, data: { index: String(i), payload: 'x'.repeat(200) } };
}

async function applyThroughputWithData(): Promise<number> {
  const sandbox = await spawnSandbox({ data: true });
  const client = httpClient(sandbox, APPLY_CONCURRENCY);
  try {
    return await applyThroughput(client, 'with --data');
  } finally {
    client.close();
    await sandbox.stop();
  }
}

/** Server-side applies of APPLY_OBJECTS ConfigMaps; returns requests/s. */
async function applyThroughput(client: HttpClient, mode: string): Promise<number> {
  await namespace(client, 'bench-apply');
  const failures: string[] = [];
  const start = performance.now();
  await pool(APPLY_OBJECTS, APPLY_CONCURRENCY, async (i) => {
    const name = `cm-${i}`;
    const res = await client.call('PATCH', `/api/v1/namespaces/bench-apply/configmaps/${name}?fieldManager=bench&force=true`, configMap('bench-apply', name, i), APPLY);
    if (res.status !== 201 && res.status !== 200) failures.push(`${name}: ${res.status}`);
  });
  const seconds = (performance.now() - start) / 1000;
  if (failures.length) throw new Error(`server-side apply failed: ${failures.slice(0, 3).join(', ')}`);
  console.log(`server-side apply ${mode}: ${APPLY_OBJECTS} ConfigMaps in ${seconds.toFixed(2)} s with ${APPLY_CONCURRENCY} requests in flight on keep-alive connections`);
  return APPLY_OBJECTS / seconds;
}

function applyVerdicts(inMemory: number, withData: number): boolean[] {
  console.log(
    `server-side apply: ${inMemory.toFixed(0)} requests/s in memory | ${withData.toFixed(0)} requests/s with --data (fsynced before answering; ${((withData / inMemory) * 100).toFixed(0)}%)`,
  );
  return [
    verdict('server-side apply throughput', inMemory >= APPLY_TARGET_RPS, `${inMemory.toFixed(0)} requests/s`, `>= ${APPLY_TARGET_RPS} requests/s`),
    verdict('server-side apply throughput with --data', withData >= APPLY_DATA_TARGET_RPS, `${withData.toFixed(0)} requests/s`, `>= ${APPLY_DATA_TARGET_RPS} requests/s`),
  ];
}

function deployment(ns: string, name: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } },
    },
  };
}

/** ROLLOUT-RULES.md's Deployment rule, as the deploy engine evaluates it. */
function deploymentDone(d: any): boolean {
  return healthOf(d).status === 'Healthy';
}

async function rollout(sandbox: ExternalSandbox, client: HttpClient): Promise<boolean> {
  const ns = 'bench-rollout';
  await namespace(client, ns);
  const done = new Set<string>();
  const base = new URL(sandbox.url);
  let resolveAll!: () => void;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  const watch = request(
    { host: base.hostname, port: base.port, path: `/apis/apps/v1/namespaces/${ns}/deployments?watch=true&resourceVersion=0`, ca: sandbox.ca, headers: { Authorization: `Bearer ${sandbox.token}` } },
    (res) => {
      let buffer = '';
      res.on('data', (chunk) => {
        buffer += chunk;
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const event = JSON.parse(buffer.slice(0, newline));
          buffer = buffer.slice(newline + 1);
          if (event.object?.metadata && deploymentDone(event.object)) done.add(event.object.metadata.name);
          if (done.size === DEPLOYMENTS) resolveAll();
        }
      });
    },
  );
  watch.end();
  const start = performance.now();
  await pool(DEPLOYMENTS, APPLY_CONCURRENCY, async (i) => {
    const res = await client.call('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web-${i}?fieldManager=bench`, deployment(ns, `web-${i}`), APPLY);
    if (res.status !== 201) throw new Error(`deployment web-${i}: ${res.status}`);
  });
  const created = performance.now() - start;
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ROLLOUT_TARGET_MS * 3));
  const outcome = await Promise.race([allDone.then(() => 'done' as const), timeout]);
  const elapsed = performance.now() - start;
  watch.destroy();
  console.log(`rollout: ${DEPLOYMENTS} Deployments x 2 replicas applied in ${(created / 1000).toFixed(2)} s; ${done.size} done after ${(elapsed / 1000).toFixed(2)} s (${outcome})`);
  return verdict('200 Deployments rolled out', outcome === 'done' && elapsed <= ROLLOUT_TARGET_MS, `${(elapsed / 1000).toFixed(2)} s`, `<= ${ROLLOUT_TARGET_MS / 1000} s`);
}

async function countObjects(client: HttpClient): Promise<number> {
  const paths = [
    '/api/v1/configmaps',
    '/api/v1/pods',
    '/api/v1/events',
    '/api/v1/namespaces',
    '/api/v1/serviceaccounts',
    '/api/v1/secrets',
    '/api/v1/nodes',
    '/apis/apps/v1/deployments',
    '/apis/apps/v1/replicasets',
    '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    '/api/v1/endpoints',
    '/apis/discovery.k8s.io/v1/endpointslices',
    '/api/v1/services',
  ];
  let total = 0;
  for (const path of paths) {
    const res = await client.call('GET', path);
    total += res.body.items?.length ?? 0;
  }
  return total;
}

async function memory(sandbox: ExternalSandbox, client: HttpClient): Promise<boolean> {
  const ns = 'bench-memory';
  await namespace(client, ns);
  let stored = await countObjects(client);
  const fill = Math.max(0, MEMORY_OBJECTS - stored);
  await pool(fill, APPLY_CONCURRENCY, async (i) => {
    const res = await client.call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(ns, `fill-${i}`, i));
    if (res.status !== 201) throw new Error(`fill-${i}: ${res.status}`);
  });
  stored = await countObjects(client);
  // Let the controllers go idle and the collector run before reading RSS.
  await new Promise((r) => setTimeout(r, 3000));
  const rss = rssMiB(sandbox.pid);
  console.log(`memory: ${stored} objects stored (${fill} ConfigMaps added to reach ${MEMORY_OBJECTS}); sandbox RSS ${rss.toFixed(0)} MiB`);
  return verdict('sandbox memory', stored >= MEMORY_OBJECTS && rss <= MEMORY_TARGET_MIB, `${rss.toFixed(0)} MiB for ${stored} objects`, `<= ${MEMORY_TARGET_MIB} MiB for ${MEMORY_OBJECTS} objects`);
}
