/**
 * ROLLOUT-RULES.md end to end: runApplyStep with `wait: true` through KubernetesCluster over
 * HTTPS against the sandbox, success and failure for every kind of the table, plus rule 5
 * (done is not health forever) with a Deployment scaled in the middle of the wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '#domain/engine/events.ts';
import type { Manifest } from '#domain/model.ts';
import { adminTarget, apply, connect, container, deployment, file, healthEvents, namespacedTarget, podTemplate, startTestSandbox, type TestSandbox } from './helpers.ts';

let t: TestSandbox;
let n = 0;
const nextNs = (what: string) => `rules-${what}-${++n}`;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

function stateOf(objects: { ref: { kind: string; name: string }; health?: { status: string } }[]) {
  return Object.fromEntries(objects.map((o) => [`${o.ref.kind}/${o.ref.name}`, o.health?.status]));
}

describe('Deployment', () => {
  it('is done when every replica is updated and available', async () => {
    const target = namespacedTarget(t, nextNs('deploy'));
    const { result } = await apply(target, [file('web.yaml', [deployment('web', { replicas: 2 })])]);

    expect(result.state).toBe('done');
    expect(result.failure).toBeUndefined();
    expect(stateOf(result.objects)).toEqual({ 'Deployment/web': 'Healthy' });
  });

  it('fails with ProgressDeadlineExceeded, naming the Deployment, with a pod/container/image-pull diagnosis', async () => {
    const target = namespacedTarget(t, nextNs('deploy-fail'));
    const { result, events } = await apply(target, [file('web.yaml', [deployment('web', { image: 'nginx:does-not-exist', progressDeadlineSeconds: 2 })])], { timeoutMs: 15_000 });

    expect(result.state).toBe('failed');
    expect(result.failure?.status).toBe('Degraded');
    expect(result.failure?.reason).toBe('ProgressDeadlineExceeded');
    expect(result.failure?.ref).toMatchObject({ kind: 'Deployment', name: 'web', namespace: target.namespace });
    expect(result.failure?.message).toContain('Deployment/web');
    expect(result.failure?.message).toContain('ProgressDeadlineExceeded');
    const diagnosed = healthEvents(events, 'Deployment', 'web').filter((h) => /pod web-[a-z0-9-]+ container app: (ImagePullBackOff|ErrImagePull)/.test(h.message ?? ''));
    expect(diagnosed.length).toBeGreaterThan(0);
  });

  it('done is not health forever: scaling mid-wait after done does not undo it (rule 5)', async () => {
    const target = namespacedTarget(t, nextNs('latch'));
    const admin = await connect(adminTarget(t));
    let scaled: Promise<unknown> | undefined;
    const events: EngineEvent[] = [];
    try {
      // Pods of the Deployment need 1.5 s to become Ready, so after the scale it is Progressing
      // for a while; the slow Pod keeps the wait open across that window.
      const web = deployment('web', { replicas: 1, podAnnotations: { 'sandbox.conveyor.dev/ready-after-ms': '1500' } });
      const slow: Manifest = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'slow', annotations: { 'sandbox.conveyor.dev/ready-after-ms': '5000' } },
        spec: { containers: [container()] },
      };
      const { result } = await apply(target, [file('latch.yaml', [web, slow])], { timeoutMs: 15_000 }, events, (e) => {
        if (!scaled && e.type === 'health' && e.health.ref.kind === 'Deployment' && e.health.status === 'Healthy') {
          scaled = admin.apply(
            { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: target.namespace }, spec: { replicas: 3 } },
            { fieldManager: 'autoscaler', force: true },
          );
        }
      });
      await scaled;

      expect(result.state).toBe('done');
      const live = await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: target.namespace, name: 'web' });
      expect(live?.spec.replicas).toBe(3);
      const web_ = healthEvents(events, 'Deployment', 'web');
      const firstHealthy = web_.findIndex((h) => h.status === 'Healthy');
      expect(firstHealthy).toBeGreaterThanOrEqual(0);
      // After the first Healthy, the Deployment is never reported otherwise, and the scale shows as
      // "rollout finished earlier" rather than as progress.
      expect(web_.slice(firstHealthy).every((h) => h.status === 'Healthy')).toBe(true);
      expect(web_.slice(firstHealthy).some((h) => h.reason === 'RolloutDone')).toBe(true);
    } finally {
      await admin.close();
    }
  });
});

describe('StatefulSet', () => {
  const statefulSet = (name: string, image?: string): Manifest => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: { replicas: 2, serviceName: name, selector: { matchLabels: { app: name } }, template: podTemplate(name, image) },
  });

  it('is done when all replicas are ready at the update revision', async () => {
    const { result } = await apply(namespacedTarget(t, nextNs('sts')), [file('db.yaml', [statefulSet('db')])]);

    expect(result.state).toBe('done');
    expect(stateOf(result.objects)).toEqual({ 'StatefulSet/db': 'Healthy' });
  });

  it('fails only by the step deadline (timeout) when its pods never start', async () => {
    const { result } = await apply(namespacedTarget(t, nextNs('sts-fail')), [file('db.yaml', [statefulSet('db', 'nginx:does-not-exist')])], { timeoutMs: 1500 });

    expect(result.state).toBe('timeout');
    expect(result.failure?.reason).toBe('Timeout');
    expect(result.failure?.ref).toMatchObject({ kind: 'StatefulSet', name: 'db' });
    expect(result.failure?.message).toContain('StatefulSet/db');
  });
});

describe('DaemonSet', () => {
  const daemonSet = (name: string, readiness?: string[]): Manifest => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: { selector: { matchLabels: { app: name } }, template: podTemplate(name, 'nginx:1.27', readiness) },
  });

  it('is done when every node runs an available updated pod', async () => {
    const { result } = await apply(namespacedTarget(t, nextNs('ds')), [file('agent.yaml', [daemonSet('agent')])]);

    expect(result.state).toBe('done');
    expect(stateOf(result.objects)).toEqual({ 'DaemonSet/agent': 'Healthy' });
  });

  it('times out when its readiness probe never passes', async () => {
    const { result } = await apply(namespacedTarget(t, nextNs('ds-fail')), [file('agent.yaml', [daemonSet('agent', ['/no/such/health-check'])])], { timeoutMs: 1500 });

    expect(result.state).toBe('timeout');
    expect(result.failure?.ref).toMatchObject({ kind: 'DaemonSet', name: 'agent' });
    expect(result.failure?.message).toContain('DaemonSet/agent');
  });
});

it('ReplicaSet is done when its replicas are available', async () => {
  const rs: Manifest = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 2, selector: { matchLabels: { app: 'rs' } }, template: podTemplate('rs') } };
  const { result } = await apply(namespacedTarget(t, nextNs('rs')), [file('rs.yaml', [rs])]);

  expect(result.state).toBe('done');
  expect(stateOf(result.objects)).toEqual({ 'ReplicaSet/rs': 'Healthy' });
});

describe('Job (waitForJobs)', () => {
  const job = (name: string, command?: string[]): Manifest => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'task', image: 'busybox:1.36', ...(command ? { command } : {}) }] } } },
  });

  it('is done when Complete', async () => {
    const { result } = await apply(namespacedTarget(t, nextNs('job')), [file('job.yaml', [job('migrate')])], { waitForJobs: true });

    expect(result.state).toBe('done');
    expect(stateOf(result.objects)).toEqual({ 'Job/migrate': 'Healthy' });
  });

  it('fails with the reason when its pod exits 1 and backoffLimit is 0', async () => {
    const { result } = await apply(namespacedTarget(t, nextNs('job-fail')), [file('job.yaml', [job('migrate', ['sh', '-c', 'exit 1'])])], { waitForJobs: true });

    expect(result.state).toBe('failed');
    expect(result.failure?.status).toBe('Degraded');
    expect(result.failure?.reason).toBe('BackoffLimitExceeded');
    expect(result.failure?.message).toContain('Job/migrate');
  });
});

describe('Pod', () => {
  it('is done when Running and Ready', async () => {
    const pod: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo' }, spec: { containers: [container()] } };
    const { result } = await apply(namespacedTarget(t, nextNs('pod')), [file('pod.yaml', [pod])]);

    expect(result.state).toBe('done');
    expect(stateOf(result.objects)).toEqual({ 'Pod/solo': 'Healthy' });
  });

  it('fails on CrashLoopBackOff', async () => {
    // Without a readiness delay the container is Ready for a moment before its first exit, and a
    // Pod once Ready is done for this rollout (rule 5); so it becomes Ready only after 10 s.
    const pod: Manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crash', annotations: { 'sandbox.conveyor.dev/ready-after-ms': '10000' } },
      spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'exit 1'] }] },
    };
    const { result } = await apply(namespacedTarget(t, nextNs('pod-fail')), [file('pod.yaml', [pod])]);

    expect(result.state).toBe('failed');
    expect(result.failure?.reason).toBe('CrashLoopBackOff');
    expect(result.failure?.message).toContain('Pod/crash');
    expect(result.failure?.message).toContain('app');
  });
});

describe('Service and Ingress', () => {
  const service = (name: string, type: string): Manifest => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { type, selector: { app: name }, ports: [{ port: 80, targetPort: 80 }] },
  });

  it('ClusterIP is done at once, LoadBalancer after its ingress address, Ingress after its address', async () => {
    const target = namespacedTarget(t, nextNs('svc'));
    const ingress: Manifest = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'front' },
      spec: { rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'internal', port: { number: 80 } } } }] } }] },
    };
    const { result, events } = await apply(target, [file('net.yaml', [service('internal', 'ClusterIP'), service('public', 'LoadBalancer'), ingress])]);

    expect(result.state).toBe('done');
    expect(stateOf(result.objects)).toEqual({ 'Service/internal': 'Healthy', 'Service/public': 'Healthy', 'Ingress/front': 'Healthy' });
    // ClusterIP: Healthy from its first live read; LoadBalancer and Ingress: waited for their address.
    const read = (kind: string, name: string) => healthEvents(events, kind, name).filter((h) => h.reason !== 'AwaitingStatus');
    expect(read('Service', 'internal').map((h) => h.status)).toEqual(['Healthy']);
    expect(read('Service', 'public').map((h) => h.status)).toEqual(['Progressing', 'Healthy']);
    expect(read('Service', 'public')[0]?.message).toContain('load balancer address');
    expect(read('Ingress', 'front').map((h) => h.status)).toEqual(['Progressing', 'Healthy']);
    const admin = await connect(adminTarget(t));
    try {
      const lb = await admin.get({ apiVersion: 'v1', kind: 'Service', namespace: target.namespace, name: 'public' });
      const ing = await admin.get({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: target.namespace, name: 'front' });
      expect(lb?.status?.loadBalancer?.ingress?.length).toBeGreaterThan(0);
      expect(ing?.status?.loadBalancer?.ingress?.length).toBeGreaterThan(0);
    } finally {
      await admin.close();
    }
  });
});

describe('PersistentVolumeClaim', () => {
  const claim = (name: string, storageClassName?: string): Manifest => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(storageClassName ? { storageClassName } : {}) },
  });

  it('is done when Bound', async () => {
    const { result } = await apply(namespacedTarget(t, nextNs('pvc')), [file('pvc.yaml', [claim('data')])]);

    expect(result.state).toBe('done');
    expect(stateOf(result.objects)).toEqual({ 'PersistentVolumeClaim/data': 'Healthy' });
  });

  it('times out while Pending (storage class `unbound`)', async () => {
    const { result } = await apply(namespacedTarget(t, nextNs('pvc-fail')), [file('pvc.yaml', [claim('data', 'unbound')])], { timeoutMs: 1000 });

    expect(result.state).toBe('timeout');
    expect(result.failure?.ref).toMatchObject({ kind: 'PersistentVolumeClaim', name: 'data' });
    expect(result.failure?.message).toContain('PersistentVolumeClaim/data');
    expect(result.failure?.message).toContain('Pending');
  });
});

it('a CustomResourceDefinition and a resource of it in one apply: Established first, then both done', async () => {
  const namespace = nextNs('crd');
  const target = { ...adminTarget(t), namespace };
  const crd: Manifest = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.engine-it.example.com' },
    spec: {
      group: 'engine-it.example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  const widget: Manifest = { apiVersion: 'engine-it.example.com/v1', kind: 'Widget', metadata: { name: 'gear' }, spec: { teeth: 12 } };
  const { result, events } = await apply(target, [file('widget.yaml', [widget, crd])]);

  expect(result.state).toBe('done');
  expect(stateOf(result.objects)).toEqual({ 'CustomResourceDefinition/widgets.engine-it.example.com': 'Healthy', 'Widget/gear': 'Healthy' });
  const established = events.findIndex((e) => e.type === 'established' && e.ref.name === crd.metadata.name);
  const widgetApplied = events.findIndex((e) => e.type === 'applied' && e.ref.kind === 'Widget');
  expect(established).toBeGreaterThanOrEqual(0);
  expect(widgetApplied).toBeGreaterThan(established);
  const admin = await connect(adminTarget(t));
  try {
    expect((await admin.get({ apiVersion: 'engine-it.example.com/v1', kind: 'Widget', namespace, name: 'gear' }))?.spec).toEqual({ teeth: 12 });
  } finally {
    await admin.close();
  }
});

it('ConfigMap, Secret, ServiceAccount and RBAC are done once applied', async () => {
  const objects: Manifest[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { user: 'app' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'runner' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'runner-reads' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'runner' }],
    },
  ];
  const { result } = await apply(namespacedTarget(t, nextNs('plain')), [file('plain.yaml', objects)]);

  expect(result.state).toBe('done');
  expect(stateOf(result.objects)).toEqual({
    'ConfigMap/settings': 'Healthy',
    'Secret/creds': 'Healthy',
    'ServiceAccount/runner': 'Healthy',
    'Role/reader': 'Healthy',
    'RoleBinding/runner-reads': 'Healthy',
  });
  expect(result.objects.every((o) => o.outcome === 'created')).toBe(true);
});
