import { afterEach, describe, expect, it } from 'vitest';
import { condition, deployment, deploymentDone, pods, type Sandbox, sandbox, waitFor } from './harness.ts';

let sb: Sandbox;
afterEach(() => sb?.stop());

describe('deployment controller', () => {
  it('rolls a new deployment out to done with every status field the rollout rules read', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(deployment('web', { replicas: 3 }));
    const done = await waitFor('web done', () => {
      const d = sb.get('Deployment', 'default', 'web');
      return deploymentDone(d) && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d;
    });
    // Assess
    expect(done.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(done.status.unavailableReplicas).toBeUndefined();
    expect(done.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('1');
    expect(condition(done, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(condition(done, 'Progressing')).toMatchObject({ status: 'True', message: expect.stringMatching(/^ReplicaSet "web-[a-z0-9]+" has successfully progressed\.$/) });
    expect(done.status.conditions.map((c: { type: string }) => c.type)).toEqual(['Available', 'Progressing']);
    const [rs, ...others] = sb.list('ReplicaSet', 'default');
    expect(others).toHaveLength(0);
    const hash = rs!.metadata.labels!['pod-template-hash']!;
    expect(rs!.metadata.name).toBe(`web-${hash}`);
    expect(rs!.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs!.metadata.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(rs!.status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    const webPods = pods(sb, 'default', { app: 'web' });
    expect(webPods).toHaveLength(3);
    for (const pod of webPods) {
      expect(pod.metadata.name).toMatch(new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      expect(pod.metadata.ownerReferences![0]).toMatchObject({ kind: 'ReplicaSet', name: rs!.metadata.name, controller: true });
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.podIP).toMatch(/^10\.244\./);
      expect(pod.status.conditions.map((c: { type: string }) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
      expect(pod.status.containerStatuses[0]).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:1.27' });
    }
    const reasons = sb.list('Event', 'default').map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['ScalingReplicaSet', 'SuccessfulCreate', 'Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']));
  });

  it('rolls from v1 to v2: old ReplicaSet scaled to 0, revision 2', async () => {
    // Prepare
    sb = sandbox();
    sb.create(deployment('api', { replicas: 4 }));
    await waitFor('v1 done', () => deploymentDone(sb.get('Deployment', 'default', 'api')));
    const [v1] = sb.list('ReplicaSet', 'default');
    // Act
    sb.update('Deployment', 'default', 'api', (d) => ({ ...d, spec: { ...d.spec, template: { ...d.spec.template, spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }));
    const done = await waitFor('v2 done', () => {
      const d = sb.get('Deployment', 'default', 'api');
      return d?.status?.observedGeneration === 2 && deploymentDone(d) && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' && d;
    });
    // Assess
    expect(done.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    const old = sb.get('ReplicaSet', 'default', v1!.metadata.name!)!;
    expect(old.spec.replicas).toBe(0);
    const v2 = sb.list('ReplicaSet', 'default').find((rs) => rs.metadata.name !== v1!.metadata.name!)!;
    expect(v2.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    expect(v2.spec.replicas).toBe(4);
    await waitFor('old pods gone', () => pods(sb, 'default', { app: 'api' }).every((p) => p.spec.containers[0].image === 'nginx:1.28'));
    const scaling = sb
      .list('Event', 'default')
      .filter((e) => e.reason === 'ScalingReplicaSet')
      .map((e) => e.message);
    expect(scaling.some((m) => m.startsWith(`Scaled down replica set ${v1!.metadata.name}`))).toBe(true);
  });

  it('Recreate scales the old ReplicaSet to zero before the new one comes up', async () => {
    // Prepare
    sb = sandbox();
    sb.create(deployment('batch', { replicas: 2, strategy: { type: 'Recreate' } }));
    await waitFor('v1 done', () => deploymentDone(sb.get('Deployment', 'default', 'batch')));
    let overlap = false;
    const unsubscribe = sb.store.subscribe(() => {
      const images = new Set(pods(sb, 'default', { app: 'batch' }).map((p) => p.spec.containers[0].image));
      if (images.size > 1) overlap = true;
    });
    // Act
    sb.update('Deployment', 'default', 'batch', (d) => ({ ...d, spec: { ...d.spec, template: { ...d.spec.template, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } } } }));
    await waitFor('v2 done', () => {
      const d = sb.get('Deployment', 'default', 'batch');
      return d?.status?.observedGeneration === 2 && deploymentDone(d);
    });
    unsubscribe();
    // Assess
    expect(overlap).toBe(false);
    expect(pods(sb, 'default', { app: 'batch' }).map((p) => p.spec.containers[0].image)).toEqual(['busybox:1.36', 'busybox:1.36']);
  });

  it('a paused deployment does not roll out and says DeploymentPaused', async () => {
    // Prepare
    sb = sandbox();
    sb.create(deployment('held', { replicas: 1 }));
    await waitFor('v1 done', () => deploymentDone(sb.get('Deployment', 'default', 'held')));
    // Act
    sb.update('Deployment', 'default', 'held', (d) => ({ ...d, spec: { ...d.spec, paused: true, template: { ...d.spec.template, spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }));
    const paused = await waitFor('paused condition', () => {
      const d = sb.get('Deployment', 'default', 'held');
      return condition(d, 'Progressing')?.reason === 'DeploymentPaused' && d?.status?.observedGeneration === 2 && d;
    });
    await sb.controllers.settle();
    // Assess
    expect(condition(paused, 'Progressing')).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
    expect(sb.list('ReplicaSet', 'default')).toHaveLength(1);
    // Act: resume
    sb.update('Deployment', 'default', 'held', (d) => ({ ...d, spec: { ...d.spec, paused: false } }));
    await waitFor('resumed rollout done', () => {
      const d = sb.get('Deployment', 'default', 'held');
      return d?.status?.observedGeneration === 3 && deploymentDone(d) && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable';
    });
    expect(sb.list('ReplicaSet', 'default')).toHaveLength(2);
  });

  it('reports ProgressDeadlineExceeded when the image cannot be pulled', async () => {
    // Prepare
    sb = sandbox();
    // Act
    sb.create(deployment('broken', { replicas: 1, image: 'nginx:does-not-exist', progressDeadlineSeconds: 1 }));
    const failed = await waitFor(
      'deadline exceeded',
      () => {
        const d = sb.get('Deployment', 'default', 'broken');
        return condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded' && d;
        // Generous: on a loaded machine the controllers' queue runs late; the deadline itself is 1 s.
      },
      25_000,
    );
    // Assess
    expect(condition(failed, 'Progressing')).toMatchObject({ status: 'False', message: expect.stringMatching(/^ReplicaSet "broken-[a-z0-9]+" has timed out progressing\.$/) });
    expect(condition(failed, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    // The 1 s deadline can pass before the kubelet's first pull attempt on a loaded machine: the pod then gets there after.
    const waitingReason = (): string | undefined => pods(sb, 'default', { app: 'broken' })[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    const reason = await waitFor(
      'the pull failure',
      () => {
        const current = waitingReason();
        return current !== 'ContainerCreating' && current;
      },
      25_000,
    );
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain(reason);
  });

  it('rollback to revision 1 reuses the first ReplicaSet and gives it revision 3', async () => {
    // Prepare
    sb = sandbox();
    sb.create(deployment('undo', { replicas: 2 }));
    await waitFor('v1 done', () => deploymentDone(sb.get('Deployment', 'default', 'undo')));
    const v1 = sb.list('ReplicaSet', 'default')[0]!;
    const template1 = structuredClone(sb.get('Deployment', 'default', 'undo')!.spec.template);
    sb.update('Deployment', 'default', 'undo', (d) => ({ ...d, spec: { ...d.spec, template: { ...d.spec.template, spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }));
    await waitFor('v2 done', () => {
      const d = sb.get('Deployment', 'default', 'undo');
      return d?.status?.observedGeneration === 2 && deploymentDone(d);
    });
    // Act: what `kubectl rollout undo` does — patch the template back
    sb.update('Deployment', 'default', 'undo', (d) => ({ ...d, spec: { ...d.spec, template: template1 } }));
    const done = await waitFor('rollback done', () => {
      const d = sb.get('Deployment', 'default', 'undo');
      return d?.status?.observedGeneration === 3 && deploymentDone(d) && d.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' && d;
    });
    // Assess
    expect(done.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    const rss = sb.list('ReplicaSet', 'default');
    expect(rss).toHaveLength(2);
    const reused = sb.get('ReplicaSet', 'default', v1.metadata.name!)!;
    expect(reused.spec.replicas).toBe(2);
    expect(reused.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    expect(reused.metadata.annotations!['deployment.kubernetes.io/revision-history']).toBe('1');
  });

  it('scaling changes only the replica count and keeps the revision', async () => {
    // Prepare
    sb = sandbox();
    sb.create(deployment('scale', { replicas: 1 }));
    await waitFor('done', () => deploymentDone(sb.get('Deployment', 'default', 'scale')));
    // Act
    sb.update('Deployment', 'default', 'scale', (d) => ({ ...d, spec: { ...d.spec, replicas: 5 } }));
    const done = await waitFor('scaled', () => {
      const d = sb.get('Deployment', 'default', 'scale');
      return d?.status?.availableReplicas === 5 && deploymentDone(d) && d;
    });
    // Assess
    expect(done.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('1');
    expect(sb.list('ReplicaSet', 'default')[0]!.metadata.annotations!['deployment.kubernetes.io/desired-replicas']).toBe('5');
  });

  it('prunes ReplicaSets beyond revisionHistoryLimit', async () => {
    // Prepare
    sb = sandbox();
    const d = deployment('hist', { replicas: 1 });
    d.spec.revisionHistoryLimit = 1;
    sb.create(d);
    // Act
    for (const tag of ['1.1', '1.2', '1.3']) {
      await waitFor('done', () => deploymentDone(sb.get('Deployment', 'default', 'hist')));
      sb.update('Deployment', 'default', 'hist', (o) => ({ ...o, spec: { ...o.spec, template: { ...o.spec.template, spec: { containers: [{ name: 'app', image: `nginx:${tag}` }] } } } }));
    }
    await waitFor('last done', () => {
      const o = sb.get('Deployment', 'default', 'hist');
      return o?.status?.observedGeneration === 4 && deploymentDone(o);
    });
    // Assess
    await waitFor('history pruned to one old set', () => sb.list('ReplicaSet', 'default').length === 2);
    expect(sb.get('Deployment', 'default', 'hist')!.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('4');
  });
});
