import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../local/sandbox/types.ts';
import { condition, pods, type Sandbox, sandbox, waitFor } from './harness.ts';

let sb: Sandbox;
afterEach(() => sb?.stop());

function template(app: string, image = 'nginx:1.27', extra: Record<string, unknown> = {}) {
  return { metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image }], ...extra } };
}

function statefulSet(name: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: 'default' },
    spec: { replicas, serviceName: name, selector: { matchLabels: { app: name } }, template: template(name), ...extra },
  };
}

function stsDone(s: KubeObject | undefined): boolean {
  const st = s?.status;
  if (!st?.observedGeneration || st.observedGeneration < s!.metadata.generation!) return false;
  return (st.readyReplicas ?? 0) >= s!.spec.replicas && st.updateRevision === st.currentRevision;
}

describe('statefulset controller', () => {
  it('creates pods in order, each after its predecessor is ready, with PVCs', async () => {
    // Prepare
    sb = sandbox();
    const order: string[] = [];
    sb.store.subscribe((e) => {
      if (e.type === 'ADDED' && e.resource === '/pods') order.push(e.object.metadata.name!);
    });
    // Act
    sb.create(statefulSet('db', 3, { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }));
    const done = await waitFor('db done', () => {
      const s = sb.get('StatefulSet', 'default', 'db');
      return stsDone(s) && s;
    });
    // Assess
    expect(order).toEqual(['db-0', 'db-1', 'db-2']);
    expect(done.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(done.status.currentRevision).toMatch(/^db-[a-z0-9]+$/);
    const pod0 = sb.get('Pod', 'default', 'db-0')!;
    expect(pod0.metadata.labels!['controller-revision-hash']).toBe(done.status.currentRevision);
    expect(pod0.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }]);
    await waitFor('PVCs bound', () => ['data-db-0', 'data-db-1', 'data-db-2'].every((n) => sb.get('PersistentVolumeClaim', 'default', n)?.status?.phase === 'Bound'));
    expect(sb.list('ControllerRevision', 'default')).toHaveLength(1);
  });

  it('rolling update replaces pods from the highest ordinal and then moves currentRevision', async () => {
    // Prepare
    sb = sandbox();
    sb.create(statefulSet('cache', 2));
    const v1 = await waitFor('v1', () => {
      const s = sb.get('StatefulSet', 'default', 'cache');
      return stsDone(s) && s;
    });
    // Act
    sb.update('StatefulSet', 'default', 'cache', (s) => ({ ...s, spec: { ...s.spec, template: template('cache', 'nginx:1.28') } }));
    const v2 = await waitFor('v2', () => {
      const s = sb.get('StatefulSet', 'default', 'cache');
      return s?.status?.observedGeneration === 2 && stsDone(s) && s;
    });
    // Assess
    expect(v2.status.currentRevision).not.toBe(v1.status.currentRevision);
    expect(v2.status.updatedReplicas).toBe(2);
    expect(pods(sb, 'default', { app: 'cache' }).map((p) => p.spec.containers[0].image)).toEqual(['nginx:1.28', 'nginx:1.28']);
    const deletes = sb
      .list('Event', 'default')
      .filter((e) => e.reason === 'SuccessfulDelete')
      .map((e) => e.message);
    expect(deletes[0]).toBe('delete Pod cache-1 in StatefulSet cache successful');
  });
});

describe('daemonset controller', () => {
  it('runs one pod on each of the three nodes', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } });
    const ds = await waitFor('agent available', () => {
      const o = sb.get('DaemonSet', 'default', 'agent');
      return o?.status?.numberAvailable === 3 && o?.status?.updatedNumberScheduled === 3 && o;
    });
    // Assess
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 3, numberMisscheduled: 0, observedGeneration: 1 });
    const nodes = pods(sb, 'default', { app: 'agent' })
      .map((p) => p.spec.nodeName)
      .sort();
    expect(nodes).toEqual(['sandbox-node-1', 'sandbox-node-2', 'sandbox-node-3']);
  });
});

describe('job controller', () => {
  function job(name: string, command: string[], extra: Record<string, unknown> = {}): KubeObject {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'default' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36', command }] } }, ...extra },
    };
  }

  it('completes after `completions` pods succeed', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(job('migrate', ['sh', '-c', 'echo ok'], { completions: 3, parallelism: 2 }));
    const done = await waitFor('Complete', () => {
      const j = sb.get('Job', 'default', 'migrate');
      return condition(j, 'Complete')?.status === 'True' && j;
    });
    // Assess
    expect(done.status.conditions.map((c: { type: string }) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(done.status).toMatchObject({ succeeded: 3, ready: 0 });
    expect(done.status.active).toBeUndefined();
    expect(done.status.startTime).toBeDefined();
    expect(done.status.completionTime).toBeDefined();
    expect(sb.list('Event', 'default').some((e) => e.reason === 'Completed' && e.message === 'Job completed')).toBe(true);
  });

  it('fails with BackoffLimitExceeded', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(job('doomed', ['sh', '-c', 'exit 2'], { backoffLimit: 1 }));
    const failed = await waitFor('Failed', () => {
      const j = sb.get('Job', 'default', 'doomed');
      return condition(j, 'Failed')?.status === 'True' && j;
    });
    // Assess
    expect(condition(failed, 'Failed')).toMatchObject({ reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(condition(failed, 'FailureTarget')?.status).toBe('True');
    expect(failed.status.failed).toBe(2);
    expect(sb.list('Event', 'default').some((e) => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning')).toBe(true);
  });

  it('a suspended job runs no pods', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(job('later', ['sh', '-c', 'echo ok'], { suspend: true }));
    const suspended = await waitFor('Suspended', () => {
      const j = sb.get('Job', 'default', 'later');
      return condition(j, 'Suspended')?.status === 'True' && j;
    });
    // Assess
    expect(condition(suspended, 'Suspended')?.reason).toBe('JobSuspended');
    expect(pods(sb, 'default', { 'job-name': 'later' })).toHaveLength(0);
  });
});
