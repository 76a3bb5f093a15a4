import { afterEach, describe, expect, it } from 'vitest';
import { allocateClusterIP } from '../../../../local/sandbox/controllers/index.ts';
import { condition, deployment, deploymentDone, pods, rt, type Sandbox, sandbox, waitFor } from './harness.ts';

let sb: Sandbox;
afterEach(() => sb?.stop());

describe('bootstrap', () => {
  it('creates the system namespaces, their default ServiceAccount and root CA, and three Ready nodes', async () => {
    // Prepare / Act
    sb = sandbox();
    await sb.controllers.settle();
    // Assess
    expect(
      sb
        .list('Namespace')
        .map((n) => n.metadata.name)
        .sort(),
    ).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    for (const ns of sb.list('Namespace')) expect(ns.status.phase).toBe('Active');
    expect(sb.get('ServiceAccount', 'kube-system', 'default')).toBeDefined();
    expect(sb.get('ConfigMap', 'default', 'kube-root-ca.crt')?.data['ca.crt']).toContain('BEGIN CERTIFICATE');
    const nodes = sb.list('Node');
    expect(nodes.map((n) => n.metadata.name)).toEqual(['sandbox-node-1', 'sandbox-node-2', 'sandbox-node-3']);
    for (const n of nodes) {
      expect(condition(n, 'Ready')?.status).toBe('True');
      expect(n.status.allocatable).toMatchObject({ cpu: '4', pods: '110' });
    }
  });
});

describe('service controller', () => {
  it('allocates a cluster IP, fills Endpoints and EndpointSlices, and gives a LoadBalancer its ingress', async () => {
    // Prepare
    sb = sandbox();
    sb.create(deployment('web', { replicas: 2, container: { ports: [{ name: 'http', containerPort: 8080 }] } }));
    await waitFor('web done', () => deploymentDone(sb.get('Deployment', 'default', 'web')));
    // Act
    sb.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const svc = await waitFor('LB ingress', () => {
      const s = sb.get('Service', 'default', 'web');
      return s?.status?.loadBalancer?.ingress?.length && s;
    });
    // Assess
    expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
    expect(svc.spec.clusterIPs).toEqual([svc.spec.clusterIP]);
    expect(svc.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(svc.status.loadBalancer.ingress[0].ip).toMatch(/^172\.18\.255\.\d+$/);
    const ep = await waitFor('endpoints', () => sb.get('Endpoints', 'default', 'web')?.subsets?.[0]?.addresses?.length === 2 && sb.get('Endpoints', 'default', 'web'));
    const podIPs = pods(sb, 'default', { app: 'web' })
      .map((p) => p.status.podIP)
      .sort();
    expect(ep.subsets[0].addresses.map((a: { ip: string }) => a.ip).sort()).toEqual(podIPs);
    expect(ep.subsets[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const [slice, ...more] = sb.list('EndpointSlice', 'default');
    expect(more).toHaveLength(0);
    expect(slice!.metadata.labels!['kubernetes.io/service-name']).toBe('web');
    expect(slice!.endpoints.map((e: { conditions: { ready: boolean } }) => e.conditions.ready)).toEqual([true, true]);

    // Act: a pod that is not ready lands in notReadyAddresses
    sb.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'extra', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { exec: { command: ['false'] } } }] },
    });
    const withNotReady = await waitFor('not-ready address', () => sb.get('Endpoints', 'default', 'web')?.subsets?.[0]?.notReadyAddresses?.length === 1 && sb.get('Endpoints', 'default', 'web'));
    expect(withNotReady.subsets[0].notReadyAddresses[0].targetRef.name).toBe('extra');
  });

  it('allocateClusterIP is a pure lowest-free allocator', () => {
    expect(allocateClusterIP(new Set())).toBe('10.96.0.11');
    expect(allocateClusterIP(new Set(['10.96.0.11', '10.96.0.12']))).toBe('10.96.0.13');
  });
});

