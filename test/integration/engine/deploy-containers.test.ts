/**
 * deploy-containers specs (`apiVersion: conveyor.dev/v1`, `kind: DeployContainers`) through
 * runApplyStep against the sandbox: blue/green across three deployments (switch, cleanup,
 * and a failed colour that leaves the old one serving), and versioned ConfigMaps of a
 * rolling update (the old pods keep their config until the rollout is done).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import type { Manifest } from '#domain/model.ts';
import { adminTarget, apply, connect, eventually, file, namespacedTarget, startTestSandbox, type TestSandbox } from './helpers.ts';

const SLOW_IMAGE = 'registry.example.com/slow-api';
let t: TestSandbox;
let admin: KubernetesCluster;

beforeAll(async () => {
  // The rolling-update pods take a while to become Ready, so the rollout can be watched mid-way.
  t = await startTestSandbox({ timings: { imageReadyAfterMs: { [SLOW_IMAGE]: 600 } } });
  admin = await connect(adminTarget(t));
});

afterAll(async () => {
  await admin?.close();
  await t?.close();
});

const DEPLOYMENT_ID = 'conveyor.dev/deployment-id';

async function deploymentsOf(namespace: string): Promise<string[]> {
  return (await admin.list('apps/v1', 'Deployment', namespace)).map((d) => d.metadata.name!).sort();
}

async function configMapsOf(namespace: string, step: string): Promise<string[]> {
  return (await admin.list('v1', 'ConfigMap', namespace, `conveyor.dev/step=${step}`)).map((c) => c.metadata.name!).sort();
}

async function podsOf(namespace: string, selector: string): Promise<Manifest[]> {
  return (await admin.list('v1', 'Pod', namespace, selector)).filter((p) => !p.metadata.deletionTimestamp);
}

/** The pod names behind a Service, from its Endpoints and from its EndpointSlices. */
async function endpointPods(namespace: string, service: string): Promise<{ endpoints: string[]; slices: string[] }> {
  const endpoints = await admin.get({ apiVersion: 'v1', kind: 'Endpoints', namespace, name: service });
  const slices = await admin.list('discovery.k8s.io/v1', 'EndpointSlice', namespace, `kubernetes.io/service-name=${service}`);
  const fromEndpoints = (endpoints?.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.targetRef?.name as string));
  const fromSlices = slices.flatMap((s) => (s.endpoints ?? []).filter((e: any) => e.conditions?.ready !== false).map((e: any) => e.targetRef?.name as string));
  return { endpoints: fromEndpoints.sort(), slices: fromSlices.sort() };
}

describe('BlueGreen', () => {
  const namespace = 'bluegreen';
  const targetNow = () => namespacedTarget(t, namespace);

  const spec = (image: string) =>
    [
      'apiVersion: conveyor.dev/v1',
      'kind: DeployContainers',
      'metadata:',
      '  name: shop',
      'spec:',
      '  replicas: 2',
      '  strategy: BlueGreen',
      '  containers:',
      '    - name: web',
      `      image: ${image}`,
      '      ports: [{ name: http, containerPort: 8080 }]',
      '      envFrom: [configMap]',
      '  configMap:',
      '    items: { GREETING: hello }',
      '  service:',
      '    type: ClusterIP',
      '    ports: [{ port: 80, targetPort: http }]',
    ].join('\n');

  /** The Service selects colour `id`, and its endpoints are exactly that colour's ready pods. */
  async function expectServing(id: string): Promise<void> {
    const service = await admin.get({ apiVersion: 'v1', kind: 'Service', namespace, name: 'shop' });
    expect(service?.spec.selector).toEqual({ 'conveyor.dev/step': 'shop', [DEPLOYMENT_ID]: id });
    const pods = (await podsOf(namespace, `${DEPLOYMENT_ID}=${id}`)).map((p) => p.metadata.name!).sort();
    expect(pods).toHaveLength(2);
    await eventually(async () => {
      const { endpoints, slices } = await endpointPods(namespace, 'shop');
      return JSON.stringify(endpoints) === JSON.stringify(pods) && JSON.stringify(slices) === JSON.stringify(pods);
    }, 5000);
  }

  it('d1: creates Deployment shop-d1 and a Service selecting it', async () => {
    const { result, events } = await apply(targetNow(), [file('shop.yaml', [spec('nginx:1.27')])], { deploymentId: 'd1' });

    expect(result.state).toBe('done');
    expect(await deploymentsOf(namespace)).toEqual(['shop-d1']);
    expect(await configMapsOf(namespace, 'shop')).toEqual(['shop-d1']);
    expect(events).toContainEqual({ type: 'switched', service: { apiVersion: 'v1', kind: 'Service', namespace, name: 'shop' }, to: 'd1' });
    await expectServing('d1');
  });

  it('d2: switches the Service to d2 once healthy, then deletes d1 and its ConfigMap', async () => {
    const { result, events } = await apply(targetNow(), [file('shop.yaml', [spec('nginx:1.28')])], { deploymentId: 'd2' });

    expect(result.state).toBe('done');
    await expectServing('d2');
    expect(await deploymentsOf(namespace)).toEqual(['shop-d2']);
    expect(await configMapsOf(namespace, 'shop')).toEqual(['shop-d2']);
    const switched = events.findIndex((e) => e.type === 'switched' && e.to === 'd2');
    const deleted = events.flatMap((e, i) => (e.type === 'deleted' ? [{ i, ref: e.ref }] : []));
    expect(deleted.map((d) => `${d.ref.kind}/${d.ref.name}`).sort()).toEqual(['ConfigMap/shop-d1', 'Deployment/shop-d1']);
    expect(deleted.every((d) => d.i > switched)).toBe(true);
    await eventually(async () => (await podsOf(namespace, `${DEPLOYMENT_ID}=d1`)).length === 0, 5000);
  });

  it('d3 that never becomes healthy: the Service keeps serving d2, d3 is left for inspection, with the note', async () => {
    const { result, events } = await apply(targetNow(), [file('shop.yaml', [spec('nginx:does-not-exist')])], { deploymentId: 'd3', timeoutMs: 2000 });

    expect(result.state).toBe('timeout');
    expect(result.failure?.ref).toMatchObject({ kind: 'Deployment', name: 'shop-d3', namespace });
    expect(result.failure?.message).toContain('Deployment/shop-d3');
    expect(result.note).toBe('Service shop keeps serving Deployment shop-d2; Deployment shop-d3 is left for inspection');
    expect(events.some((e) => e.type === 'switched' || e.type === 'deleted')).toBe(false);
    await expectServing('d2');
    expect(await deploymentsOf(namespace)).toEqual(['shop-d2', 'shop-d3']);
    expect(await configMapsOf(namespace, 'shop')).toEqual(['shop-d2', 'shop-d3']);
    const d3Pods = await podsOf(namespace, `${DEPLOYMENT_ID}=d3`);
    expect(d3Pods.length).toBeGreaterThan(0);
    const { endpoints } = await endpointPods(namespace, 'shop');
    expect(endpoints.some((name) => d3Pods.some((p) => p.metadata.name === name))).toBe(false);
  });
});

