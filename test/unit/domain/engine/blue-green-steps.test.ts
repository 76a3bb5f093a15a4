/**
 * A blue/green deploy-containers plan across the engine's steps, each a separate invocation
 * (the state through JSON, a new client of the same FakeCluster): the apply step applies the
 * new colour only, check-rollout waits for it, finalize switches the Service and deletes the
 * older colour; a colour that fails leaves the previous one serving; a fault in the switch
 * names what was applied and what not. The state stays small and survives JSON at every stage.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { applyStep, checkRollout, finalize, runApplyStep, type StepRequest } from '#domain/engine/apply-step.ts';
import { InvalidStepInputError } from '#domain/engine/errors.ts';
import { ClusterUnavailableError, PartialApplyError } from '#domain/errors.ts';
import { FakeCluster } from '#domain/fake-cluster.ts';
import { rejection } from '../../../support/assertions.ts';
import { blueGreen, configMaps, invocation, NS, recorder, request, rolling, SECRET } from './support.ts';

const SERVICE = { apiVersion: 'v1', kind: 'Service', namespace: NS, name: 'shop' };
const colour = (id: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: `shop-${id}` });
const DEPLOYMENT_ID = 'conveyor.dev/deployment-id';
/** What a Step Functions payload may hold. */
const MAX_PAYLOAD_BYTES = 256 * 1024;

const deploymentOf = (id: string, image: string): StepRequest => {
  const base = request([blueGreen(image)]);
  return { ...base, context: { ...base.context, deploymentId: id } };
};

let cluster: FakeCluster;

beforeEach(async () => {
  // d1 is live and serving.
  cluster = new FakeCluster({ namespaces: [NS] });
  const first = await runApplyStep(deploymentOf('d1', 'nginx:1.27'), cluster, () => {});
  expect(first.state).toBe('done');
  cluster.holdRollouts = true;
});

const selectorOfService = () => cluster.objects.get('/Service/shop/shop')?.spec.selector;

