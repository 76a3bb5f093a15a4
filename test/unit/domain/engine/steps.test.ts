/**
 * The engine's one-shot steps on their own, against the FakeCluster: the apply step returns a
 * state and never waits; check-rollout reads once, watches at most `watchSeconds`, returns
 * early on a change that settles it, ends at the deadline, and goes on from the state's
 * memory in a later invocation (a new client, the state through JSON).
 */
import { describe, expect, it } from 'vitest';
import { applyStep, checkRollout, finalize } from '#domain/engine/apply-step.ts';
import { ClusterUnavailableError, ObjectRejectedError, ObjectsRejectedError, PartialApplyError } from '#domain/errors.ts';
import { FakeCluster } from '#domain/fake-cluster.ts';
import { rejection } from '../../../support/assertions.ts';
import { configMaps, deployment, healthOf, invocation, NS, PAYMENT, recorder, request, rolling, SECRET, WEB } from './support.ts';

const TIMEOUT_MS = 60_000;

describe('applyStep', () => {
  it('applies and returns a progressing state that tracks what was applied, without reading the rollout', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
    const { events, onEvent } = recorder();
    const before = Date.now();

    // Act
    const { state, rendered } = await applyStep(request([configMaps('settings'), deployment('web')]), cluster, onEvent);

    // Assess
    expect(state.state).toBe('progressing');
    expect(state.objects.map((o) => `${o.ref.kind}/${o.ref.name} ${o.outcome}`)).toEqual(['ConfigMap/settings created', 'Deployment/web created']);
    expect(state.rollout?.tracked).toEqual([{ object: 0 }, { object: 1 }]);
    expect(state.deadline.budgetMs).toBe(TIMEOUT_MS);
    expect(state.deadline.at).toBeGreaterThanOrEqual(before + TIMEOUT_MS);
    expect(cluster.callsOf('watch')).toEqual([]);
    expect(cluster.callsOf('get').map((r) => r.kind)).toEqual(['Namespace']);
    expect(events.some((e) => e.type === 'health')).toBe(false);
    expect(rendered).toHaveLength(2);
    expect(JSON.stringify(state)).not.toContain(SECRET);
  });

  it('returns applied when the caller does not wait, and validated on a dry run', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS] });

    // Act
    const applied = await applyStep(request([configMaps('a')], { wait: false }), cluster, () => {});
    const validated = await applyStep(request([configMaps('b')], { dryRun: true }), cluster, () => {});

    // Assess
    expect(applied.state).toMatchObject({ state: 'applied', plans: [] });
    expect(applied.state.rollout).toBeUndefined();
    expect(validated.state).toMatchObject({ state: 'validated', objects: [{ ref: { name: 'b' }, outcome: 'validated' }] });
    expect(cluster.objects.has('/ConfigMap/shop/b')).toBe(false);
  });

  it('names what was applied and what not when the cluster answers 5xx in the middle', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS] });
    cluster.failures.push({ verb: 'apply', name: 'b', error: new ClusterUnavailableError('the API server answered 503') });

    // Act
    const error = await rejection(applyStep(request([configMaps('a', 'b', 'c')]), cluster, () => {}));

    // Assess
    expect(error).toBeInstanceOf(PartialApplyError);
    const partial = error as PartialApplyError;
    expect(partial.category).toBe('unavailable');
    expect(partial.applied.map((r) => r.name)).toEqual(['a']);
    expect(partial.notApplied.map((r) => r.name)).toEqual(['b', 'c']);
  });

  it('deletes a namespace it created when the objects in it are rejected', async () => {
    // Prepare
    const cluster = new FakeCluster();
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'a' };
    cluster.failures.push({ verb: 'dry-run', name: 'a', error: new ObjectRejectedError(ref, `data.password: Invalid value: "${SECRET}"`, 422) });

    // Act
    const error = await rejection(applyStep(request([configMaps('a')]), cluster, () => {}));

    // Assess
    expect(error).toBeInstanceOf(ObjectsRejectedError);
    expect(error.message).not.toContain(SECRET);
    expect(cluster.callsOf('ensureNamespace').map((r) => r.name)).toEqual([NS]);
    expect(cluster.callsOf('delete').map((r) => r.name)).toEqual([NS]);
    expect(cluster.objects.size).toBe(0);
  });
});

