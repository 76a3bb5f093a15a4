/**
 * @kubernetes/client-node 2.x against an in-process sandbox over HTTPS: server-side apply
 * with field managers and conflicts, watches following a rollout and resuming (or failing to
 * resume) from a resourceVersion, status reads, selectors, optimistic concurrency, ConfigMaps
 * and Secrets, and JSON / merge patches through the typed API.
 */

import { AppsV1Api, CoreV1Api, KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type V1Deployment, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_LOG_SIZE } from '#sandbox/store.ts';
import { apiError } from '../../support/client-node.ts';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

let t: TestSandbox;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let objects: KubernetesObjectApi;

beforeAll(async () => {
  t = await startTestSandbox();
  kc = new KubeConfig();
  kc.loadFromString(t.sandbox.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  objects = KubernetesObjectApi.makeApiClient(kc);
});

afterAll(async () => {
  await t?.close();
});

async function namespace(name: string): Promise<string> {
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function deployment(ns: string, name: string, spec: Partial<{ replicas: number; image: string; labels: Record<string, string> }> = {}): KubernetesObject & Record<string, any> {
  const labels = { app: name, ...(spec.labels ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: spec.image ?? 'nginx:1.27' }] } },
    },
  };
}

/** ROLLOUT-RULES.md, Deployment row: done when the controller has caught up with the spec. */
function rolloutDone(d: V1Deployment): boolean {
  const s = d.status ?? {};
  const wanted = d.spec?.replicas ?? 1;
  if (d.spec?.paused) return false;
  return (
    (d.metadata?.generation ?? 0) <= (s.observedGeneration ?? -1) &&
    (s.updatedReplicas ?? 0) >= wanted &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

describe('server-side apply through KubernetesObjectApi.patch', () => {
  it('creates, updates, reports a conflict between field managers and resolves it with force', async () => {
    const ns = await namespace('cn-apply');
    const created = (await objects.patch(deployment(ns, 'web', { replicas: 2 }), undefined, undefined, 'team-a', false, PatchStrategy.ServerSideApply)) as V1Deployment;
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.spec?.replicas).toBe(2);
    expect(created.metadata?.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['team-a', 'Apply']]);

    const updated = (await objects.patch(deployment(ns, 'web', { replicas: 2, image: 'nginx:1.28' }), undefined, undefined, 'team-a', false, PatchStrategy.ServerSideApply)) as V1Deployment;
    expect(updated.metadata?.uid).toBe(created.metadata?.uid);
    expect(updated.metadata?.generation).toBe((created.metadata?.generation ?? 0) + 1);
    expect(updated.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.28');
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));

    // Another manager wants a different replica count: the field is team-a's.
    const conflict = await apiError(objects.patch(deployment(ns, 'web', { replicas: 5 }), undefined, undefined, 'team-b', false, PatchStrategy.ServerSideApply));
    expect(conflict.code).toBe(409);
    expect(conflict.body.kind).toBe('Status');
    expect(conflict.body.reason).toBe('Conflict');
    expect(conflict.body.message).toContain('team-a');
    expect(conflict.body.message).toContain('.spec.replicas');
    expect(conflict.body.details?.causes?.some((c: any) => c.reason === 'FieldManagerConflict' && c.field === '.spec.replicas')).toBe(true);
    expect((await apps.readNamespacedDeployment({ name: 'web', namespace: ns })).spec?.replicas).toBe(2);

    const forced = (await objects.patch(deployment(ns, 'web', { replicas: 5 }), undefined, undefined, 'team-b', true, PatchStrategy.ServerSideApply)) as V1Deployment;
    expect(forced.spec?.replicas).toBe(5);
    const owners = (manager: string) => JSON.stringify(forced.metadata?.managedFields?.find((m) => m.manager === manager)?.fieldsV1 ?? {});
    expect(owners('team-b')).toContain('f:replicas');
    expect(owners('team-a')).not.toContain('f:replicas');
  });
});

