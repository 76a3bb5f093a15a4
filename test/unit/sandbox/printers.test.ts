import { describe, expect, it } from 'vitest';
import { DEFAULT_COLUMNS, formatLabelSelector, humanDuration, PRINTERS } from '../../../local/sandbox/http/printers.ts';
import type { KubeObject } from '../../../local/sandbox/types.ts';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const SECOND = 1000;

/** The cells of `object` under the columns of its kind, by column name. */
function cells(kind: string, object: Partial<KubeObject>): Record<string, unknown> {
  const o = { metadata: { name: 'x', creationTimestamp: '2025-06-01T11:59:00Z' }, ...object } as KubeObject;
  return Object.fromEntries((PRINTERS[kind] ?? DEFAULT_COLUMNS).map((c) => [c.name, c.cell(o, NOW)]));
}

describe('humanDuration', () => {
  it.each([
    [-2 * SECOND, '<invalid>'],
    [-1 * SECOND, '0s'],
    [119 * SECOND, '119s'],
    [125 * SECOND, '2m5s'],
    [10 * 60 * SECOND, '10m'],
    [3 * 3600 * SECOND + 20 * 60 * SECOND, '3h20m'],
    [47 * 3600 * SECOND, '47h'],
    [(3 * 24 + 4) * 3600 * SECOND, '3d4h'],
    [30 * 24 * 3600 * SECOND, '30d'],
    [(3 * 365 + 10) * 24 * 3600 * SECOND, '3y10d'],
  ])('prints %d ms as %s, as apimachinery does', (ms, text) => {
    // Act
    const printed = humanDuration(ms);

    // Assess
    expect(printed).toBe(text);
  });
});

describe('cells', () => {
  it('pod: restarts with the time of the last one, and the waiting reason as status', () => {
    // Act
    const row = cells('Pod', {
      spec: { containers: [{ name: 'app' }] },
      status: {
        phase: 'Running',
        containerStatuses: [{ name: 'app', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { finishedAt: '2025-06-01T11:59:55Z' } } }],
      },
    });

    // Assess
    expect(row).toMatchObject({ Ready: '0/1', Status: 'CrashLoopBackOff', Restarts: '2 (5s ago)', Age: '60s', IP: '<none>', Node: '<none>' });
  });

  it('job: completions of a parallel job without completions, and a running duration', () => {
    // Act
    const row = cells('Job', { spec: { parallelism: 3, template: { spec: { containers: [] } } }, status: { succeeded: 1, startTime: '2025-06-01T11:57:30Z' } });

    // Assess
    expect(row).toMatchObject({ Status: 'Running', Completions: '1/1 of 3', Duration: '2m30s' });
  });

  it('endpoints: three addresses, then how many more', () => {
    // Act
    const row = cells('Endpoints', { subsets: [{ addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => ({ ip })), ports: [{ port: 8080 }] }] });

    // Assess
    expect(row.Endpoints).toBe('10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...');
  });

  it('service: an ExternalName, and a LoadBalancer still waiting for its address', () => {
    // Act
    const external = cells('Service', { spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    const pending = cells('Service', { spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.5'], ports: [{ port: 443, nodePort: 30443, protocol: 'TCP' }], selector: { b: '2', a: '1' } } });

    // Assess
    expect(external).toMatchObject({ 'Cluster-IP': '<none>', 'External-IP': 'db.example.com', 'Port(s)': '<none>', Selector: '<none>' });
    expect(pending).toMatchObject({ 'Cluster-IP': '10.96.0.5', 'External-IP': '<pending>', 'Port(s)': '443:30443/TCP', Selector: 'a=1,b=2' });
  });

  it('hpa: the autoscaling/v1 CPU target, and <unset> without minReplicas', () => {
    // Act
    const row = cells('HorizontalPodAutoscaler', {
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 4, targetCPUUtilizationPercentage: 70 },
      status: { currentReplicas: 2, currentCPUUtilizationPercentage: 35 },
    });

    // Assess
    expect(row).toMatchObject({ Reference: 'Deployment/web', Targets: 'cpu: 35%/70%', MinPods: '<unset>', MaxPods: 4, Replicas: 2 });
  });

  it('ingress: at most three hosts, and * for rules without one', () => {
    // Act
    const many = cells('Ingress', { spec: { rules: ['a', 'b', 'c', 'd'].map((h) => ({ host: `${h}.example.com` })) } });
    const any = cells('Ingress', { spec: { rules: [{}] } });

    // Assess
    expect(many).toMatchObject({ Class: '<none>', Hosts: 'a.example.com,b.example.com,c.example.com + 1 more...', Address: '', Ports: '80' });
    expect(any.Hosts).toBe('*');
  });

  it('pvc: capacity and access modes only once bound; the beta class annotation wins', () => {
    // Act
    const pending = cells('PersistentVolumeClaim', { spec: { storageClassName: 'fast' }, status: { phase: 'Pending' } });
    const bound = cells('PersistentVolumeClaim', {
      metadata: { name: 'x', annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } },
      spec: { volumeName: 'pv-1', storageClassName: 'fast' },
      status: { phase: 'Bound', capacity: { storage: '5Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'] },
    });

    // Assess
    expect(pending).toMatchObject({ Status: 'Pending', Volume: '', Capacity: '', 'Access Modes': '', StorageClass: 'fast', VolumeAttributesClass: '<unset>' });
    expect(bound).toMatchObject({ Capacity: '5Gi', 'Access Modes': 'RWO,RWX', StorageClass: 'legacy' });
  });

  it('a kind without a printer: Name and Created At', () => {
    // Act
    const row = cells('Role', {});

    // Assess
    expect(row).toEqual({ Name: 'x', 'Created At': '2025-06-01T11:59:00Z' });
  });

  it('label selectors print sorted by key, with set-based requirements', () => {
    // Act
    const printed = formatLabelSelector({
      matchLabels: { tier: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });

    // Assess
    expect(printed).toBe('!canary,env in (dev,prod),tier=web');
    expect(formatLabelSelector({})).toBe('<none>');
  });
});
