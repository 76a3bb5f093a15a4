/**
 * CronJob controller, after kubernetes pkg/controller/cronjob/cronjob_controllerv2.go and
 * utils.go: at each scheduled time (wall clock, UTC; the sandbox's timings do not scale
 * it, because Job names and status times are wall-clock times) it creates the Job
 * `<cronjob>-<scheduled time in minutes since the epoch>`, honouring suspend,
 * startingDeadlineSeconds and concurrencyPolicy (Allow, Forbid, Replace); it tracks
 * status.active, lastScheduleTime and lastSuccessfulTime, and deletes finished Jobs beyond
 * successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest start first.
 *
 * Jobs made by `kubectl create job --from=cronjob/<name>` are controlled by the CronJob too:
 * as on a real cluster they are not listed in status.active (an UnexpectedJob event says
 * so), but they count for lastSuccessfulTime and for the history limits.
 *
 * The controller only wakes up for CronJob and Job events and one timer per CronJob (its
 * next scheduled time), so a cluster without CronJobs pays nothing.
 */
import { ApiError } from '../errors.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { parseSchedule, type Schedule } from './cron.ts';
import { canonicalJson, controllerRefOf, formatTime, getCondition, keyOf, ownerReferenceTo, parseTime, splitKey } from './util.ts';

const COMPONENT = 'cronjob-controller';
/** batchv1.CronJobScheduledTimestampAnnotation: the scheduled time, RFC 3339. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** nextScheduleDelta: requeue a little after the scheduled time, against clock skew. */
const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed start times than this get a TooManyMissedTimes warning. */
const MANY_MISSED = 100;
const MINUTE_MS = 60_000;

type ObjectReference = { apiVersion: string; kind: string; name: string; namespace: string; uid: string; resourceVersion?: string };
type CronStatus = { active?: ObjectReference[]; lastScheduleTime?: string; lastSuccessfulTime?: string; [field: string]: unknown };
type MostRecent = { earliest: number; mostRecent?: number; missed: number };

