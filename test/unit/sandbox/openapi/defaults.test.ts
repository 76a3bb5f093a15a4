import { describe, expect, it } from 'vitest';
import { applyDefaults, defaultPullPolicy, generateJobSelector, JOB_CONTROLLER_UID_LABEL } from '../../../../local/sandbox/openapi/defaults.ts';

describe('applyDefaults', () => {
  it('defaults a Deployment like kube-apiserver', () => {
    const d = applyDefaults({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] } } },
    });
    expect(d.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    });
    expect(d.spec.template.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    });
    expect(d.spec.template.spec.containers[0]).toMatchObject({
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
  });

  it('keeps explicit values and a Recreate strategy without rollingUpdate', () => {
    const d = applyDefaults({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' }, spec: { replicas: 0, strategy: { type: 'Recreate' } } });
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('picks pull policies from the tag', () => {
    expect(defaultPullPolicy('nginx')).toBe('Always');
    expect(defaultPullPolicy('nginx:latest')).toBe('Always');
    expect(defaultPullPolicy('nginx:1.27')).toBe('IfNotPresent');
    expect(defaultPullPolicy('registry:5000/app')).toBe('Always');
    expect(defaultPullPolicy('app@sha256:abc')).toBe('IfNotPresent');
  });

  it('defaults StatefulSet, DaemonSet, Service, Secret, Namespace and PVC', () => {
    expect(applyDefaults({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: {}, spec: {} }).spec).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
    });
    expect(applyDefaults({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: {}, spec: {} }).spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    const svc = applyDefaults({ apiVersion: 'v1', kind: 'Service', metadata: {}, spec: { ports: [{ port: 80 }] } });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' });
    expect(svc.spec.ports[0]).toEqual({ port: 80, protocol: 'TCP', targetPort: 80 });
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Secret', metadata: {} }).type).toBe('Opaque');
    expect(applyDefaults({ apiVersion: 'v1', kind: 'Namespace', metadata: {} }).spec).toEqual({ finalizers: ['kubernetes'] });
    expect(applyDefaults({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {}, spec: {} }).spec.volumeMode).toBe('Filesystem');
  });

  it('defaults a Job and generates its selector from the uid', () => {
    const job = applyDefaults({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] } } },
    });
    expect(job.spec).toMatchObject({ backoffLimit: 6, completions: 1, parallelism: 1, completionMode: 'NonIndexed', suspend: false });
    generateJobSelector(job, 'uid-1');
    expect(job.spec.selector).toEqual({ matchLabels: { [JOB_CONTROLLER_UID_LABEL]: 'uid-1' } });
    expect(job.spec.template.metadata.labels).toMatchObject({ [JOB_CONTROLLER_UID_LABEL]: 'uid-1', 'batch.kubernetes.io/job-name': 'j', 'job-name': 'j' });
    const parallel = applyDefaults({ apiVersion: 'batch/v1', kind: 'Job', metadata: {}, spec: { parallelism: 3 } });
    expect(parallel.spec.completions).toBeUndefined();
  });
});
