/**
 * Objects as kube-apiserver stores them, seen through kubectl, @kubernetes/client-node and
 * the `conveyor` CLI: `conveyor apply` leaves nothing for `kubectl diff` to report; a no-op
 * re-apply writes nothing (resourceVersion and generation stay, even with a StatefulSet's
 * defaulted volumeClaimTemplates); Services get their cluster IP and NodePorts in the create
 * response and carry no generation; patches leave no empty labels, annotations or
 * managedFields behind.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Service } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError } from '../../support/client-node.ts';
import { type ConveyorRun, runConveyor } from '../../support/conveyor.ts';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const STACK = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: hello
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          envFrom:
            - configMapRef: {name: settings}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres:16
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 1Gi
`;

const STACK_OBJECTS = [
  ['/configmaps', 'settings'],
  ['/services', 'web'],
  ['apps/deployments', 'web'],
  ['apps/statefulsets', 'db'],
] as const;

let t: TestSandbox;
let core: CoreV1Api;

beforeAll(async () => {
  t = await startTestSandbox();
  const kc = new KubeConfig();
  kc.loadFromString(t.sandbox.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await t?.close();
});

const shown = (run: ConveyorRun) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** What kubectl and clients read back: the object as JSON, managedFields included. */
async function readBack(kind: string, name: string, namespace: string): Promise<any> {
  const r = await t.kubectl(['get', kind, name, '-n', namespace, '-o', 'json', '--show-managed-fields']);
  return JSON.parse(r.stdout);
}

describe('conveyor apply, then kubectl diff and a re-apply', () => {
  const NS = 'stack';
  let file: string;
  const conveyorApply = () => runConveyor(['apply', '-f', file, '--kubeconfig', t.kubeconfigPath, '--namespace', NS, '--wait', '--output', 'json']);
  const versions = () =>
    STACK_OBJECTS.map(([resource, name]) => {
      const o = t.sandbox.cluster.store.get(resource, NS, name)!;
      return { resource, name, resourceVersion: o.metadata.resourceVersion, generation: o.metadata.generation };
    });

  beforeAll(async () => {
    file = join(t.dir, 'stack.yaml');
    writeFileSync(file, STACK);
    const first = await conveyorApply();
    expect(first.code, shown(first)).toBe(0);
    await t.sandbox.settle();
  });

  it('leaves kubectl diff nothing to report', async () => {
    // Act
    const diff = await t.kubectl(['diff', '-n', NS, '-f', file], { allowFailure: true });

    // Assess
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    expect(diff.stdout).toBe('');
    expect(diff.stderr).toBe('');
  });

  it('re-applies without writing: every object unchanged, resourceVersion and generation as they were', async () => {
    // Prepare
    const before = versions();

    // Act
    const again = await conveyorApply();
    await t.sandbox.settle();

    // Assess
    expect(again.code, shown(again)).toBe(0);
    expect(JSON.parse(again.stdout).objects.map((o: { kind: string; outcome: string }) => `${o.kind} ${o.outcome}`)).toEqual([
      'ConfigMap unchanged',
      'Service unchanged',
      'Deployment unchanged',
      'StatefulSet unchanged',
    ]);
    expect(versions()).toEqual(before);
    expect(before.map((v) => [v.name, v.generation])).toEqual([
      ['settings', undefined],
      ['web', undefined],
      ['web', 1],
      ['db', 1],
    ]);
  });
});