describe('ingress, volumes, CRDs and token secrets', () => {
  it('gives an Ingress an address and binds a PVC (except storageClassName unbound)', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { rules: [{ host: 'web.local' }] } });
    sb.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    });
    sb.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'never', namespace: 'default' },
      spec: { storageClassName: 'unbound', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    // Assess
    await waitFor('ingress address', () => sb.get('Ingress', 'default', 'web')?.status?.loadBalancer?.ingress?.[0]?.ip);
    const pvc = await waitFor('bound', () => {
      const o = sb.get('PersistentVolumeClaim', 'default', 'data');
      return o?.status?.phase === 'Bound' && o;
    });
    expect(pvc.status.capacity).toEqual({ storage: '2Gi' });
    const pv = sb.get('PersistentVolume', undefined, pvc.spec.volumeName)!;
    expect(pv.spec.claimRef).toMatchObject({ name: 'data', uid: pvc.metadata.uid });
    expect(pv.status.phase).toBe('Bound');
    await sb.controllers.settle();
    expect(sb.get('PersistentVolumeClaim', 'default', 'never')!.status.phase).toBe('Pending');
  });

  it('establishes a CRD, or reports the name conflict the registry returns', async () => {
    // Prepare
    const calls: [string, boolean][] = [];
    sb = sandbox({
      onCustomResourceDefinition: (crd, deleted) => {
        calls.push([crd.metadata.name!, deleted]);
        return crd.spec.names.plural === 'taken' ? 'plural "taken" is already in use' : undefined;
      },
    });
    const crd = (plural: string, kind: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.example.com` },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural, kind }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] },
    });
    // Act
    sb.create(crd('widgets', 'Widget'));
    sb.create(crd('taken', 'Taken'));
    // Assess
    const ok = await waitFor('established', () => {
      const o = sb.get('CustomResourceDefinition', undefined, 'widgets.example.com');
      return condition(o, 'Established')?.status === 'True' && o;
    });
    expect(condition(ok, 'NamesAccepted')).toMatchObject({ status: 'True', reason: 'NoConflicts' });
    expect(ok.status.acceptedNames).toMatchObject({ plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' });
    const bad = await waitFor('conflict', () => {
      const o = sb.get('CustomResourceDefinition', undefined, 'taken.example.com');
      return condition(o, 'NamesAccepted')?.status === 'False' && o;
    });
    expect(condition(bad, 'NamesAccepted')?.message).toBe('plural "taken" is already in use');
    // Act: deleting the CRD deletes its custom resources first
    sb.create({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: {} });
    sb.cluster.delete(rt('CustomResourceDefinition'), undefined, 'widgets.example.com');
    await waitFor('crd gone', () => !sb.get('CustomResourceDefinition', undefined, 'widgets.example.com'));
    expect(sb.get('Widget', 'default', 'w1')).toBeUndefined();
    expect(calls).toContainEqual(['widgets.example.com', true]);
  });

  it('fills a legacy service-account token Secret', async () => {
    // Prepare
    sb = sandbox({ issueLegacyToken: (secret, sa) => `token-for-${sa.metadata.name}-${secret.metadata.name}`, caCertPem: 'PEM' });
    sb.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: 'default' } });
    // Act
    sb.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: { name: 'deployer-token', namespace: 'default', annotations: { 'kubernetes.io/service-account.name': 'deployer' } },
    });
    const secret = await waitFor('token', () => {
      const s = sb.get('Secret', 'default', 'deployer-token');
      return s?.data?.token && s;
    });
    // Assess
    const decode = (v: string) => Buffer.from(v, 'base64').toString();
    expect(decode(secret.data.token)).toBe('token-for-deployer-deployer-token');
    expect(decode(secret.data['ca.crt'])).toBe('PEM');
    expect(decode(secret.data.namespace)).toBe('default');
    expect(secret.metadata.annotations['kubernetes.io/service-account.uid']).toBe(sb.get('ServiceAccount', 'default', 'deployer')!.metadata.uid);
  });
});

describe('namespace controller and garbage collector', () => {
  it('deleting a namespace removes everything in it and then the namespace', async () => {
    // Prepare
    sb = sandbox();
    sb.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await waitFor('active', () => sb.get('Namespace', undefined, 'team')?.status?.phase === 'Active' && sb.get('ServiceAccount', 'team', 'default'));
    expect(sb.get('Namespace', undefined, 'team')!.spec.finalizers).toEqual(['kubernetes']);
    sb.create(deployment('app', { namespace: 'team', replicas: 2 }));
    await waitFor('app done', () => deploymentDone(sb.get('Deployment', 'team', 'app')));
    // Act
    sb.cluster.delete(rt('Namespace'), undefined, 'team');
    // Assess
    await waitFor('namespace gone', () => !sb.get('Namespace', undefined, 'team'));
    for (const kind of ['Deployment', 'ReplicaSet', 'Pod', 'ServiceAccount', 'ConfigMap', 'Event']) expect(sb.list(kind, 'team')).toEqual([]);
  });

  it('background deletion removes dependents; foreground waits for them; orphan keeps them', async () => {
    // Prepare
    sb = sandbox();
    for (const name of ['bg', 'fg', 'orphan']) sb.create(deployment(name, { replicas: 1 }));
    await waitFor('all done', () => ['bg', 'fg', 'orphan'].every((n) => deploymentDone(sb.get('Deployment', 'default', n))));
    const rsOf = (app: string) => sb.list('ReplicaSet', 'default').filter((rs) => rs.metadata.labels?.app === app);
    // Act + Assess: background
    sb.cluster.delete(rt('Deployment'), 'default', 'bg');
    await waitFor('bg dependents gone', () => rsOf('bg').length === 0 && pods(sb, 'default', { app: 'bg' }).length === 0);
    // foreground: the owner lingers with the finalizer until dependents are gone
    const { object } = sb.cluster.delete(rt('Deployment'), 'default', 'fg', { propagationPolicy: 'Foreground' });
    expect(object.metadata.finalizers).toContain('foregroundDeletion');
    await waitFor('fg gone', () => !sb.get('Deployment', 'default', 'fg'));
    expect(rsOf('fg')).toHaveLength(0);
    expect(pods(sb, 'default', { app: 'fg' })).toHaveLength(0);
    // orphan: dependents stay without the ownerReference
    sb.cluster.delete(rt('Deployment'), 'default', 'orphan', { propagationPolicy: 'Orphan' });
    await waitFor('orphan owner gone', () => !sb.get('Deployment', 'default', 'orphan'));
    await sb.controllers.settle();
    const [kept] = rsOf('orphan');
    expect(kept).toBeDefined();
    expect(kept!.metadata.ownerReferences).toBeUndefined();
    expect(pods(sb, 'default', { app: 'orphan' })).toHaveLength(1);
  });
});
