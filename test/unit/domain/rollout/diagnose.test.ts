import { describe, expect, it } from 'vitest';
import { diagnose, explain } from '#domain/rollout/diagnose.ts';
import { healthOf } from '#domain/rollout/rules.ts';
import { condition, deployment, pod, replicaSet, waiting } from './fixtures.ts';

const stuck = deployment({}, { updatedReplicas: 3, availableReplicas: 1 });
const replicaSets = [replicaSet('web-old', '1'), replicaSet('web-new', '2', { availableReplicas: 1 })];

describe('diagnose', () => {
  it('names the pod, container, reason and message of an image pull failure', () => {
    const pods = [pod('web-new-a'), pod('web-new-b', { phase: 'Pending', ready: false, containers: [waiting('web', 'ImagePullBackOff', 'Back-off pulling image "nginx:does-not-exist"')] })];
    const diagnosis = diagnose(stuck, pods, replicaSets);
    expect(diagnosis).toEqual({
      subject: 'pod web-new-b',
      container: 'web',
      reason: 'ImagePullBackOff',
      message: 'Back-off pulling image "nginx:does-not-exist"',
      summary: 'pod web-new-b container web: ImagePullBackOff: Back-off pulling image "nginx:does-not-exist"',
    });
  });

  it('includes restart count and last exit for CrashLoopBackOff, preferring the pod that restarted most', () => {
    const lastState = { terminated: { reason: 'Error', exitCode: 1 } };
    const pods = [
      pod('web-new-a', { ready: false, containers: [waiting('web', 'CrashLoopBackOff', 'back-off 20s restarting failed container', 2, lastState)] }),
      pod('web-new-b', { ready: false, containers: [waiting('web', 'CrashLoopBackOff', 'back-off 40s restarting failed container', 4, lastState)] }),
    ];
    expect(diagnose(stuck, pods, replicaSets)?.summary).toBe('pod web-new-b container web: CrashLoopBackOff: back-off 40s restarting failed container (restarts: 4; last exit: Error, exit code 1)');
  });

  it('prefers a failing container over an unready one, worst first', () => {
    const pods = [
      pod('web-new-a', { ready: false }),
      pod('web-new-b', { phase: 'Pending', ready: false, containers: [waiting('web', 'CreateContainerConfigError', 'configmap "web-cfg-7" not found')] }),
    ];
    expect(diagnose(stuck, pods, replicaSets)?.reason).toBe('CreateContainerConfigError');
  });

  it('lists unready containers with restart counts for readiness failures', () => {
    const pods = [
      pod('web-new-a', {
        ready: false,
        containers: [
          { name: 'web', ready: false, restartCount: 1, state: { running: {} } },
          { name: 'proxy', ready: true, restartCount: 0, state: { running: {} } },
        ],
      }),
    ];
    expect(diagnose(stuck, pods, replicaSets)?.summary).toBe('pod web-new-a: ContainersNotReady: running but not ready: web (restarts: 1)');
  });

  it('reports an unschedulable pod with the scheduler message', () => {
    const pending = pod('web-new-a', {
      phase: 'Pending',
      ready: false,
      containers: [],
      status: { conditions: [condition('PodScheduled', 'False', 'Unschedulable', '0/3 nodes are available: 3 Insufficient cpu.')] },
    });
    expect(diagnose(stuck, [pending], replicaSets)?.summary).toBe('pod web-new-a: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.');
  });

  it('looks only at pods of the newest ReplicaSet', () => {
    const pods = [
      pod('web-old-a', { owner: 'web-old', ready: false, containers: [waiting('web', 'CrashLoopBackOff', 'old trouble', 9)] }),
      pod('web-new-a', { ready: false, containers: [waiting('web', 'ErrImagePull', 'manifest unknown')] }),
    ];
    expect(diagnose(stuck, pods, replicaSets)?.subject).toBe('pod web-new-a');
  });

  it('blames the ReplicaSet when it cannot create pods', () => {
    const failing = replicaSet('web-new', '2', { availableReplicas: 0, conditions: [condition('ReplicaFailure', 'True', 'FailedCreate', 'exceeded quota: compute')] });
    expect(diagnose(stuck, [], [replicaSet('web-old', '1'), failing])?.summary).toBe('replicaset web-new: FailedCreate: exceeded quota: compute');
  });

  it('finds nothing when every pod is fine', () => {
    expect(diagnose(stuck, [pod('web-new-a'), pod('web-new-b')], replicaSets)).toBeUndefined();
  });
});

describe('explain', () => {
  it('appends the diagnosis to a stuck workload message', () => {
    const failed = deployment({}, { conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-new" has timed out progressing.')] });
    const diagnosis = diagnose(failed, [pod('web-new-a', { phase: 'Pending', ready: false, containers: [waiting('web', 'ImagePullBackOff', 'Back-off pulling image "nginx:nope"')] })], replicaSets);
    expect(explain(healthOf(failed), diagnosis).message).toBe(
      'Deployment/web: ProgressDeadlineExceeded: ReplicaSet "web-new" has timed out progressing. pod web-new-a container web: ImagePullBackOff: Back-off pulling image "nginx:nope"',
    );
  });

  it('leaves a Healthy object alone', () => {
    const health = healthOf(deployment());
    expect(explain(health, { subject: 'pod x', reason: 'R', summary: 'pod x: R' })).toBe(health);
  });
});
