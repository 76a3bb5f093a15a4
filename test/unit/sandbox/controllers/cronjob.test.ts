/**
 * The CronJob controller against a clock the test controls: Date.now() plus an offset that
 * the test moves, shared by the API server (creationTimestamp) and the controllers, so a
 * scheduled minute arrives without waiting for it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster } from '../../../../local/sandbox/cluster.ts';
import { type Controllers, startControllers } from '../../../../local/sandbox/controllers/index.ts';
import { ObjectStore } from '../../../../local/sandbox/store.ts';
import type { KubeObject, ResourceType } from '../../../../local/sandbox/types.ts';
import { TYPES, waitFor } from './harness.ts';

const MINUTE = 60_000;
const TYPES_WITH_CRONJOB: ResourceType[] = [
  ...TYPES,
  {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    singular: 'cronjob',
    namespaced: true,
    verbs: ['create', 'get', 'list', 'update', 'watch'],
    shortNames: [],
    subresources: ['status'],
    categories: [],
  },
];
const rt = (kind: string) => TYPES_WITH_CRONJOB.find((t) => t.kind === kind)!;

let controllers: Controllers | undefined;
afterEach(() => controllers?.stop());

function clockedCluster(startAt: number) {
  let offset = startAt - Date.now();
  const now = () => Date.now() + offset;
  const store = new ObjectStore();
  const cluster = new Cluster(store, {}, () => new Date(now()));
  controllers = startControllers({
    cluster,
    now,
    resourceFor: (group, kind) => {
      const found = TYPES_WITH_CRONJOB.find((t) => t.group === group && t.kind === kind);
      if (!found) throw new Error(`no resource type ${group}/${kind}`);
      return found;
    },
  });
  return {
    cluster,
    now,
    /** Moves the shared clock forward. */
    advance(ms: number) {
      offset += ms;
    },
    get: (kind: string, name: string) => cluster.tryGet(rt(kind), 'default', name),
    jobs: () => cluster.list(rt('Job'), 'default').items,
    events: (reason: string) => cluster.list(rt('Event'), 'default').items.filter((e) => e.reason === reason),
    /** A user edit of the CronJob; like any event it makes the controller look at the clock again. */
    edit(name: string, change: (cj: KubeObject) => void) {
      const current = structuredClone(cluster.get(rt('CronJob'), 'default', name));
      change(current);
      cluster.update(rt('CronJob'), 'default', name, current);
    },
  };
}

function cronJob(name: string, spec: Record<string, unknown> = {}, image = 'busybox:1.36'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { team: 'reports' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image }] } } } },
      ...spec,
    },
  };
}

describe('CronJob controller', () => {
  it('creates the Job <name>-<minutes> at the scheduled minute and records its success', async () => {
    // Prepare: 300 ms before a minute boundary
    const boundary = Math.ceil((Date.now() + 2_000) / MINUTE) * MINUTE;
    const sb = clockedCluster(boundary - 300);
    // Act
    sb.cluster.create(rt('CronJob'), 'default', cronJob('report'));
    const name = `report-${boundary / MINUTE}`;
    const job = await waitFor('scheduled job', () => sb.get('Job', name));
    const done = await waitFor('success recorded', () => {
      const cj = sb.get('CronJob', 'report');
      return cj?.status?.lastSuccessfulTime && !cj.status.active && cj;
    });
    // Assess
    expect(job.metadata.labels).toMatchObject({ team: 'reports' });
    expect(job.metadata.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(boundary).toISOString().replace('.000Z', 'Z'));
    expect(job.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'CronJob', name: 'report', controller: true })]);
    expect(done.status.lastScheduleTime).toBe(new Date(boundary).toISOString().replace('.000Z', 'Z'));
    expect(sb.events('SuccessfulCreate').map((e) => e.message)).toContain(`Created job ${name}`);
    expect(sb.events('SawCompletedJob').map((e) => e.message)).toContain(`Saw completed job: ${name}, condition: Complete`);
  });

  it('honours Forbid, Replace and suspend at later minutes', async () => {
    // Prepare: mid-minute, a job that never finishes (its image cannot be pulled)
    const start = Math.floor(Date.now() / MINUTE) * MINUTE + 30_000;
    const sb = clockedCluster(start);
    sb.cluster.create(rt('CronJob'), 'default', cronJob('sync', { concurrencyPolicy: 'Forbid' }, 'registry.invalid/sync:1'));
    const minute = (n: number) => `sync-${Math.floor(start / MINUTE) + n}`;

    // Act: the first minute comes
    sb.advance(MINUTE);
    sb.edit('sync', (cj) => (cj.metadata.labels = { poke: '1' }));
    await waitFor('first job active', () => sb.get('CronJob', 'sync')?.status?.active?.[0]?.name === minute(1));
    // Act: the second minute, with the first still running
    sb.advance(MINUTE);
    sb.edit('sync', (cj) => (cj.metadata.labels = { poke: '2' }));
    await waitFor('JobAlreadyActive', () => sb.events('JobAlreadyActive').length > 0);
    // Assess: Forbid started nothing
    expect(sb.jobs().map((j) => j.metadata.name)).toEqual([minute(1)]);

    // Act: Replace at the third minute
    sb.advance(MINUTE);
    sb.edit('sync', (cj) => (cj.spec.concurrencyPolicy = 'Replace'));
    const replaced = await waitFor('replaced', () => {
      const cj = sb.get('CronJob', 'sync');
      return cj?.status?.active?.length === 1 && cj.status.active[0].name === minute(3) && !sb.get('Job', minute(1)) && cj;
    });
    // Assess
    expect(replaced.status.active[0]).toMatchObject({ kind: 'Job', apiVersion: 'batch/v1', namespace: 'default' });
    expect(sb.events('SuccessfulDelete').map((e) => e.message)).toContain(`Deleted job ${minute(1)}`);

    // Act: suspended at the fourth minute
    sb.edit('sync', (cj) => (cj.spec.suspend = true));
    sb.advance(MINUTE);
    sb.edit('sync', (cj) => (cj.metadata.labels = { poke: '4' }));
    await controllers!.settle();
    // Assess
    expect(sb.get('Job', minute(4))).toBeUndefined();
    expect(sb.get('CronJob', 'sync')!.status.lastScheduleTime).toBe(new Date((Math.floor(start / MINUTE) + 3) * MINUTE).toISOString().replace('.000Z', 'Z'));
  });
});