describe('blue/green as separate invocations', () => {
  it('apply writes the new colour only, check waits for it, finalize switches and deletes the older colour', async () => {
    // Prepare
    const req = deploymentOf('d2', 'nginx:1.28');
    const { events, onEvent } = recorder();

    const applyClient = cluster.client();

    // Act
    const applied = await applyStep(req, applyClient, onEvent);
    let next = invocation(applied.state, cluster);
    const waiting = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 0, onEvent });
    const servingDuringWait = selectorOfService();
    cluster.setStatus(colour('d2'), rolling(2, 2));
    next = invocation(waiting, cluster);
    const checkClient = next.cluster;
    const done = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 5, onEvent });
    next = invocation(done, cluster);
    const outcome = await finalize({ request: req, state: next.state }, next.cluster, onEvent);

    // Assess: where each action ran.
    expect(applied.state.state).toBe('progressing');
    expect(applied.state.plans[0]).toMatchObject({ name: 'shop', strategy: 'BlueGreen', next: 1, waits: true });
    expect(
      applyClient
        .callsOf('apply')
        .map((r) => `${r.kind}/${r.name}`)
        .sort(),
    ).toEqual(['ConfigMap/shop-d2', 'Deployment/shop-d2']);
    expect(waiting.state).toBe('progressing');
    expect(servingDuringWait).toMatchObject({ [DEPLOYMENT_ID]: 'd1' });
    expect(done.state).toBe('done');
    expect(checkClient.callsOf('apply')).toEqual([]);
    expect(checkClient.callsOf('delete')).toEqual([]);
    expect(next.cluster.callsOf('apply')).toEqual([SERVICE]);
    expect(
      next.cluster
        .callsOf('delete')
        .map((r) => `${r.kind}/${r.name}`)
        .sort(),
    ).toEqual(['ConfigMap/shop-d1', 'Deployment/shop-d1']);

    // Assess: the outcome and the cluster.
    expect(outcome.state).toBe('done');
    expect(outcome.note).toBeUndefined();
    expect(outcome.objects.map((o) => `${o.ref.kind}/${o.ref.name} ${o.outcome} ${o.health?.status ?? '-'}`)).toEqual([
      'ConfigMap/shop-d2 created -',
      'Deployment/shop-d2 created Healthy',
      'Service/shop configured -',
    ]);
    expect(selectorOfService()).toMatchObject({ [DEPLOYMENT_ID]: 'd2' });
    expect(cluster.objects.has('apps/Deployment/shop/shop-d1')).toBe(false);
    const switched = events.findIndex((e) => e.type === 'switched' && e.to === 'd2');
    const deleted = events.findIndex((e) => e.type === 'deleted');
    expect(switched).toBeGreaterThan(events.findIndex((e) => e.type === 'health' && e.health.status === 'Healthy'));
    expect(deleted).toBeGreaterThan(switched);
  });

  it('a new colour that fails leaves the previous one serving: no switch, nothing deleted, and the note says so', async () => {
    // Prepare
    const req = deploymentOf('d2', 'nginx:does-not-exist');
    const applied = await applyStep(req, cluster, () => {});
    cluster.setStatus(colour('d2'), {
      ...rolling(2, 0),
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "shop-d2-1" has timed out progressing.' }],
    });
    let next = invocation(applied.state, cluster);

    // Act
    const failed = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 5, onEvent: () => {} });
    next = invocation(failed, cluster);
    const outcome = await finalize({ request: req, state: next.state }, next.cluster, () => {});

    // Assess
    expect(failed.state).toBe('failed');
    expect(outcome).toMatchObject({ state: 'failed', failure: { ref: colour('d2'), reason: 'ProgressDeadlineExceeded' } });
    expect(outcome.note).toBe('Service shop keeps serving Deployment shop-d1; Deployment shop-d2 is left for inspection');
    expect(selectorOfService()).toMatchObject({ [DEPLOYMENT_ID]: 'd1' });
    expect(cluster.objects.has('apps/Deployment/shop/shop-d1')).toBe(true);
    expect(cluster.objects.has('apps/Deployment/shop/shop-d2')).toBe(true);
    expect(next.cluster.calls).toEqual([]);
  });

  it('a 5xx during the switch names the Service as not applied, and the colour as applied', async () => {
    // Prepare
    const req = deploymentOf('d2', 'nginx:1.28');
    const applied = await applyStep(req, cluster, () => {});
    cluster.setStatus(colour('d2'), rolling(2, 2));
    let next = invocation(applied.state, cluster);
    const done = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 0, onEvent: () => {} });
    next = invocation(done, cluster);
    next.cluster.failures.push({ verb: 'apply', name: 'shop', error: new ClusterUnavailableError('the API server answered 503') });

    // Act
    const error = await rejection(finalize({ request: req, state: next.state }, next.cluster, () => {}));

    // Assess
    expect(error).toBeInstanceOf(PartialApplyError);
    const partial = error as PartialApplyError;
    expect(partial.category).toBe('unavailable');
    expect(partial.applied.map((r) => `${r.kind}/${r.name}`)).toEqual(['ConfigMap/shop-d2', 'Deployment/shop-d2']);
    expect(partial.notApplied).toEqual([SERVICE]);
    expect(selectorOfService()).toMatchObject({ [DEPLOYMENT_ID]: 'd1' });
    expect(cluster.objects.has('apps/Deployment/shop/shop-d1')).toBe(true);
  });

  it('refuses a finalize whose request no longer renders the plan of the state', async () => {
    // Prepare
    const req = deploymentOf('d2', 'nginx:1.28');
    const applied = await applyStep(req, cluster, () => {});
    cluster.setStatus(colour('d2'), rolling(2, 2));
    const done = await checkRollout({ request: req, state: applied.state }, cluster.client(), { watchSeconds: 0, onEvent: () => {} });
    const changed = { ...req, files: [{ name: 'shop.yaml', content: blueGreen('nginx:1.28').replace('name: shop', 'name: other') }] };
    const next = cluster.client();

    // Act
    const error = await rejection(finalize({ request: changed, state: done }, next, () => {}));

    // Assess
    expect(error).toBeInstanceOf(InvalidStepInputError);
    expect(error.message).toContain('request.files: renders no deploy-containers spec shop');
    expect(next.callsOf('apply')).toEqual([]);
  });
});

describe('the state', () => {
  it('survives JSON at every stage, holds no secret and no manifest, and stays small', async () => {
    // Prepare: 500 ConfigMaps quoting a secret, and a blue/green spec.
    const names = Array.from({ length: 500 }, (_, i) => `config-${i}`);
    const req = {
      ...deploymentOf('d2', 'nginx:1.28'),
      files: [
        { name: 'many.yaml', content: configMaps(...names) },
        { name: 'shop.yaml', content: blueGreen('nginx:1.28') },
      ],
    };

    // Act
    const applied = await applyStep(req, cluster, () => {});
    let next = invocation(applied.state, cluster);
    const waiting = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 0, onEvent: () => {} });
    cluster.setStatus(colour('d2'), rolling(2, 2));
    next = invocation(waiting, cluster);
    const done = await checkRollout({ request: req, state: next.state }, next.cluster, { watchSeconds: 0, onEvent: () => {} });
    next = invocation(done, cluster);
    const outcome = await finalize({ request: req, state: next.state }, next.cluster, () => {});

    // Assess
    expect(JSON.parse(JSON.stringify(outcome))).toEqual(outcome);
    expect(outcome.state).toBe('done');
    for (const state of [applied.state, waiting, done]) {
      const json = JSON.stringify(state);
      expect(json).not.toContain(SECRET);
      expect(json).not.toContain('"data"');
      expect(Buffer.byteLength(json)).toBeLessThan(MAX_PAYLOAD_BYTES);
    }
  });
});