describe('Service addresses', () => {
  const NS = 'addresses';
  const service = (name: string, spec: Partial<NonNullable<V1Service['spec']>> = {}): V1Service => ({
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80 }], ...spec },
  });

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });

  it('come back in the create response, and a Service carries no generation', async () => {
    // Act
    const plain = await core.createNamespacedService({ namespace: NS, body: service('plain') });
    const nodePort = await core.createNamespacedService({ namespace: NS, body: service('exposed', { type: 'NodePort' }) });

    // Assess
    expect(plain.spec?.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    expect(plain.spec?.clusterIPs).toEqual([plain.spec?.clusterIP]);
    expect(plain.metadata?.generation).toBeUndefined();
    expect(nodePort.spec?.clusterIP).not.toBe(plain.spec?.clusterIP);
    expect(nodePort.spec?.ports?.[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    // The allocator, not the creator, set them: no manager owns them.
    expect(JSON.stringify(plain.metadata?.managedFields)).not.toContain('f:clusterIP');
  });

  it('refuses a cluster IP or NodePort another Service holds', async () => {
    // Prepare
    const holder = await core.readNamespacedService({ name: 'exposed', namespace: NS });
    const ip = holder.spec!.clusterIP!;
    const port = holder.spec!.ports![0]!.nodePort!;

    // Act
    const ipTaken = await apiError(core.createNamespacedService({ namespace: NS, body: service('copy-ip', { clusterIP: ip }) }));
    const portTaken = await apiError(core.createNamespacedService({ namespace: NS, body: service('copy-port', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: port }] }) }));

    // Assess
    expect(ipTaken.code).toBe(422);
    expect(ipTaken.body.message).toBe(`Service "copy-ip" is invalid: spec.clusterIPs: Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: provided IP is already allocated`);
    expect(portTaken.code).toBe(422);
    expect(portTaken.body.message).toBe(`Service "copy-port" is invalid: spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`);
    expect(t.sandbox.cluster.store.get('/services', NS, 'copy-ip')).toBeUndefined();
  });

  it('keeps them through kubectl replace of a manifest without them', async () => {
    // Prepare
    const before = await core.readNamespacedService({ name: 'exposed', namespace: NS });
    const manifest = `apiVersion: v1\nkind: Service\nmetadata:\n  name: exposed\n  namespace: ${NS}\nspec:\n  type: NodePort\n  selector: {app: exposed, tier: web}\n  ports:\n    - name: http\n      port: 80\n`;

    // Act
    await t.kubectl(['replace', '-f', '-'], { input: manifest });

    // Assess
    const after = await core.readNamespacedService({ name: 'exposed', namespace: NS });
    expect(after.spec?.selector).toEqual({ app: 'exposed', tier: 'web' });
    expect(after.spec?.clusterIP).toBe(before.spec?.clusterIP);
    expect(after.spec?.ports?.[0]?.nodePort).toBe(before.spec?.ports?.[0]?.nodePort);
  });
});

describe('patches leave no empty metadata', () => {
  const NS = 'tidy';

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await t.kubectl(['create', 'configmap', 'tidy', '-n', NS, '--from-literal=a=1']);
  });

  it('drops labels and annotations emptied by kubectl label/annotate and by a merge patch', async () => {
    // Prepare
    await t.kubectl(['label', 'configmap', 'tidy', '-n', NS, 'team=a']);
    await t.kubectl(['annotate', 'configmap', 'tidy', '-n', NS, 'note=x']);

    // Act
    await t.kubectl(['label', 'configmap', 'tidy', '-n', NS, 'team-']);
    await t.kubectl(['annotate', 'configmap', 'tidy', '-n', NS, 'note-']);
    await t.kubectl(['patch', 'configmap', 'tidy', '-n', NS, '--type=merge', '-p', '{"metadata":{"labels":{},"annotations":{},"finalizers":[]}}']);

    // Assess
    const read = await readBack('configmap', 'tidy', NS);
    expect(Object.keys(read.metadata).sort()).toEqual(['creationTimestamp', 'managedFields', 'name', 'namespace', 'resourceVersion', 'uid']);
  });

  it('keeps managedFields when a patch sends an empty list, and clears them on [{}]', async () => {
    // Prepare
    const before = await readBack('configmap', 'tidy', NS);

    // Act
    await t.kubectl(['patch', 'configmap', 'tidy', '-n', NS, '--type=json', '-p', '[{"op":"replace","path":"/metadata/managedFields","value":[]}]']);
    const kept = await readBack('configmap', 'tidy', NS);
    await t.kubectl(['patch', 'configmap', 'tidy', '-n', NS, '--type=json', '-p', '[{"op":"replace","path":"/metadata/managedFields","value":[{}]}]']);
    const cleared = await readBack('configmap', 'tidy', NS);

    // Assess: an empty list is what a client unaware of the field sends; [{}] is the documented reset.
    expect(kept.metadata.managedFields).toEqual(before.metadata.managedFields);
    expect(kept.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(cleared.metadata).not.toHaveProperty('managedFields');
  });

  it('stores no empty labels from a server-side apply', async () => {
    // Act
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ${NS}\n  labels: {}\n  annotations: {}\ndata:\n  a: "1"\n`;
    await t.kubectl(['apply', '--server-side', '-f', '-'], { input: manifest });

    // Assess
    const read = await readBack('configmap', 'applied', NS);
    expect(read.metadata).not.toHaveProperty('labels');
    expect(read.metadata).not.toHaveProperty('annotations');
  });
});
