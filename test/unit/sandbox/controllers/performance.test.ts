import { afterEach, describe, expect, it } from 'vitest';
import { deployment, deploymentDone, type Sandbox, sandbox, waitFor } from './harness.ts';

let sb: Sandbox;
afterEach(() => sb?.stop());

/**
 * What 200 Deployments at once leave behind, with default timings. How fast they get there (the
 * issue's "within 10 s") is measured by `npm run bench -- sandbox`, not here: a wall-clock bound
 * in a test fails on a loaded machine without anything being wrong.
 */
describe('at scale', () => {
  /** Only a bound on "never": the benchmark holds the 10 s target. */
  const NEVER_MS = 50_000;

  it(
    'brings 200 deployments of 2 replicas to done with default timings, with 400 pods and bounded events',
    async () => {
      // Prepare
      sb = sandbox();
      const names = Array.from({ length: 200 }, (_, i) => `app-${i}`);

      // Act
      for (const name of names) sb.create(deployment(name));
      await waitFor('all done', () => names.every((n) => deploymentDone(sb.get('Deployment', 'default', n))), NEVER_MS);

      // Assess
      expect(sb.list('Pod', 'default')).toHaveLength(400);
      expect(sb.list('Event', 'default').length).toBeLessThanOrEqual(2_000);
    },
    NEVER_MS + 10_000,
  );
});
