/**
 * The engine's one-shot steps as a state machine runs them, against the sandbox over HTTPS:
 * every step a separate "invocation" with a new KubernetesCluster client, and the state
 * passed between them through JSON only. A plain manifest set, and a BlueGreen
 * DeployContainers spec across two deployments (switch and clean-up in finalize).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import { applyStep, checkRollout, finalize, type StepOutcome, type StepRequest, type StepState } from '#domain/engine/apply-step.ts';
import type { EngineEvent } from '#domain/engine/events.ts';
import type { Target } from '#domain/model.ts';
import { adminTarget, connect, deployment, file, healthEvents, namespacedTarget, requestFor, startTestSandbox, type TestSandbox } from './helpers.ts';

/** How long each check may watch, as a Lambda would be configured. */
const WATCH_SECONDS = 1;
/** Checks a rollout of a few seconds may take at most (each returns within WATCH_SECONDS or earlier). */
const MAX_CHECKS = 30;

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

/** One invocation: a new client, the input through JSON, the client closed after. */
async function invoke<T>(target: Target, work: (cluster: KubernetesCluster) => Promise<T>): Promise<T> {
  const cluster = await connect(target);
  try {
    return JSON.parse(JSON.stringify(await work(cluster))) as T;
  } finally {
    await cluster.close();
  }
}

type Run = { states: StepState[]; outcome: StepOutcome; events: EngineEvent[] };

/** apply → check-rollout until it is no longer progressing → finalize, each a separate invocation. */
async function runAsInvocations(target: Target, request: StepRequest): Promise<Run> {
  const events: EngineEvent[] = [];
  const onEvent = (e: EngineEvent) => events.push(e);
  const input = JSON.parse(JSON.stringify(request)) as StepRequest;
  const states = [(await invoke(target, (cluster) => applyStep(input, cluster, onEvent))).state];
  while (states.at(-1)!.state === 'progressing' && states.length <= MAX_CHECKS) {
    const state = states.at(-1)!;
    states.push(await invoke(target, (cluster) => checkRollout({ request: input, state }, cluster, { watchSeconds: WATCH_SECONDS, onEvent })));
  }
  const outcome = await invoke(target, (cluster) => finalize({ request: input, state: states.at(-1)! }, cluster, onEvent));
  return { states, outcome, events };
}

/** A request as a Lambda gets it: JSON, no Deadline object, no clock. */
function lambdaRequest(target: Target, docs: Parameters<typeof file>[1], deploymentId = 'd1'): StepRequest {
  const { deadline: _deadline, now: _now, ...request } = requestFor(target, [file('app.yaml', docs)], { deploymentId, timeoutMs: 20_000 });
  return request;
}

it('a plain manifest set: applied, checked until done, finalized, each step with a new client', async () => {
  // Prepare
  const target = namespacedTarget(t, 'steps-plain');
  const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } };
  const web = deployment('web', { replicas: 2, podAnnotations: { 'sandbox.conveyor.dev/ready-after-ms': '1500' } });

  // Act
  const { states, outcome, events } = await runAsInvocations(target, lambdaRequest(target, [config, web]));

  // Assess
  expect(states[0]).toMatchObject({ state: 'progressing', objects: [{ outcome: 'created' }, { outcome: 'created' }] });
  expect(states.length).toBeGreaterThan(2);
  expect(states.at(-1)!.state).toBe('done');
  expect(outcome.state).toBe('done');
  expect(outcome.objects.map((o) => `${o.ref.kind}/${o.ref.name} ${o.health?.status}`)).toEqual(['ConfigMap/settings Healthy', 'Deployment/web Healthy']);
  const web_ = healthEvents(events, 'Deployment', 'web');
  expect(web_.at(-1)?.status).toBe('Healthy');
  // Each change is reported once, however many invocations saw it.
  const lines = web_.map((h) => `${h.status}|${h.message}`);
  expect(new Set(lines).size).toBe(lines.length);
});

describe('BlueGreen as separate invocations', () => {
  const namespace = 'steps-bluegreen';
  const spec = (image: string) =>
    [
      'apiVersion: conveyor.dev/v1',
      'kind: DeployContainers',
      'metadata: { name: shop }',
      'spec:',
      '  replicas: 2',
      '  strategy: BlueGreen',
      '  containers:',
      `    - { name: web, image: "${image}", ports: [{ name: http, containerPort: 8080 }], envFrom: [configMap] }`,
      '  configMap: { items: { GREETING: hello } }',
      '  service: { type: ClusterIP, ports: [{ port: 80, targetPort: http }] }',
    ].join('\n');
  let admin: KubernetesCluster;

  beforeAll(async () => {
    admin = await connect(adminTarget(t));
  });

  afterAll(async () => {
    await admin?.close();
  });

  const serviceSelector = async () => (await admin.get({ apiVersion: 'v1', kind: 'Service', namespace, name: 'shop' }))?.spec.selector;
  const deployments = async () => (await admin.list('apps/v1', 'Deployment', namespace)).map((d) => d.metadata.name!).sort();

  it('d1 then d2: the switch and the clean-up happen in finalize, after the new colour is done', async () => {
    // Prepare
    const target = namespacedTarget(t, namespace);
    const first = await runAsInvocations(target, lambdaRequest(target, [spec('nginx:1.27')], 'd1'));
    expect(first.outcome.state).toBe('done');
    const request = lambdaRequest(target, [spec('nginx:1.28')], 'd2');
    const events: EngineEvent[] = [];

    // Act: apply, then what the Service selects while d2 is being checked, then the rest.
    const applied = (await invoke(target, (cluster) => applyStep(request, cluster, (e) => events.push(e)))).state;
    const duringRollout = await serviceSelector();
    let state = applied;
    for (let i = 0; state.state === 'progressing' && i < MAX_CHECKS; i++) {
      const current = state;
      state = await invoke(target, (cluster) => checkRollout({ request, state: current }, cluster, { watchSeconds: WATCH_SECONDS, onEvent: (e) => events.push(e) }));
    }
    const beforeFinalize = { selector: await serviceSelector(), deployments: await deployments() };
    const done = state;
    const outcome = await invoke(target, (cluster) => finalize({ request, state: done }, cluster, (e) => events.push(e)));

    // Assess
    expect(applied.plans[0]).toMatchObject({ strategy: 'BlueGreen', next: 1 });
    expect(duringRollout).toMatchObject({ 'conveyor.dev/deployment-id': 'd1' });
    expect(done.state).toBe('done');
    expect(beforeFinalize).toEqual({ selector: expect.objectContaining({ 'conveyor.dev/deployment-id': 'd1' }), deployments: ['shop-d1', 'shop-d2'] });
    expect(outcome.state).toBe('done');
    expect(await serviceSelector()).toMatchObject({ 'conveyor.dev/deployment-id': 'd2' });
    expect(await deployments()).toEqual(['shop-d2']);
    expect(events).toContainEqual({ type: 'switched', service: { apiVersion: 'v1', kind: 'Service', namespace, name: 'shop' }, to: 'd2' });
    expect(
      events
        .filter((e) => e.type === 'deleted')
        .map((e) => (e.type === 'deleted' ? `${e.ref.kind}/${e.ref.name}` : ''))
        .sort(),
    ).toEqual(['ConfigMap/shop-d1', 'Deployment/shop-d1']);
  });
});