describe('RollingUpdate with versioned ConfigMaps', () => {
  const namespace = 'rolling';
  const spec = (greeting: string) =>
    [
      'apiVersion: conveyor.dev/v1',
      'kind: DeployContainers',
      'metadata: { name: api }',
      'spec:',
      '  replicas: 2',
      '  strategy: RollingUpdate',
      '  rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }',
      '  containers:',
      '    - name: api',
      `      image: ${SLOW_IMAGE}:1`,
      '      envFrom: [configMap]',
      `  configMap: { items: { GREETING: ${greeting} } }`,
    ].join('\n');
  const refersTo = (pod: Manifest, name: string) => (pod.spec.containers as any[]).some((c) => (c.envFrom ?? []).some((f: any) => f.configMapRef?.name === name));

  it('d1 creates ConfigMap api-d1, read by the pod template', async () => {
    const { result } = await apply(namespacedTarget(t, namespace), [file('api.yaml', [spec('one')])], { deploymentId: 'd1' });

    expect(result.state).toBe('done');
    expect(await configMapsOf(namespace, 'api')).toEqual(['api-d1']);
    const live = await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'api' });
    expect(live?.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'api-d1' } }]);
    expect((await admin.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'api-d1' }))?.data).toEqual({ GREETING: 'one' });
  });

  it('d2 creates api-d2 while the old pods still read api-d1; api-d1 goes once the rollout is done', async () => {
    const running = apply(namespacedTarget(t, namespace), [file('api.yaml', [spec('two')])], { deploymentId: 'd2' });
    // Mid-rollout: both ConfigMaps exist, new pods read d2 and old pods still read d1.
    const midway = await eventually(
      async () => {
        const [configMaps, pods] = await Promise.all([configMapsOf(namespace, 'api'), podsOf(namespace, 'conveyor.dev/step=api')]);
        const old = pods.filter((p) => refersTo(p, 'api-d1'));
        const fresh = pods.filter((p) => refersTo(p, 'api-d2'));
        return configMaps.length === 2 && old.length > 0 && fresh.length > 0 ? { configMaps, old: old.length } : undefined;
      },
      10_000,
      25,
    );
    const { result, events } = await running;

    expect(midway.configMaps).toEqual(['api-d1', 'api-d2']);
    expect(result.state).toBe('done');
    expect(await configMapsOf(namespace, 'api')).toEqual(['api-d2']);
    expect(events.filter((e) => e.type === 'deleted').map((e) => (e.type === 'deleted' ? e.ref.name : ''))).toEqual(['api-d1']);
    const live = await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'api' });
    expect(live?.spec.template.spec.containers[0].envFrom).toEqual([{ configMapRef: { name: 'api-d2' } }]);
    const pods = await eventually(async () => {
      const current = await podsOf(namespace, 'conveyor.dev/step=api');
      return current.length === 2 ? current : undefined;
    }, 5000);
    expect(pods.every((p) => refersTo(p, 'api-d2'))).toBe(true);
  });
});