describe('watch', () => {
  it('follows a rollout from a resourceVersion with ADDED then MODIFIED until the status says done', async () => {
    const ns = await namespace('cn-watch');
    const list = await apps.listNamespacedDeployment({ namespace: ns });
    const fromRv = list.metadata?.resourceVersion;
    expect(fromRv).toMatch(/^\d+$/);

    const events: { type: string; object: V1Deployment }[] = [];
    let ended: unknown = 'still open';
    const done = new Promise<V1Deployment>((resolve, reject) => {
      const watch = new Watch(kc);
      const started = watch.watch(
        `/apis/apps/v1/namespaces/${ns}/deployments`,
        { resourceVersion: fromRv, allowWatchBookmarks: true },
        (type, object: V1Deployment) => {
          events.push({ type, object });
          if (type !== 'BOOKMARK' && rolloutDone(object)) resolve(object);
        },
        (error) => {
          ended = error;
          reject(error ?? new Error('watch ended before the rollout was done'));
        },
      );
      void started.then((controller) => done.finally(() => controller.abort()).catch(() => {}));
    });

    await objects.patch(deployment(ns, 'api', { replicas: 3 }), undefined, undefined, 'rollout-test', false, PatchStrategy.ServerSideApply);
    const final = await done;
    const types = events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.type);
    expect(types[0]).toBe('ADDED');
    expect(types.slice(1).length).toBeGreaterThan(0);
    expect(new Set(types.slice(1))).toEqual(new Set(['MODIFIED']));
    expect(events[0]!.object.metadata?.name).toBe('api');
    // The first event is the object as created: the controller had not caught up yet.
    expect(rolloutDone(events[0]!.object)).toBe(false);
    expect(final.status?.readyReplicas).toBe(3);
    expect(final.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    expect(final.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    // resourceVersions only grow along the stream.
    const rvs = events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    void ended;
  });

  it('answers a watch from a resourceVersion older than the event window with an Expired (410) event', async () => {
    const ns = await namespace('cn-expired');
    const before = (await core.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
    // Push more changes through the store than its event log keeps, as a busy cluster would
    // between a client's list and its watch. In-process: that many writes over HTTPS would be slow.
    const churn = (await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'churn' }, data: { n: '0' } } })) as any;
    const stored = t.sandbox.cluster.store.get('/configmaps', ns, 'churn')!;
    expect(stored.metadata.uid).toBe(churn.metadata.uid);
    const writes = DEFAULT_EVENT_LOG_SIZE * 2;
    for (let i = 1; i <= writes; i++) t.sandbox.cluster.store.write('/configmaps', { ...stored, data: { n: String(i) } });
    expect((await core.readNamespacedConfigMap({ name: 'churn', namespace: ns })).data?.n).toBe(String(writes));

    const received: { type: string; object: any }[] = [];
    const ended = await new Promise<unknown>((resolve) => {
      void new Watch(kc).watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: before }, (type, object) => received.push({ type, object }), resolve);
    });
    expect(ended).toBeNull();
    expect(received).toHaveLength(1);
    expect(received[0]!.type).toBe('ERROR');
    expect(received[0]!.object).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    expect(received[0]!.object.message).toContain('too old resource version');

    // A watch from the list's current resourceVersion works and sees new changes only.
    const now = (await core.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
    const next = new Promise<{ type: string; name: string }>((resolve, reject) => {
      void new Watch(kc)
        .watch(
          `/api/v1/namespaces/${ns}/configmaps`,
          { resourceVersion: now },
          (type, object) => resolve({ type, name: object.metadata?.name }),
          (e) => reject(e ?? new Error('watch closed')),
        )
        .then((c) => next.finally(() => c.abort()).catch(() => {}));
    });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after' } } });
    expect(await next).toEqual({ type: 'ADDED', name: 'after' });
  });
});

