/**
 * A sandbox with a data directory survives restarts: objects with their uids and
 * resourceVersions, the CA, the credentials and the ServiceAccount signing key. Every answered
 * write is already on disk (in the change log, state.log); the snapshot (state.json) is written
 * atomically on shutdown, so a crash mid-write leaves the last good one; stray temporary files
 * from a killed process are ignored. (test/integration/sandbox/crash.test.ts kills a sandbox
 * process mid-writes; test/unit/sandbox/persistence/ covers the log's format and crash windows.)
 *
 * Watches: the event log is not persisted, so after a restart a watch resuming from a
 * resourceVersion older than the restored one gets 410 Expired — as after a real
 * kube-apiserver restart, whose watch cache starts at the current etcd revision. Clients
 * relist and watch from the list's resourceVersion.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDurableState } from '#sandbox/persistence.ts';
import { rawRequest } from '../../support/https.ts';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const FILES_MODULE = fileURLToPath(new URL('../../../local/files.ts', import.meta.url));

let dataDir: string;
let running: TestSandbox | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'conveyor-persist-'));
});

afterAll(async () => {
  await running?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<TestSandbox> {
  running = await startTestSandbox({ dataDir });
  return running;
}

async function stop(t: TestSandbox): Promise<void> {
  await t.close();
  running = undefined;
}

function clients(t: TestSandbox): { kc: KubeConfig; core: CoreV1Api; apps: AppsV1Api } {
  const kc = new KubeConfig();
  kc.loadFromString(t.sandbox.kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api) };
}

type Snapshot = { format: number; resourceVersion: number; objects: [string, { metadata: { name: string; namespace?: string; resourceVersion: string; uid: string } }][] };

/** state.json parsed; fails the test if it is not complete, valid JSON. */
function snapshot(): Snapshot {
  const text = readFileSync(join(dataDir, 'state.json'), 'utf8');
  const parsed = JSON.parse(text) as Snapshot;
  expect(parsed.format).toBe(1);
  expect(Array.isArray(parsed.objects)).toBe(true);
  return parsed;
}

/** What a restart would load now (snapshot plus change log), read without the sandbox's help. */
function durable(): Snapshot {
  const state = readDurableState(dataDir);
  return { format: 1, resourceVersion: state.resourceVersion, objects: state.objects as Snapshot['objects'] };
}

function inSnapshot(s: Snapshot, resource: string, namespace: string, name: string) {
  return s.objects.find(([r, o]) => r === resource && o.metadata.namespace === namespace && o.metadata.name === name)?.[1];
}

function deploymentDone(d: V1Deployment): boolean {
  const s = d.status ?? {};
  const wanted = d.spec?.replicas ?? 1;
  return (
    (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? -1) &&
    (s.updatedReplicas ?? 0) >= wanted &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

/** The first event of a watch from `resourceVersion` (or what ended it). */
function firstWatchEvent(kc: KubeConfig, path: string, resourceVersion: string): Promise<{ type: string; object: any }> {
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined;
    let first: { type: string; object: any } | undefined;
    void new Watch(kc)
      .watch(
        path,
        { resourceVersion },
        (type, object) => {
          if (first) return;
          first = { type, object };
          resolve(first);
          controller?.abort();
        },
        (error) => (first ? undefined : reject(error ?? new Error('watch ended without an event'))),
      )
      .then((c) => {
        controller = c;
        if (first) c.abort();
      });
  });
}

// What the first run leaves behind for the later ones.
const before: {
  caPem?: string;
  adminToken?: string;
  kubeconfig?: string;
  rvs: Record<string, string>;
  uids: Record<string, string>;
  replicaSets?: string[];
  saToken?: string;
  oldRv?: string;
  storeRv?: number;
} = { rvs: {}, uids: {} };