describe('checkRollout', () => {
  it('returns done from its one read when everything is done, without watching; one list for many objects of a kind', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS] });
    const req = request([configMaps('a', 'b', 'c'), deployment('web')]);
    const applied = await applyStep(req, cluster, () => {});
    const next = invocation(applied.state, cluster);

    // Act
    const state = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 5, onEvent: () => {} });

    // Assess
    expect(state.state).toBe('done');
    expect(state.objects.map((o) => o.health?.status)).toEqual(['Healthy', 'Healthy', 'Healthy', 'Healthy']);
    expect(next.cluster.callsOf('watch')).toEqual([]);
    expect(next.cluster.callsOf('list')).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: '*' }]);
    expect(next.cluster.callsOf('get')).toEqual([WEB]);
  });

  it('returns early on the change that settles the rollout', async () => {
    // Prepare
    const WATCH_SECONDS = 5;
    const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
    const req = request([deployment('web')]);
    const applied = await applyStep(req, cluster, () => {});
    const next = invocation(applied.state, cluster);
    const { events, onEvent } = recorder();
    setTimeout(() => cluster.setStatus(WEB, rolling(2, 2)), 50);
    // A timer of the watch's length, started before the step's own: it fires first if the step
    // waits out its window, so whichever settles first says whether the step returned early.
    let watchTimer: NodeJS.Timeout | undefined;
    const watchOver = new Promise<'watch window over'>((resolve) => (watchTimer = setTimeout(() => resolve('watch window over'), WATCH_SECONDS * 1000)));

    // Act
    const first = await Promise.race([checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: WATCH_SECONDS, onEvent }), watchOver]);
    clearTimeout(watchTimer);

    // Assess
    expect(first).not.toBe('watch window over');
    expect(first).toMatchObject({ state: 'done' });
    expect(healthOf(events, 'web').map((h) => h.status)).toEqual(['Progressing', 'Healthy']);
    expect(next.cluster.callsOf('watch')).toEqual([WEB]);
  });

  it('returns progressing after watchSeconds when nothing changes, and reports nothing twice in the next invocation', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
    const req = request([deployment('web')]);
    const applied = await applyStep(req, cluster, () => {});
    const first = invocation(applied.state, cluster);
    const firstEvents = recorder();
    const started = performance.now();

    // Act
    const progressing = await checkRollout({ request: req, state: first.state }, first.cluster, { watchSeconds: 0.2, onEvent: firstEvents.onEvent });
    const elapsed = performance.now() - started;
    const second = invocation(progressing, cluster);
    const secondEvents = recorder();
    const again = await checkRollout({ request: req, state: second.state }, second.cluster, { watchSeconds: 0.05, onEvent: secondEvents.onEvent });

    // Assess
    expect(progressing.state).toBe('progressing');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(progressing.objects[0]?.health).toMatchObject({ status: 'Progressing' });
    expect(healthOf(firstEvents.events, 'web')).toHaveLength(1);
    expect(again.state).toBe('progressing');
    expect(secondEvents.events).toEqual([]);
  });

  it('turns progressing into timeout at the step deadline, naming the worst object', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
    const req = request([deployment('web')], { timeoutMs: 1000 });
    const applied = await applyStep(req, cluster, () => {});
    const next = invocation(applied.state, cluster);

    // Act
    const state = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 30, onEvent: () => {} });

    // Assess
    expect(state.state).toBe('timeout');
    expect(Date.now()).toBeGreaterThanOrEqual(applied.state.deadline.at);
    expect(state.failure).toMatchObject({ ref: WEB, reason: 'Timeout' });
    expect(state.failure?.message).toContain('Deployment/web: Timeout: step timed out after 1s');
  });

  it('says timeout at once when it runs after the deadline', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
    const req = request([deployment('web')]);
    const applied = await applyStep(req, cluster, () => {});
    const next = invocation(applied.state, cluster);
    const late = () => new Date(applied.state.deadline.at + 1);

    // Act
    const state = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 30, onEvent: () => {}, now: late });

    // Assess
    expect(state.state).toBe('timeout');
    expect(next.cluster.callsOf('watch')).toEqual([]);
  });

  it('fails with the diagnosis from the pods it reads, with sensitive values redacted', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
    const req = request([deployment('web')]);
    const applied = await applyStep(req, cluster, () => {});
    cluster.setStatus(WEB, {
      ...rolling(2, 0),
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }],
    });
    const waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "registry.example/web:${SECRET}"` };
    cluster.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1-abcde', namespace: NS, labels: { app: 'web' } },
      spec: { containers: [{ name: 'app' }] },
      status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting } }] },
    });
    const next = invocation(applied.state, cluster);
    const { events, onEvent } = recorder();

    // Act
    const state = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 5, onEvent });

    // Assess
    expect(state.state).toBe('failed');
    expect(state.failure).toMatchObject({ ref: WEB, status: 'Degraded', reason: 'ProgressDeadlineExceeded' });
    expect(state.failure?.message).toContain('pod web-1-abcde container app: ImagePullBackOff: Back-off pulling image "registry.example/web:***"');
    expect(JSON.stringify({ state, events })).not.toContain(SECRET);
  });

  it('keeps a latch across invocations: scaling after done does not undo it (done is not health forever)', async () => {
    // Prepare: web is done, payment is not; the check remembers web's latch.
    const cluster = new FakeCluster({ namespaces: [NS], holdRollouts: true });
    const req = request([deployment('web'), deployment('payment')]);
    const applied = await applyStep(req, cluster, () => {});
    cluster.setStatus(WEB, rolling(2, 2));
    const first = invocation(applied.state, cluster);
    const progressing = await checkRollout({ request: req, state: first.state }, first.cluster, { watchSeconds: 0, onEvent: () => {} });
    // An autoscaler scales web to 4 (a new generation, the same revision) and the new pods never come.
    const web = cluster.objects.get('apps/Deployment/shop/web')!;
    cluster.put({ ...web, spec: { ...web.spec, replicas: 4 }, metadata: { ...web.metadata, generation: 2 } });
    const second = invocation(progressing, cluster);

    // Act
    const still = await checkRollout({ request: req, state: second.state }, second.cluster, { watchSeconds: 0, onEvent: () => {} });
    cluster.setStatus(PAYMENT, rolling(2, 2));
    const third = invocation(still, cluster);
    const done = await checkRollout({ request: req, state: third.state }, third.cluster, { watchSeconds: 0, onEvent: () => {} });

    // Assess
    expect(progressing.objects[0]?.ref).toEqual(WEB);
    expect(progressing.rollout?.tracked[0]).toEqual({ object: 0, latched: 'revision:1' });
    expect(still.state).toBe('progressing');
    expect(still.objects[0]?.health).toMatchObject({ status: 'Healthy', reason: 'RolloutDone' });
    expect(done.state).toBe('done');
  });
});

describe('finalize', () => {
  it('passes an applied or validated state on as the outcome, writing nothing', async () => {
    // Prepare
    const cluster = new FakeCluster({ namespaces: [NS] });
    const req = request([configMaps('a')], { wait: false });
    const applied = await applyStep(req, cluster, () => {});
    const next = invocation(applied.state, cluster);

    // Act
    const outcome = await finalize({ request: req, state: next.state }, next.cluster, () => {});

    // Assess
    expect(outcome).toEqual({ state: 'applied', objects: [{ ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'a' }, outcome: 'created' }] });
    expect(next.cluster.calls).toEqual([]);
  });
});
