/**
 * Apply watches the rollout it started (APPLY_WATCH_SECONDS, 2 s by default): a rollout done by
 * then ends in apply — no Wait, no check-rollout, 12 transitions for one target — and a longer one
 * goes on to the checks. The deployment state machine from its ASL file, the real task handlers,
 * the sandbox cluster.
 */
import '../../support/quiet-powertools.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Project } from '#domain/pipeline/model.ts';
import { DEFAULT_TASK_CONFIG } from '#functions/handlers/tasks/config.ts';
import { type PipelineHarness, startPipeline } from '../../support/pipeline.ts';
import { deploy, manifestStep, seedEnvironments, seedLifecycle, seedProject, seedRelease, seedTarget, webManifests } from '../../support/pipeline-fixtures.ts';

const CONFIG_ONLY = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: quiet
`;
/** Longer than apply's watch: the pod turns ready this long after it started. */
const SLOW_READY_MS = DEFAULT_TASK_CONFIG.applyWatchSeconds * 1000 + 1_500;

let h: PipelineHarness;

beforeAll(async () => {
  h = await startPipeline({ label: 'pipeline-apply-watch' });
  await seedEnvironments(h, ['dev']);
  await seedLifecycle(h, 'simple', [{ name: 'Dev', environments: ['dev'], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 }]);
  await seedTarget(h, { id: 'web', namespace: 'apply-watch', environments: ['dev'], tags: ['web'] });
});

afterAll(async () => {
  await h?.close();
});

async function deployStep(id: string, content: string) {
  const project: Project = await seedProject(h, { id, lifecycleId: 'simple', process: [manifestStep('deploy', content)] });
  const { deployment, executionArn } = await deploy(h, await seedRelease(h, project, '1.0.0', '1.0.0'), 'dev');
  const outcome = await h.runner.waitForCompletion(executionArn);
  const of = (name: string) => h.invocations.filter((i) => i.functionName === name && (i.payload as { deploymentId: string }).deploymentId === deployment.id);
  return { outcome, applied: of('apply').map((i) => (i.result as { status: string }).status), checks: of('check-rollout').length, transitions: h.runner.transitions(executionArn) };
}

it('ends a rollout that is done at once in apply: no check, 12 transitions', async () => {
  // Act
  const run = await deployStep('settings', CONFIG_ONLY);

  // Assess
  expect(run.outcome.status).toBe('SUCCEEDED');
  expect(run.applied).toEqual(['done']);
  expect(run.checks).toBe(0);
  expect(run.transitions).toBe(12);
});

it('hands a rollout longer than its watch to check-rollout', async () => {
  // Act
  const run = await deployStep('slow-web', webManifests({ readyAfterMs: SLOW_READY_MS }));

  // Assess
  expect(run.outcome.status).toBe('SUCCEEDED');
  expect(run.applied).toEqual(['progressing']);
  expect(run.checks).toBeGreaterThanOrEqual(1);
  expect(run.transitions).toBe(12 + 3 * run.checks);
});
