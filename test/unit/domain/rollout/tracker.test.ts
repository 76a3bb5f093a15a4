import { describe, expect, it } from 'vitest';
import { RolloutTracker } from '#domain/rollout/tracker.ts';
import { condition, deployment, live, pod, replicaSet, waiting } from './fixtures.ts';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const WEB = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' };
const CONFIG = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'web-config' };
const rolling = () => deployment({}, { updatedReplicas: 1, availableReplicas: 0, replicas: 4 });

describe('RolloutTracker', () => {
  it('is progressing until every object is done, then done', () => {
    // Prepare
    const tracker = new RolloutTracker([WEB, CONFIG], { timeoutMs: 300_000, now: T0 });
    // Act / Assess
    expect(tracker.evaluate(at(1))).toMatchObject({ state: 'progressing', objects: [{ reason: 'AwaitingStatus' }, { reason: 'AwaitingStatus' }] });
    tracker.update(live('v1', 'ConfigMap', 'web-config'));
    tracker.update(rolling());
    expect(tracker.evaluate(at(2)).state).toBe('progressing');
    tracker.update(deployment());
    const result = tracker.evaluate(at(3));
    expect(result.state).toBe('done');
    expect(result.objects.map((o) => o.status)).toEqual(['Healthy', 'Healthy']);
  });

  it('fails on the first Degraded object, with the stuck pod in the message', () => {
    const tracker = new RolloutTracker([WEB], { timeoutMs: 300_000, now: T0 });
    tracker.update(deployment({}, { availableReplicas: 0, conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-new" has timed out progressing.')] }));
    tracker.pods(WEB, [pod('web-new-a', { phase: 'Pending', ready: false, containers: [waiting('web', 'ImagePullBackOff', 'Back-off pulling image "nginx:nope"')] })], [replicaSet('web-new', '2')]);
    const result = tracker.evaluate(at(30));
    expect(result.state).toBe('failed');
    expect(result.failure).toMatchObject({ ref: WEB, status: 'Degraded', reason: 'ProgressDeadlineExceeded' });
    expect(result.failure?.message).toBe(
      'Deployment/web: ProgressDeadlineExceeded: ReplicaSet "web-new" has timed out progressing. pod web-new-a container web: ImagePullBackOff: Back-off pulling image "nginx:nope"',
    );
  });

  it('latches Healthy: later scaling (new generation, same revision) or restarts do not fail the step', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', namespace: 'shop', name: 'migrate' };
    const tracker = new RolloutTracker([WEB, job], { timeoutMs: 300_000, now: T0, waitForJobs: true });
    tracker.update(live('batch/v1', 'Job', 'migrate', { spec: {}, status: { active: 1 } }));
    tracker.update(deployment());
    expect(tracker.evaluate(at(10)).objects[0]?.status).toBe('Healthy');

    // An autoscaler scales up (generation 3) and the new pods never become available.
    tracker.update(
      deployment(
        { replicas: 6 },
        { observedGeneration: 3, replicas: 6, updatedReplicas: 6, availableReplicas: 3, conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'timed out')] },
        { generation: 3 },
      ),
    );
    const result = tracker.evaluate(at(20));
    expect(result.state).toBe('progressing');
    expect(result.objects[0]).toMatchObject({ status: 'Healthy', reason: 'RolloutDone' });
  });

  it('does not latch across a new rollout (new revision)', () => {
    const tracker = new RolloutTracker([WEB], { timeoutMs: 300_000, now: T0 });
    tracker.update(deployment());
    tracker.evaluate(at(1));
    tracker.update(
      deployment(
        {},
        { observedGeneration: 3, conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'timed out')] },
        { generation: 3, annotations: { 'deployment.kubernetes.io/revision': '3' } },
      ),
    );
    expect(tracker.evaluate(at(2)).state).toBe('failed');
  });

  it('does not latch an object that was never Healthy', () => {
    const tracker = new RolloutTracker([WEB], { timeoutMs: 300_000, now: T0 });
    tracker.update(rolling());
    tracker.evaluate(at(1));
    tracker.update(deployment({}, { conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'timed out')] }));
    expect(tracker.evaluate(at(2)).state).toBe('failed');
  });

  it('times out at the step deadline, naming the worst unfinished object and its last status', () => {
    const tracker = new RolloutTracker([CONFIG, WEB], { timeoutMs: 120_000, now: T0 });
    tracker.update(live('v1', 'ConfigMap', 'web-config'));
    tracker.update(deployment({}, { availableReplicas: 2 }));
    expect(tracker.evaluate(at(119)).state).toBe('progressing');
    const result = tracker.evaluate(at(120));
    expect(result.state).toBe('timeout');
    expect(result.failure).toEqual({
      ref: WEB,
      status: 'Progressing',
      reason: 'Timeout',
      message: 'Deployment/web: Timeout: step timed out after 120s; last status Progressing: 2 of 3 updated replicas are available',
    });
    expect(tracker.deadline).toEqual(at(120));
  });

  it('reports done rather than timeout when everything finished by the deadline', () => {
    const tracker = new RolloutTracker([WEB], { timeoutMs: 60_000, now: T0 });
    tracker.update(deployment());
    expect(tracker.evaluate(at(600)).state).toBe('done');
  });

  it('backs up progressDeadlineSeconds when the controller stays silent, measured from the last status change', () => {
    const tracker = new RolloutTracker([WEB], { timeoutMs: 3_600_000, now: T0 });
    tracker.update(deployment({ progressDeadlineSeconds: 60 }, { availableReplicas: 1 }));
    expect(tracker.evaluate(at(50)).state).toBe('progressing');
    tracker.update(deployment({ progressDeadlineSeconds: 60 }, { availableReplicas: 2 }));
    expect(tracker.evaluate(at(70)).state).toBe('progressing'); // progress at t=70 restarts the clock
    expect(tracker.evaluate(at(140)).state).toBe('progressing'); // 70s without progress, within the grace
    const result = tracker.evaluate(at(146));
    expect(result.state).toBe('failed');
    expect(result.failure?.reason).toBe('ProgressDeadlineExceeded');
    expect(result.failure?.message).toMatch(/^Deployment\/web: ProgressDeadlineExceeded: no progress for 60s/);
  });

  it('does not apply the progress deadline to a paused Deployment', () => {
    const tracker = new RolloutTracker([WEB], { timeoutMs: 3_600_000, now: T0 });
    tracker.update(deployment({ paused: true, progressDeadlineSeconds: 60 }, { availableReplicas: 1 }));
    expect(tracker.evaluate(at(1000))).toMatchObject({ state: 'progressing', objects: [{ status: 'Suspended' }] });
  });

  it('reports an applied object that disappeared as Missing', () => {
    const tracker = new RolloutTracker([WEB], { timeoutMs: 60_000, now: T0 });
    tracker.update(rolling());
    tracker.missing(WEB);
    expect(tracker.evaluate(at(1)).objects[0]).toMatchObject({ status: 'Missing' });
    expect(tracker.evaluate(at(60)).failure).toMatchObject({ status: 'Missing', reason: 'Timeout' });
  });

  it('ignores objects it does not track', () => {
    const tracker = new RolloutTracker([WEB], { timeoutMs: 60_000, now: T0 });
    expect(tracker.update(live('v1', 'ConfigMap', 'other'))).toBe(false);
    expect(tracker.pods(CONFIG, [])).toBe(false);
    expect(tracker.evaluate(at(1)).objects).toHaveLength(1);
  });

  describe('snapshot and restore (a later invocation goes on)', () => {
    it('round-trips through JSON and keeps the latch: done is not health forever across invocations', () => {
      // Prepare
      const first = new RolloutTracker([WEB, CONFIG], { timeoutMs: 300_000, now: T0 });
      first.update(deployment());
      first.evaluate(at(10));
      const memory = JSON.parse(JSON.stringify(first.snapshot()));

      // Act: a new tracker sees the Deployment scaled (new generation, same revision) and stuck.
      const later = RolloutTracker.restore(memory, { timeoutMs: 300_000, now: T0 });
      later.update(
        deployment(
          { replicas: 6 },
          { observedGeneration: 3, replicas: 6, updatedReplicas: 6, availableReplicas: 3, conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'timed out')] },
          { generation: 3 },
        ),
      );
      const fresh = new RolloutTracker([WEB, CONFIG], { timeoutMs: 300_000, now: T0 });
      fresh.update(
        deployment(
          { replicas: 6 },
          { observedGeneration: 3, replicas: 6, updatedReplicas: 6, availableReplicas: 3, conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'timed out')] },
          { generation: 3 },
        ),
      );

      // Assess
      expect(memory).toEqual([{ ref: WEB, latched: 'revision:2' }, { ref: CONFIG }]);
      expect(later.evaluate(at(20)).objects[0]).toMatchObject({ status: 'Healthy', reason: 'RolloutDone' });
      expect(fresh.evaluate(at(20)).state).toBe('failed');
      expect(later.snapshot()).toEqual(memory);
    });

    it('keeps the progress clock: the backup deadline counts from the last change seen by any invocation', () => {
      // Prepare
      const options = { timeoutMs: 3_600_000, now: T0 };
      const first = new RolloutTracker([WEB], options);
      first.update(deployment({ progressDeadlineSeconds: 60 }, { availableReplicas: 1 }));
      first.evaluate(at(50));
      const memory = JSON.parse(JSON.stringify(first.snapshot()));

      // Act
      const later = RolloutTracker.restore(memory, options);
      later.update(deployment({ progressDeadlineSeconds: 60 }, { availableReplicas: 1 }));

      // Assess: measured from T0 (the step's start), not from the restore.
      expect(memory[0].progress).toEqual({ fingerprint: expect.any(String), sinceMs: T0.getTime() });
      expect(later.evaluate(at(74)).state).toBe('progressing');
      expect(later.evaluate(at(76)).failure?.reason).toBe('ProgressDeadlineExceeded');
    });

    it("says when the verdict could next change by itself: a silent Deployment's deadline, else the step's", () => {
      // Prepare
      const tracker = new RolloutTracker([WEB], { timeoutMs: 600_000, now: T0 });
      tracker.update(deployment({ progressDeadlineSeconds: 60 }, { availableReplicas: 1 }));
      tracker.evaluate(at(1));

      // Act / Assess: 60 s + the 15 s grace from T0; once past, the step deadline.
      expect(tracker.wakeAt(at(1))).toEqual(at(75));
      expect(tracker.wakeAt(at(80))).toEqual(at(600));
    });
  });
});