describe('typed APIs', () => {
  it('reads the status subresource of a Deployment', async () => {
    const ns = await namespace('cn-status');
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, 'status-web', { replicas: 2 }) as V1Deployment });
    const status = await eventually(async () => {
      const d = await apps.readNamespacedDeploymentStatus({ name: 'status-web', namespace: ns });
      return rolloutDone(d) ? d : undefined;
    });
    expect(status.kind).toBe('Deployment');
    expect(status.status?.replicas).toBe(2);
    expect(status.status?.updatedReplicas).toBe(2);
    expect(status.status?.availableReplicas).toBe(2);
    expect(status.status?.observedGeneration).toBe(status.metadata?.generation);
  });

  it('lists with a labelSelector and a fieldSelector', async () => {
    const ns = await namespace('cn-select');
    const body = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels } });
    await core.createNamespacedConfigMap({ namespace: ns, body: body('a', { tier: 'web', env: 'prod' }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: body('b', { tier: 'web', env: 'dev' }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: body('c', { tier: 'db', env: 'prod' }) });
    const names = (l: { items: { metadata?: { name?: string } }[] }) => l.items.map((i) => i.metadata?.name).sort();

    expect(names(await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'tier=web' }))).toEqual(['a', 'b']);
    expect(names(await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'tier=web,env!=dev' }))).toEqual(['a']);
    expect(names(await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'env in (prod),tier notin (web)' }))).toEqual(['c']);
    expect(names(await core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'metadata.name=b' }))).toEqual(['b']);
    expect(names(await core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'metadata.name!=b', labelSelector: 'env=prod' }))).toEqual(['a', 'c']);
    // Across namespaces, a field selector on the namespace narrows to this one.
    expect(names(await core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.namespace=${ns}`, labelSelector: 'tier' }))).toEqual(['a', 'b', 'c']);

    // Pods: the fields real clients select on.
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, 'sel', { replicas: 2 }) as V1Deployment });
    const running = await eventually(async () => {
      const l = await core.listNamespacedPod({ namespace: ns, fieldSelector: 'status.phase=Running', labelSelector: 'app=sel' });
      return l.items.length === 2 ? l : undefined;
    });
    const node = running.items[0]!.spec?.nodeName;
    expect(node).toBeTruthy();
    const onNode = await core.listNamespacedPod({ namespace: ns, fieldSelector: `spec.nodeName=${node}` });
    expect(onNode.items.every((p) => p.spec?.nodeName === node)).toBe(true);
    expect((await core.listNamespacedPod({ namespace: ns, fieldSelector: 'status.phase=Failed' })).items).toEqual([]);
  });

  it('rejects a fieldSelector on a field the resource does not index (400, as kube-apiserver)', async () => {
    const ns = await namespace('cn-select-bad');
    // ConfigMaps support only metadata.name and metadata.namespace as field labels.
    const bad = await apiError(core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'data.key=x' }));
    expect(bad.code).toBe(400);
    expect(bad.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(bad.body.message).toContain('field label not supported: data.key');
  });

  it('rejects a replace with a stale resourceVersion (optimistic concurrency)', async () => {
    const ns = await namespace('cn-occ');
    const first = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg' }, data: { v: '1' } } });
    const second = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: ns, body: { ...first, data: { v: '2' } } });
    expect(Number(second.metadata?.resourceVersion)).toBeGreaterThan(Number(first.metadata?.resourceVersion));

    const stale = await apiError(core.replaceNamespacedConfigMap({ name: 'cfg', namespace: ns, body: { ...first, data: { v: 'stale' } } }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(stale.body.message).toContain('the object has been modified; please apply your changes to the latest version and try again');
    expect((await core.readNamespacedConfigMap({ name: 'cfg', namespace: ns })).data).toEqual({ v: '2' });

    // Without a resourceVersion, update is unconditional.
    const { resourceVersion: _rv, ...metadata } = second.metadata!;
    const forced = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: ns, body: { ...second, metadata, data: { v: '3' } } });
    expect(forced.data).toEqual({ v: '3' });
  });

  it('creates, reads and deletes ConfigMaps and Secrets', async () => {
    const ns = await namespace('cn-crud');
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { 'app.properties': 'a=1\nb=2\n' }, binaryData: { blob: Buffer.from([0, 1, 2, 255]).toString('base64') } },
    });
    expect(cm.metadata?.uid).toBeTruthy();
    expect(cm.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const readCm = await core.readNamespacedConfigMap({ name: 'settings', namespace: ns });
    expect(readCm.data).toEqual({ 'app.properties': 'a=1\nb=2\n' });
    expect(Buffer.from(readCm.binaryData!.blob!, 'base64')).toEqual(Buffer.from([0, 1, 2, 255]));

    const secret = await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'db' }, type: 'Opaque', stringData: { password: 's3cr3t' }, data: { user: Buffer.from('app').toString('base64') } },
    });
    expect(secret.stringData).toBeUndefined();
    const readSecret = await core.readNamespacedSecret({ name: 'db', namespace: ns });
    expect(readSecret.type).toBe('Opaque');
    expect(Buffer.from(readSecret.data!.password!, 'base64').toString()).toBe('s3cr3t');
    expect(Buffer.from(readSecret.data!.user!, 'base64').toString()).toBe('app');

    const duplicate = await apiError(core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'db' } } }));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body).toMatchObject({ reason: 'AlreadyExists', details: { name: 'db', kind: 'secrets' } });

    await core.deleteNamespacedConfigMap({ name: 'settings', namespace: ns });
    await core.deleteNamespacedSecret({ name: 'db', namespace: ns });
    const missing = await apiError(core.readNamespacedConfigMap({ name: 'settings', namespace: ns }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'configmaps "settings" not found' });
    expect((await apiError(core.readNamespacedSecret({ name: 'db', namespace: ns }))).code).toBe(404);
  });

  it('applies JSON patches and merge patches with the content type set through setHeaderOptions', async () => {
    const ns = await namespace('cn-patch');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'p', labels: { keep: 'yes', drop: 'me' } }, data: { a: '1', b: '2' } } });

    const merged = await core.patchNamespacedConfigMap(
      { name: 'p', namespace: ns, body: { metadata: { labels: { drop: null, added: 'x' } }, data: { b: null, c: '3' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ keep: 'yes', added: 'x' });
    expect(merged.data).toEqual({ a: '1', c: '3' });

    const jsonPatched = await core.patchNamespacedConfigMap(
      {
        name: 'p',
        namespace: ns,
        body: [
          { op: 'test', path: '/data/a', value: '1' },
          { op: 'replace', path: '/data/a', value: '10' },
          { op: 'add', path: '/data/d~1e', value: 'slash' },
          { op: 'remove', path: '/metadata/labels/keep' },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(jsonPatched.data).toEqual({ a: '10', c: '3', 'd/e': 'slash' });
    expect(jsonPatched.metadata?.labels).toEqual({ added: 'x' });

    // A failing JSON patch test op changes nothing.
    const failed = await apiError(
      core.patchNamespacedConfigMap(
        {
          name: 'p',
          namespace: ns,
          body: [
            { op: 'test', path: '/data/a', value: 'nope' },
            { op: 'remove', path: '/data/c' },
          ],
        },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
    );
    expect(failed.code).toBe(422);
    expect((await core.readNamespacedConfigMap({ name: 'p', namespace: ns })).data).toEqual({ a: '10', c: '3', 'd/e': 'slash' });

    // Strategic merge on a Deployment merges containers by name.
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment(ns, 'smp') as V1Deployment });
    const smp = await apps.patchNamespacedDeployment(
      {
        name: 'smp',
        namespace: ns,
        body: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'web', image: 'nginx:1.29' },
                  { name: 'sidecar', image: 'busybox:1.36' },
                ],
              },
            },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers.map((c) => [c.name, c.image])).toEqual([
      ['web', 'nginx:1.29'],
      ['sidecar', 'busybox:1.36'],
    ]);
  });
});
