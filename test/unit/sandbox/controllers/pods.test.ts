import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../local/sandbox/types.ts';
import { condition, type Sandbox, sandbox, waitFor } from './harness.ts';

let sb: Sandbox;
afterEach(() => sb?.stop());

function pod(name: string, container: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', ...container }], ...extra } };
}

const waiting = (p: KubeObject | undefined) => p?.status?.containerStatuses?.[0]?.state?.waiting?.reason;

describe('pod lifecycle', () => {
  it('an unpullable image alternates ErrImagePull and ImagePullBackOff and never becomes Ready', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(pod('pull', { image: 'registry.invalid/app:1' }));
    await waitFor('ErrImagePull', () => waiting(sb.get('Pod', 'default', 'pull')) === 'ErrImagePull');
    await waitFor('ImagePullBackOff', () => waiting(sb.get('Pod', 'default', 'pull')) === 'ImagePullBackOff');
    await waitFor('ErrImagePull again', () => waiting(sb.get('Pod', 'default', 'pull')) === 'ErrImagePull');
    // Assess
    const p = sb.get('Pod', 'default', 'pull')!;
    expect(p.status.phase).toBe('Pending');
    expect(condition(p, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    const reasons = sb
      .list('Event', 'default')
      .filter((e) => e.involvedObject.name === 'pull')
      .map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Scheduled', 'Pulling', 'Failed', 'BackOff']));
    sb.create(pod('tag', { image: 'nginx:does-not-exist' }));
    await waitFor('tag ErrImagePull', () => waiting(sb.get('Pod', 'default', 'tag')) === 'ErrImagePull');
  });

  it('a container that exits non-zero goes into CrashLoopBackOff with growing restartCount', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(pod('crash', { command: ['sh', '-c', 'echo boom; exit 3'] }));
    const crashing = await waitFor('CrashLoopBackOff with 2 restarts', () => {
      const p = sb.get('Pod', 'default', 'crash');
      return waiting(p) === 'CrashLoopBackOff' && p!.status.containerStatuses[0].restartCount >= 2 && p;
    });
    // Assess
    const cs = crashing.status.containerStatuses[0];
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(crashing.status.phase).toBe('Running');
    expect(condition(crashing, 'Ready')?.status).toBe('False');
    expect(sb.list('Event', 'default').some((e) => e.reason === 'BackOff' && e.message.startsWith('Back-off restarting failed container main'))).toBe(true);
  });

  it('a failing readiness probe keeps the pod Running but never Ready', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(pod('probe', { readinessProbe: { exec: { command: ['/bin/check-health'] } } }));
    const unhealthy = await waitFor('Unhealthy event', () => sb.list('Event', 'default').find((e) => e.reason === 'Unhealthy'));
    // Assess
    const p = sb.get('Pod', 'default', 'probe')!;
    expect(p.status.phase).toBe('Running');
    expect(p.status.containerStatuses[0]).toMatchObject({ ready: false, started: true });
    expect(condition(p, 'Ready')?.status).toBe('False');
    expect(unhealthy.type).toBe('Warning');
  });

  it('honours the ready-after annotation and runs init containers first', async () => {
    // Prepare
    sb = sandbox();
    const p = pod('slow', {}, { initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'echo setup'] }] });
    p.metadata.annotations = { 'sandbox.conveyor.dev/ready-after-ms': '300' };
    // Act
    sb.create(p);
    const running = await waitFor('running', () => {
      const o = sb.get('Pod', 'default', 'slow');
      return o?.status?.phase === 'Running' && o;
    });
    // Assess
    expect(running.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(condition(running, 'Initialized')?.status).toBe('True');
    expect(condition(running, 'Ready')?.status).toBe('False');
    await waitFor('ready', () => condition(sb.get('Pod', 'default', 'slow'), 'Ready')?.status === 'True');
  });

  it('restartPolicy Never: exit 0 → Succeeded, non-zero → Failed', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(pod('ok', { command: ['sh', '-c', 'echo done'] }, { restartPolicy: 'Never' }));
    sb.create(pod('bad', { command: ['false'] }, { restartPolicy: 'Never' }));
    // Assess
    await waitFor('ok Succeeded', () => sb.get('Pod', 'default', 'ok')?.status?.phase === 'Succeeded');
    const bad = await waitFor('bad Failed', () => {
      const o = sb.get('Pod', 'default', 'bad');
      return o?.status?.phase === 'Failed' && o;
    });
    expect(bad.status.containerStatuses[0].state.terminated.exitCode).toBe(1);
    expect(condition(bad, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });
});
