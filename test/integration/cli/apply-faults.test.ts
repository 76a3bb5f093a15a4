/**
 * `conveyor apply --wait` survives a flaky cluster: with 5% and 20% of every request failing
 * (500, 503 and 429 with Retry-After, dropped connections; discovery, reads, dry runs, applies,
 * namespace creation and watches alike), a 35-object multi-service app is applied and rolled
 * out every time. At 50% it succeeds or ends cleanly within its deadline, saying which objects
 * were applied, and a re-run without faults converges.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConveyorRun, runConveyor } from '../../support/conveyor.ts';
import { MULTI_SERVICE_NAMES, MULTI_SERVICE_OBJECTS, multiServiceAppYaml } from '../../support/manifests.ts';
import { faultMix, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const TIMEOUT_SECONDS = 60;
const HALF_TIMEOUT_SECONDS = 10;
/**
 * "Ends within its deadline" is the behaviour under test and a whole CLI process has no clock to
 * inject, so a wall-clock bound stays: 3x the deadline, which a loaded machine does not reach and a
 * run that went on retrying past its deadline (seconds per retry at 50% faults) soon would. The tight bound (--timeout plus 2 s) is
 * measured by `npm run bench -- hardening`.
 */
const HALF_RUN_BOUND_MS = 3 * HALF_TIMEOUT_SECONDS * 1000;
/** The bounded run, then a re-run without faults. */
const HALF_TEST_TIMEOUT_MS = HALF_RUN_BOUND_MS + TIMEOUT_SECONDS * 1000;

let t: TestSandbox;
let app = '';
let run = 0;

const shown = (r: ConveyorRun) => `exit ${r.code} after ${Math.round(r.ms)} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** Applies the app into a namespace of its own (created by the step, under the same faults). */
async function applyApp(namespace: string, rate: number, timeoutSeconds: number): Promise<ConveyorRun> {
  t.sandbox.faults.set(rate > 0 ? faultMix(rate) : []);
  try {
    return await runConveyor([
      'apply',
      '-f',
      app,
      '--kubeconfig',
      t.kubeconfigPath,
      '--namespace',
      namespace,
      '--var',
      `Greeting=hello-${namespace}`,
      '--wait',
      '--timeout',
      String(timeoutSeconds),
      '--output',
      'json',
    ]);
  } finally {
    t.sandbox.faults.set([]);
  }
}

/** Every object of the app is in the cluster with this run's content, and every Deployment is available. */
function assertAppComplete(namespace: string): void {
  const store = t.sandbox.cluster.store;
  for (const name of MULTI_SERVICE_NAMES) {
    expect(store.get('/serviceaccounts', namespace, name), `${namespace}/${name}`).toBeDefined();
    expect(store.get('rbac.authorization.k8s.io/roles', namespace, `${name}-reader`)).toBeDefined();
    expect(store.get('rbac.authorization.k8s.io/rolebindings', namespace, `${name}-reader`)).toBeDefined();
    expect(store.get('/configmaps', namespace, `${name}-config`)?.data).toEqual({ greeting: `hello-${namespace}`, service: name });
    expect(store.get('/secrets', namespace, `${name}-credentials`)).toBeDefined();
    expect(store.get('/services', namespace, name)).toBeDefined();
    expect(store.get('apps/deployments', namespace, name)?.status?.availableReplicas).toBe(2);
  }
}

beforeAll(async () => {
  t = await startTestSandbox();
  app = join(t.dir, 'shop.yaml');
  writeFileSync(app, multiServiceAppYaml());
});

afterAll(async () => {
  await t?.close();
});

describe('conveyor apply --wait under injected faults', () => {
  it.each([
    { rate: 0.05, runs: 1 },
    { rate: 0.2, runs: 2 },
  ])('succeeds every time with $rate of all requests failing ($runs runs)', async ({ rate, runs }) => {
    for (let i = 0; i < runs; i++) {
      // Prepare
      const namespace = `shop-${++run}`;
      const before = { ...t.sandbox.faults.stats };

      // Act
      const result = await applyApp(namespace, rate, TIMEOUT_SECONDS);

      // Assess
      expect(result.code, shown(result)).toBe(0);
      const output = JSON.parse(result.stdout);
      expect(output.state).toBe('done');
      expect(output.objects).toHaveLength(MULTI_SERVICE_OBJECTS);
      expect(
        output.objects.every((o: { status: string }) => o.status === 'Healthy'),
        shown(result),
      ).toBe(true);
      expect(t.sandbox.faults.stats.injected - before.injected, 'faults were injected').toBeGreaterThan(0);
      assertAppComplete(namespace);
    }
  });

  it(
    'at 50% succeeds or ends cleanly within its deadline, and a re-run without faults converges',
    async () => {
      // Prepare
      const namespace = `shop-${++run}`;

      // Act
      const flaky = await applyApp(namespace, 0.5, HALF_TIMEOUT_SECONDS);
      const again = await applyApp(namespace, 0, TIMEOUT_SECONDS);

      // Assess
      expect([0, 1, 3], shown(flaky)).toContain(flaky.code);
      expect(flaky.ms, shown(flaky)).toBeLessThan(HALF_RUN_BOUND_MS);
      expect(flaky.stderr, shown(flaky)).not.toContain('unexpected error');
      const output = JSON.parse(flaky.stdout || 'null') ?? { state: `no output: ${shown(flaky)}` };
      if (flaky.code === 3) {
        // What the cluster holds is named: applied and not applied, or the request that ran out of time.
        expect(output.state).toBe('error');
        expect(output.error.message, shown(flaky)).toMatch(/not applied \(\d+\)|deadline of 10 s/);
      } else {
        expect(output.state).toBe(flaky.code === 0 ? 'done' : 'timeout');
      }
      expect(again.code, shown(again)).toBe(0);
      assertAppComplete(namespace);
    },
    HALF_TEST_TIMEOUT_MS,
  );
});
