/**
 * check-rollout quotes the kubelet's probe failure for a pod that runs but is not ready: it
 * reads that pod's Events (and no other pod's), quotes the newest Unhealthy one redacted, and
 * says what it said before when there is none or the read fails.
 */
import { describe, expect, it } from 'vitest';
import { applyStep, checkRollout } from '#domain/engine/apply-step.ts';
import { ClusterAccessError } from '#domain/errors.ts';
import { FakeCluster } from '#domain/fake-cluster.ts';
import type { Manifest } from '#domain/model.ts';
import { deployment, invocation, NS, recorder, request, rolling, SECRET, WEB } from './support.ts';

const NOT_READY = 'web-1-notready';
const PULLING = 'web-1-pulling';
const PROBE_MESSAGE = `Readiness probe failed: HTTP probe failed with statuscode: 503 (token ${SECRET})`;

const runningNotReady = (name: string): Manifest => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels: { app: 'web' } },
  spec: { containers: [{ name: 'app' }] },
  status: {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
    containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { running: {} } }],
  },
});

const unhealthy = (name: string, pod: string, message: string, lastTimestamp: string): Manifest => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: NS },
  involvedObject: { kind: 'Pod', name: pod, namespace: NS, fieldPath: 'spec.containers{app}' },
  type: 'Warning',
  reason: 'Unhealthy',
  message,
  lastTimestamp,
});

/** A Deployment past its progress deadline with one pod running but not ready: one check settles it. */
async function stuckRollout(): Promise<{ cluster: FakeCluster; next: ReturnType<typeof invocation>; req: ReturnType<typeof request> }> {
  const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
  const req = request([deployment('web', 1)]);
  const applied = await applyStep(req, cluster, () => {});
  cluster.setStatus(WEB, {
    ...rolling(1, 0),
    conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }],
  });
  cluster.put(runningNotReady(NOT_READY));
  return { cluster, next: invocation(applied.state, cluster), req };
}

describe('checkRollout: probe failures of pods that run but are not ready', () => {
  it('quotes the newest Unhealthy event of the pod, redacted, reading only that pod’s Events', async () => {
    // Prepare
    const { cluster, next, req } = await stuckRollout();
    cluster.put(unhealthy('e-old', NOT_READY, 'Readiness probe failed: connection refused', '2026-01-01T10:00:00Z'));
    cluster.put(unhealthy('e-new', NOT_READY, PROBE_MESSAGE, '2026-01-01T10:00:30Z'));
    cluster.put({ ...unhealthy('e-other', 'web-0-gone', 'Readiness probe failed: other pod', '2026-01-01T10:01:00Z') });
    const { events, onEvent } = recorder();

    // Act
    const state = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 5, onEvent });

    // Assess
    expect(state.state).toBe('failed');
    expect(state.failure?.message).toContain(`pod ${NOT_READY} container app: ContainersNotReady: running but not ready (Readiness probe failed: HTTP probe failed with statuscode: 503 (token ***))`);
    expect(next.cluster.callsOf('events')).toEqual([{ apiVersion: 'v1', kind: 'Pod', namespace: NS, name: NOT_READY }]);
    expect(JSON.stringify({ state, events })).not.toContain(SECRET);
  });

  it('says what it said before when the pod has no Unhealthy event', async () => {
    // Prepare
    const { cluster, next, req } = await stuckRollout();
    cluster.put({ ...unhealthy('e-pulled', NOT_READY, 'Successfully pulled image', '2026-01-01T10:00:00Z'), type: 'Normal', reason: 'Pulled' });

    // Act
    const state = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 5, onEvent: () => {} });

    // Assess
    expect(state.state).toBe('failed');
    expect(state.failure?.message).toContain(`pod ${NOT_READY}: ContainersNotReady: running but not ready: app (restarts: 0)`);
    expect(next.cluster.callsOf('events')).toHaveLength(1);
  });

  it('says what it said before, and does not fail the check, when the account may not list events', async () => {
    // Prepare
    const { cluster, next, req } = await stuckRollout();
    cluster.put(unhealthy('e-new', NOT_READY, PROBE_MESSAGE, '2026-01-01T10:00:30Z'));
    next.cluster.failures.push({ verb: 'events', error: new ClusterAccessError('events is forbidden: cannot list resource "events"', 403) });

    // Act
    const state = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 5, onEvent: () => {} });

    // Assess
    expect(state.state).toBe('failed');
    expect(state.failure).toMatchObject({ ref: WEB, reason: 'ProgressDeadlineExceeded' });
    expect(state.failure?.message).toContain(`pod ${NOT_READY}: ContainersNotReady: running but not ready: app (restarts: 0)`);
  });

  it('reads no Events when the pod the diagnosis names is not the running-but-not-ready one', async () => {
    // Prepare
    const { cluster, next, req } = await stuckRollout();
    cluster.put({
      ...runningNotReady(PULLING),
      status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }] },
    });

    // Act
    const state = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 5, onEvent: () => {} });

    // Assess
    expect(state.failure?.message).toContain(`pod ${PULLING} container app: ImagePullBackOff`);
    expect(next.cluster.callsOf('events')).toEqual([]);
  });
});