/** getJobName: `<cronjob>-<minutes since the epoch>`, deterministic per scheduled time. */
export function cronJobName(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / MINUTE_MS)}`;
}

/**
 * mostRecentScheduleTime: the most recent activation at or before `now` not yet started,
 * counting from lastScheduleTime (or creation) and, with the deadline, no earlier than
 * now - startingDeadlineSeconds.
 */
export function mostRecentScheduleTime(cj: KubeObject, now: number, schedule: Schedule, withDeadline: boolean): MostRecent {
  let earliest = parseTime(cj.status?.lastScheduleTime) ?? parseTime(cj.metadata.creationTimestamp) ?? now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withDeadline && typeof deadline === 'number') earliest = Math.max(earliest, now - deadline * 1000);
  const t1 = schedule.next(earliest);
  if (t1 === undefined || now < t1) return { earliest, missed: 0 };
  const t2 = schedule.next(t1);
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 0 };
  const interval = Math.round((t2 - t1) / 1000);
  const missed = Math.floor(Math.floor((now - t1) / 1000) / interval) + 1;
  let mostRecent: number | undefined;
  for (let t = schedule.next(t1 + (missed - 2) * interval * 1000); t !== undefined && t <= now; t = schedule.next(t)) mostRecent = t;
  return { earliest, mostRecent, missed };
}

export class CronJobController implements Controller {
  readonly name = 'cronjob';
  readonly watches: string[];
  private readonly cronJobType: ResourceType;
  private readonly jobType: ResourceType;
  private readonly cronJobKey: string;
  private readonly jobKey: string;

  constructor(private readonly ctx: Context) {
    this.cronJobType = ctx.type('batch', 'CronJob')!;
    this.jobType = ctx.type('batch', 'Job')!;
    this.cronJobKey = ctx.key('batch', 'CronJob')!;
    this.jobKey = ctx.key('batch', 'Job')!;
    this.watches = [this.cronJobKey, this.jobKey];
  }

  start(): void {
    for (const cj of this.ctx.cluster.store.list(this.cronJobKey)) this.ctx.queue.add(this, keyOf(cj));
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === this.cronJobKey) return this.ctx.queue.add(this, keyOf(event.object));
    for (const job of [event.object, event.previous]) {
      const ref = job && controllerRefOf(job);
      if (ref?.kind === 'CronJob') this.ctx.queue.add(this, `${job!.metadata.namespace}/${ref.name}`);
    }
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const cj = this.ctx.cluster.tryGet(this.cronJobType, namespace, name);
    if (!cj) return;
    const status: CronStatus = structuredClone(cj.status ?? {});
    const jobs = this.ctx.cache.controlled(cj.metadata.uid!, this.jobKey);
    const remaining = this.cleanupFinishedJobs(cj, status, jobs);
    const requeue = this.syncCronJob(cj, status, remaining);
    if (!status.active?.length) delete status.active;
    if (canonicalJson(status) !== canonicalJson(cj.status ?? {})) this.ctx.writeStatus(this.cronJobType, cj, status);
    if (requeue !== undefined) this.ctx.queue.after(this, key, Math.max(1, requeue));
  }

  /** Returns the milliseconds until the next sync is due, or undefined for none. */
  private syncCronJob(cj: KubeObject, status: CronStatus, jobs: KubeObject[]): number | undefined {
    const now = this.ctx.now();
    const active = (status.active ??= []);
    const children = new Set<string>();
    for (const job of jobs) {
      children.add(job.metadata.uid!);
      const found = active.some((a) => a.uid === job.metadata.uid);
      const finished = finishedCondition(job);
      if (!found && !finished) {
        this.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
      } else if (finished) {
        if (found) {
          removeActive(status, job.metadata.uid!);
          this.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
        }
        const completed = parseTime(job.status?.completionTime);
        if (finished === 'Complete' && completed !== undefined && completed > (parseTime(status.lastSuccessfulTime) ?? -Infinity)) status.lastSuccessfulTime = job.status.completionTime;
      }
    }
    for (const ref of [...(status.active ?? [])]) {
      if (children.has(ref.uid) || this.ctx.cluster.tryGet(this.jobType, ref.namespace, ref.name)) continue;
      this.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      removeActive(status, ref.uid);
    }
    if (cj.metadata.deletionTimestamp || cj.spec?.suspend) return undefined;

    let schedule: Schedule;
    try {
      schedule = parseSchedule(cj.spec?.schedule ?? '');
    } catch (error) {
      this.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${(error as Error).message}`);
      return undefined;
    }
    const view = { ...cj, status };
    const { mostRecent: scheduled, missed } = mostRecentScheduleTime(view, now, schedule, true);
    if (missed > MANY_MISSED) this.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    if (scheduled === undefined) return this.untilNext(view, now, schedule);
    const deadline = cj.spec?.startingDeadlineSeconds;
    if (typeof deadline === 'number' && scheduled + deadline * 1000 < now) {
      this.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
      return this.untilNext(view, now, schedule);
    }
    const jobName = cronJobName(cj.metadata.name!, scheduled);
    if ((status.active ?? []).some((a) => a.name === jobName) || parseTime(status.lastScheduleTime) === scheduled) return this.untilNext(view, now, schedule);
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active ?? []).length > 0) {
      this.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return this.untilNext(view, now, schedule);
    }
    if (policy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        const job = this.ctx.cluster.tryGet(this.jobType, ref.namespace, ref.name);
        if (job) this.deleteJob(cj, status, job);
        else removeActive(status, ref.uid);
      }
    }
    const created = this.createJob(cj, scheduled, jobName);
    if (!created) return this.untilNext(view, now, schedule);
    if (!(status.active ?? []).some((a) => a.uid === created.metadata.uid)) (status.active ??= []).push(referenceTo(created));
    status.lastScheduleTime = formatTime(scheduled);
    return this.untilNext({ ...cj, status }, now, schedule);
  }

  /** getJobFromTemplate2 + CreateJob; an existing Job of that name we control is adopted. */
  private createJob(cj: KubeObject, scheduled: number, name: string): KubeObject | undefined {
    const template = cj.spec?.jobTemplate ?? {};
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatTime(scheduled) },
        ownerReferences: [ownerReferenceTo(cj)],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    try {
      const created = this.ctx.create(this.jobType, job);
      this.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
      return created;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 409) {
        const existing = this.ctx.cluster.tryGet(this.jobType, cj.metadata.namespace, name);
        return existing && controllerRefOf(existing)?.uid === cj.metadata.uid ? existing : undefined;
      }
      this.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${error.message}`);
      return undefined;
    }
  }

  /** Deletes finished Jobs beyond the history limits, oldest start first; returns the rest. */
  private cleanupFinishedJobs(cj: KubeObject, status: CronStatus, jobs: KubeObject[]): KubeObject[] {
    const deleted = new Set<string>();
    const prune = (finished: KubeObject[], limit: unknown) => {
      if (typeof limit !== 'number' || finished.length <= limit) return;
      for (const job of [...finished].sort(byStartTime).slice(0, finished.length - limit)) {
        this.deleteJob(cj, status, job);
        deleted.add(job.metadata.uid!);
      }
    };
    prune(
      jobs.filter((j) => finishedCondition(j) === 'Complete'),
      cj.spec?.successfulJobsHistoryLimit,
    );
    prune(
      jobs.filter((j) => finishedCondition(j) === 'Failed'),
      cj.spec?.failedJobsHistoryLimit,
    );
    return jobs.filter((j) => !deleted.has(j.metadata.uid!));
  }

  private deleteJob(cj: KubeObject, status: CronStatus, job: KubeObject): void {
    this.ctx.delete(this.jobType, job, { propagationPolicy: 'Background' });
    removeActive(status, job.metadata.uid!);
    this.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
  }

  /** nextScheduleTimeDuration: until the activation after the most recent one, plus a margin. */
  private untilNext(cj: KubeObject, now: number, schedule: Schedule): number | undefined {
    const { earliest, mostRecent, missed } = mostRecentScheduleTime(cj, now, schedule, false);
    const base = mostRecent ?? (missed === 0 ? earliest : now);
    const next = schedule.next(base);
    return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
  }

  private event(cj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.events.record(cj, type, reason, message, { component: COMPONENT });
  }
}

function finishedCondition(job: KubeObject): 'Complete' | 'Failed' | undefined {
  if (getCondition(job.status, 'Complete')?.status === 'True') return 'Complete';
  if (getCondition(job.status, 'Failed')?.status === 'True') return 'Failed';
  return undefined;
}

function removeActive(status: CronStatus, uid: string): void {
  status.active = (status.active ?? []).filter((a) => a.uid !== uid);
}

function referenceTo(job: KubeObject): ObjectReference {
  return { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name!, namespace: job.metadata.namespace!, uid: job.metadata.uid!, resourceVersion: job.metadata.resourceVersion };
}

/** byJobStartTime: started before not started, earlier first, then by name. */
function byStartTime(a: KubeObject, b: KubeObject): number {
  const sa = a.status?.startTime as string | undefined;
  const sb = b.status?.startTime as string | undefined;
  if (sa === undefined || sb === undefined) return sa === sb ? cmp(a.metadata.name!, b.metadata.name!) : sa === undefined ? 1 : -1;
  return sa === sb ? cmp(a.metadata.name!, b.metadata.name!) : cmp(sa, sb);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}
