/**
 * The `npm start` demo: the deploy engine, acting as the namespace-confined deployer
 * account, rolls a release out on the sandbox; a second run changes nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineEvent } from '#domain/engine/events.ts';
import { DEMO_NAMESPACE, runDemo } from '../../../local/demo.ts';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(async () => {
  await t?.close();
});

it('rolls the demo release out as the deployer account, then finds nothing to change', async () => {
  const events: EngineEvent[] = [];
  const lines: string[] = [];

  await runDemo(t.sandbox, (e) => events.push(e), (l) => lines.push(l));

  expect(lines.at(-1)).toBe('release 1.0.0 to Development: done');
  const deployments = t.sandbox.registry.byKind('Deployment', 'apps')!;
  const hello = t.sandbox.cluster.get(deployments, DEMO_NAMESPACE, 'hello');
  expect(hello.spec.replicas).toBe(3);
  expect(hello.spec.template.spec.containers[0].image).toBe('nginx:1.27');
  expect(hello.metadata.managedFields?.some((m: { manager: string }) => m.manager === 'conveyor')).toBe(true);
  const config = t.sandbox.cluster.get(t.sandbox.registry.byKind('ConfigMap', '')!, DEMO_NAMESPACE, 'hello-config');
  expect(config.data).toEqual({ greeting: 'Hello from DEVELOPMENT', release: '1.0.0' });
  expect(events.filter((e) => e.type === 'applied').map((e) => (e.type === 'applied' ? e.outcome : ''))).toEqual(['created', 'created', 'created']);

  const again: EngineEvent[] = [];
  await runDemo(t.sandbox, (e) => again.push(e), () => {});
  expect(again.filter((e) => e.type === 'applied').map((e) => (e.type === 'applied' ? e.outcome : ''))).toEqual(['unchanged', 'unchanged', 'unchanged']);
});
