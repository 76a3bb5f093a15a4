import { afterEach, describe, expect, it } from 'vitest';
import { deployment, deploymentDone, sandbox, waitFor, type Sandbox } from './harness.ts';

let sb: Sandbox;
afterEach(() => sb?.stop());

describe('performance', () => {
  it('brings 200 deployments of 2 replicas to done within 10 s with default timings', async () => {
    // Prepare
    sb = sandbox();
    const names = Array.from({ length: 200 }, (_, i) => `app-${i}`);
    const start = Date.now();
    // Act
    for (const name of names) sb.create(deployment(name));
    await waitFor('all done', () => names.every((n) => deploymentDone(sb.get('Deployment', 'default', n))), 10_000);
    // Assess
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(sb.list('Pod', 'default')).toHaveLength(400);
    expect(sb.list('Event', 'default').length).toBeLessThanOrEqual(2_000);
  }, 30_000);
});
