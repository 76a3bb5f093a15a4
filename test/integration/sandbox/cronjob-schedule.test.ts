/**
 * A CronJob's schedule coming round, seen with kubectl: the sandbox's controllers run on a clock
 * ten minutes ahead of the API server's (`controllerClock`), so a `*\/5` CronJob created now has
 * missed two scheduled times by the controller's clock — and, as the real controller does, it
 * starts a Job for the most recent one only, named after that time in minutes, and records
 * `lastScheduleTime`, then `lastSuccessfulTime` once the Job completes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const AHEAD_MS = 10 * 60_000;
const EVERY_MINUTES = 5;
const MINUTE_MS = 60_000;

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox({ controllerClock: () => Date.now() + AHEAD_MS });
});

afterAll(async () => {
  await t?.close();
});

it('creates the Job of the most recent scheduled time, named after it, and records the schedule and the success', async () => {
  // Prepare
  await t.kubectl(['create', 'namespace', 'cron']);
  const createdAt = Date.now();

  // Act
  await t.kubectl(['apply', '-f', '-'], {
    input: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly, namespace: cron }
spec:
  schedule: "*/${EVERY_MINUTES} * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: report, image: busybox:1.36, command: [sh, -c, "echo done"] }]
`,
  });
  const jobs = await eventually(async () => {
    const list = await t.getJson(['jobs', '-n', 'cron']);
    return list.items.length > 0 ? list.items : undefined;
  });
  const name = jobs[0].metadata.name as string;
  await t.kubectl(['wait', '--for=condition=complete', `job/${name}`, '-n', 'cron', '--timeout=20s']);
  const cronJob = await eventually(async () => {
    const cj = await t.getJson(['cronjob', 'nightly', '-n', 'cron']);
    return cj.status?.lastSuccessfulTime ? cj : undefined;
  });
  const table = (await t.kubectl(['get', 'cronjob', 'nightly', '-n', 'cron'])).stdout;

  // Assess: one Job, for a scheduled time the controller's clock has passed and the API server's has not.
  const scheduledMinute = Number(/^nightly-(\d+)$/.exec(name)?.[1]);
  expect(jobs).toHaveLength(1);
  expect(scheduledMinute % EVERY_MINUTES).toBe(0);
  expect(scheduledMinute * MINUTE_MS).toBeGreaterThan(createdAt);
  expect(jobs[0].metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'nightly', controller: true });
  expect(jobs[0].metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(scheduledMinute * MINUTE_MS).toISOString().replace('.000Z', 'Z'));
  expect(Date.parse(cronJob.status.lastScheduleTime)).toBe(scheduledMinute * MINUTE_MS);
  expect(cronJob.status.active).toBeUndefined();
  expect(table.split('\n')[1]).toMatch(/^nightly +\*\/5 \* \* \* \* +<none> +False +0 +\S+ +\S+/);
});