describe('a sandbox with a data directory', () => {
  it('has each change on disk once it is answered, and writes a valid snapshot on close', async () => {
    const t = await start();
    before.caPem = t.sandbox.caPem;
    before.adminToken = t.sandbox.credentials.adminToken;
    before.kubeconfig = t.sandbox.kubeconfig;
    const { core, apps } = clients(t);

    const ns = await core.createNamespace({ body: { metadata: { name: 'keep' } } });
    before.oldRv = ns.metadata!.resourceVersion!;
    // No waiting: an answered write is durable.
    expect(durable().objects.some(([r, o]) => r === '/namespaces' && o.metadata.name === 'keep')).toBe(true);

    const cm = await core.createNamespacedConfigMap({ namespace: 'keep', body: { metadata: { name: 'settings' }, data: { color: 'blue' } } });
    expect(inSnapshot(durable(), '/configmaps', 'keep', 'settings')?.metadata.resourceVersion).toBe(cm.metadata!.resourceVersion);
    const updated = await core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'keep', body: { ...cm, data: { color: 'green' } } });
    expect(inSnapshot(durable(), '/configmaps', 'keep', 'settings')?.metadata.resourceVersion).toBe(updated.metadata!.resourceVersion);
    before.rvs.cm = updated.metadata!.resourceVersion!;
    before.uids.cm = updated.metadata!.uid!;

    const secret = await core.createNamespacedSecret({ namespace: 'keep', body: { metadata: { name: 'creds' }, stringData: { token: 'abc' } } });
    before.rvs.secret = secret.metadata!.resourceVersion!;
    before.uids.secret = secret.metadata!.uid!;

    await core.createNamespacedServiceAccount({ namespace: 'keep', body: { metadata: { name: 'bot' } } });
    before.saToken = (await core.createNamespacedServiceAccountToken({ name: 'bot', namespace: 'keep', body: { spec: { audiences: [] } } })).status!.token!;

    await apps.createNamespacedDeployment({
      namespace: 'keep',
      body: {
        metadata: { name: 'web' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
      },
    });
    const done = await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'keep' });
      return deploymentDone(d) ? d : undefined;
    });
    before.uids.deployment = done.metadata!.uid!;
    before.replicaSets = (await apps.listNamespacedReplicaSet({ namespace: 'keep' })).items.map((r) => r.metadata!.name!).sort();
    expect(before.replicaSets).toHaveLength(1);
    await t.sandbox.settle();

    await stop(t);
    // The final snapshot is the state at shutdown.
    before.storeRv = t.sandbox.cluster.store.resourceVersion;
    const final = snapshot();
    expect(final.resourceVersion).toBe(before.storeRv);
    expect(final.objects.length).toBe(t.sandbox.cluster.store.count());
    expect(inSnapshot(final, '/configmaps', 'keep', 'settings')?.metadata.resourceVersion).toBe(before.rvs.cm);
    // No temporary file left behind by a clean shutdown; secrets on disk are private.
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(statSync(join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'ca.key')).mode & 0o777).toBe(0o600);
  });

  it('restores objects, resourceVersions, the CA, the credentials and the token key on restart', async () => {
    const t = await start();
    expect(t.sandbox.caPem).toBe(before.caPem);
    expect(t.sandbox.credentials.adminToken === before.adminToken).toBe(true);
    expect(t.sandbox.cluster.store.resourceVersion).toBe(before.storeRv);

    // The kubeconfig from before the restart works unchanged except for the (new, random) port.
    const old = new KubeConfig();
    old.loadFromString(before.kubeconfig!);
    old.clusters = old.clusters.map((c) => ({ ...c, server: t.sandbox.url }));
    for (const context of ['sandbox-admin', 'sandbox-cert', 'sandbox-basic']) {
      old.setCurrentContext(context);
      const list = await old.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'keep' });
      expect(
        list.items.map((c) => c.metadata?.name),
        context,
      ).toContain('settings');
    }

    const { core, apps } = clients(t);
    const cm = await core.readNamespacedConfigMap({ name: 'settings', namespace: 'keep' });
    expect(cm.data).toEqual({ color: 'green' });
    expect(cm.metadata?.resourceVersion).toBe(before.rvs.cm);
    expect(cm.metadata?.uid).toBe(before.uids.cm);
    const secret = await core.readNamespacedSecret({ name: 'creds', namespace: 'keep' });
    expect(secret.metadata?.resourceVersion).toBe(before.rvs.secret);
    expect(Buffer.from(secret.data!.token!, 'base64').toString()).toBe('abc');

    // A ServiceAccount token issued before the restart still verifies (same signing key, same SA uid).
    const me = await rawRequest(t.sandbox, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      token: before.saToken,
      body: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' },
    });
    expect(me.status).toBe(201);
    expect(me.json.status.userInfo.username).toBe('system:serviceaccount:keep:bot');

    // The controllers pick up where they left off: same ReplicaSet, rollout still done.
    await t.sandbox.settle();
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'keep' });
    expect(d.metadata?.uid).toBe(before.uids.deployment);
    expect(deploymentDone(d)).toBe(true);
    expect((await apps.listNamespacedReplicaSet({ namespace: 'keep' })).items.map((r) => r.metadata!.name!).sort()).toEqual(before.replicaSets);

    // New writes continue the resourceVersion sequence; optimistic concurrency still holds.
    const next = await core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'keep', body: { ...cm, data: { color: 'red' } } });
    expect(Number(next.metadata!.resourceVersion)).toBeGreaterThan(before.storeRv!);
    expect(inSnapshot(durable(), '/configmaps', 'keep', 'settings')?.metadata.resourceVersion).toBe(next.metadata!.resourceVersion);
  });

  it('answers a watch resuming from a pre-restart resourceVersion with 410 Expired; a relist-and-watch works', async () => {
    const t = running!;
    const { kc, core } = clients(t);
    const expired = await firstWatchEvent(kc, '/api/v1/namespaces/keep/configmaps', before.rvs.cm!);
    expect(expired.type).toBe('ERROR');
    expect(expired.object).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    expect(expired.object.message).toContain('too old resource version');

    const listRv = (await core.listNamespacedConfigMap({ namespace: 'keep' })).metadata!.resourceVersion!;
    const event = firstWatchEvent(kc, '/api/v1/namespaces/keep/configmaps', listRv);
    await core.createNamespacedConfigMap({ namespace: 'keep', body: { metadata: { name: 'after-restart' } } });
    const added = await event;
    expect(added.type).toBe('ADDED');
    expect(added.object.metadata.name).toBe('after-restart');
  });

  it('ignores stray temporary files from a crash and loads the last good snapshot', async () => {
    const t = running!;
    await stop(t);
    const good = readFileSync(join(dataDir, 'state.json'), 'utf8');
    const goodRv = (JSON.parse(good) as Snapshot).resourceVersion;
    // What a process killed between write and rename leaves: a partial temporary file.
    writeFileSync(join(dataDir, 'state.json.999999.tmp'), good.slice(0, Math.floor(good.length / 2)));
    // One named as this process would name its own, longer than the next snapshot: reusing the
    // name must truncate it rather than leave a tail of old bytes.
    writeFileSync(join(dataDir, `state.json.${process.pid}.tmp`), `${good}${'x'.repeat(100_000)}`);

    const again = await start();
    expect(again.sandbox.cluster.store.resourceVersion).toBe(goodRv);
    const { core } = clients(again);
    expect((await core.readNamespacedConfigMap({ name: 'after-restart', namespace: 'keep' })).metadata?.name).toBe('after-restart');
    const cm = await core.createNamespacedConfigMap({ namespace: 'keep', body: { metadata: { name: 'post-crash' } } });
    expect(inSnapshot(durable(), '/configmaps', 'keep', 'post-crash')?.metadata.resourceVersion).toBe(cm.metadata!.resourceVersion);
    await stop(again);
    const final = snapshot();
    expect(inSnapshot(final, '/configmaps', 'keep', 'post-crash')).toBeTruthy();
    expect(existsSync(join(dataDir, `state.json.${process.pid}.tmp`))).toBe(false);
  });

  it('never leaves a partial file when the writer is killed mid-write (writeFileAtomic)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-atomic-'));
    /** Kills that must land inside a write, and how many writers may be started to get them. */
    const LANDED_KILLS = 3;
    const MAX_WRITERS = 10;
    const WRITE_WAIT_MS = 10_000;
    try {
      const file = join(dir, 'state.json');
      // A child process rewrites a 2 MB JSON document in a loop until it is SIGKILLed.
      const script = `
        import { writeFileAtomic } from ${JSON.stringify(FILES_MODULE)};
        const pad = 'x'.repeat(2_000_000);
        for (let i = 0; ; i++) {
          writeFileAtomic(${JSON.stringify(file)}, JSON.stringify({ i, pad }));
          if (i === 0) process.stdout.write('first\\n');
        }`;
      let landed = 0;
      for (let writers = 0; landed < LANDED_KILLS && writers < MAX_WRITERS; writers++) {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve());
          child.once('exit', () => reject(new Error(`writer exited early: ${stderr}`)));
        });
        // Its temporary file exists only from open to rename (writeFileAtomic removes a leftover
        // before it opens): kill as soon as it is there, so the kill lands inside a write.
        const temporary = `${file}.${child.pid}.tmp`;
        const giveUpAt = Date.now() + WRITE_WAIT_MS;
        while (!existsSync(temporary) && Date.now() < giveUpAt) await new Promise((r) => setImmediate(r));
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        // Still there after the kill: the process died between open and rename. Gone: it
        // finished that write first, and this writer does not count.
        if (existsSync(temporary)) landed++;
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as { i: number; pad: string };
        expect(parsed.pad).toHaveLength(2_000_000);
      }
      expect(landed, 'kills that landed inside a write').toBe(LANDED_KILLS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
