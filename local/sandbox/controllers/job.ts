/**
 * Job controller (pkg/controller/job): runs pods until `completions` have succeeded with at
 * most `parallelism` active, counts failures (pod failures and container restarts) against
 * backoffLimit, honours activeDeadlineSeconds, suspend and ttlSecondsAfterFinished, and
 * finishes with the interim condition first (SuccessCriteriaMet / FailureTarget) and the
 * terminal one after it (Complete / Failed), as Kubernetes 1.31+ does.
 */
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { podFromTemplate } from './pod-template.ts';
import { type Condition, canonicalJson, controllerRefOf, formatTime, getCondition, int, isPodActive, isPodReady, keyOf, omitZero, parseTime, setCondition, splitKey } from './util.ts';

const COMPONENT = 'job-controller';
const DEFAULT_BACKOFF_LIMIT = 6;
const LABELS = { controllerUid: 'batch.kubernetes.io/controller-uid', jobName: 'batch.kubernetes.io/job-name', legacyUid: 'controller-uid', legacyName: 'job-name' } as const;
const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

export class JobController implements Controller {
  readonly name = 'job';
  readonly watches: string[];
  private readonly jobType: ResourceType;
  private readonly podType: ResourceType;
  private readonly jobKey: string;
  private readonly podKey: string;
  /** Terminal pods already added to status.succeeded/failed, per job uid. */
  private readonly counted = new Map<string, Set<string>>();

  constructor(private readonly ctx: Context) {
    this.jobType = ctx.type('batch', 'Job')!;
    this.podType = ctx.type('', 'Pod')!;
    this.jobKey = ctx.key('batch', 'Job')!;
    this.podKey = ctx.key('', 'Pod')!;
    this.watches = [this.jobKey, this.podKey];
  }

  start(): void {
    for (const job of this.ctx.cluster.store.list(this.jobKey)) {
      // Terminal pods that exist at start are assumed counted already.
      const pods = this.ctx.cache.controlled(job.metadata.uid!, this.podKey).filter((p) => !isPodActive(p));
      this.counted.set(job.metadata.uid!, new Set(pods.map((p) => p.metadata.uid!)));
      this.ctx.queue.add(this, keyOf(job));
    }
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === this.jobKey) {
      if (event.type === 'DELETED') this.counted.delete(event.object.metadata.uid!);
      return this.ctx.queue.add(this, keyOf(event.object));
    }
    for (const pod of [event.object, event.previous]) {
      const ref = pod && controllerRefOf(pod);
      if (ref?.kind === 'Job') this.ctx.queue.add(this, `${pod!.metadata.namespace}/${ref.name}`);
    }
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const job = this.ctx.cluster.tryGet(this.jobType, namespace, name);
    if (!job) return;
    const now = this.ctx.now();
    const time = formatTime(now);
    const status: Record<string, any> = structuredClone(job.status ?? {});
    const pods = this.ctx.cache.controlled(job.metadata.uid!, this.podKey);
    const active = pods.filter(isPodActive);
    const finished = isFinished(job);
    if (finished) {
      for (const pod of active) this.deletePod(job, pod);
      this.expireIfDue(job, now);
      return;
    }
    if (job.metadata.deletionTimestamp) return;

    let counted = this.counted.get(job.metadata.uid!);
    if (!counted) this.counted.set(job.metadata.uid!, (counted = new Set()));
    for (const pod of pods) {
      if (counted.has(pod.metadata.uid!)) continue;
      if (pod.status?.phase === 'Succeeded') status.succeeded = int(status.succeeded, 0) + 1;
      else if (pod.status?.phase === 'Failed') status.failed = int(status.failed, 0) + 1;
      else continue;
      counted.add(pod.metadata.uid!);
    }
    const succeeded = int(status.succeeded, 0);
    const failed = int(status.failed, 0);
    const completions: number | undefined = job.spec?.completions ?? undefined;
    const parallelism = int(job.spec?.parallelism, 1);
    const suspended = !!job.spec?.suspend;

    // Suspension.
    const suspendedCond = getCondition(status, 'Suspended');
    if (suspended && suspendedCond?.status !== 'True') {
      setCondition(status, { type: 'Suspended', status: 'True', lastProbeTime: time, lastTransitionTime: time, reason: 'JobSuspended', message: 'Job suspended' });
      this.event(job, 'Normal', 'Suspended', 'Job suspended');
    } else if (!suspended && suspendedCond?.status === 'True') {
      setCondition(status, { type: 'Suspended', status: 'False', lastProbeTime: time, lastTransitionTime: time, reason: 'JobResumed', message: 'Job resumed' });
      this.event(job, 'Normal', 'Resumed', 'Job resumed');
      status.startTime = time;
    }
    if (!suspended) status.startTime ??= time;

    const restarts = active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m: number, c: { restartCount?: number }) => m + (c.restartCount ?? 0), 0), 0);
    const deadline = job.spec?.activeDeadlineSeconds;
    const started = parseTime(status.startTime);
    let failure: { reason: string; message: string } | undefined;
    if (failed + restarts > int(job.spec?.backoffLimit, DEFAULT_BACKOFF_LIMIT)) failure = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (!suspended && deadline !== undefined && started !== undefined && now - started >= deadline * 1000)
      failure = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    const complete = completions === undefined ? succeeded > 0 && active.length === 0 : succeeded >= completions;

    let remaining = active;
    if (failure) {
      for (const pod of active) this.deletePod(job, pod);
      remaining = [];
      setCondition(status, cond('FailureTarget', failure.reason, failure.message, time));
      setCondition(status, cond('Failed', failure.reason, failure.message, time));
      this.event(job, 'Warning', failure.reason, failure.message);
    } else if (complete) {
      for (const pod of active) this.deletePod(job, pod);
      remaining = [];
      setCondition(status, cond('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods', time));
      setCondition(status, cond('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods', time));
      status.completionTime = time;
      this.event(job, 'Normal', 'Completed', 'Job completed');
    } else if (suspended) {
      for (const pod of active) this.deletePod(job, pod);
      remaining = [];
    } else {
      const wanted = completions === undefined ? (succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, completions - succeeded);
      if (active.length > wanted) {
        for (const pod of active.slice(wanted)) this.deletePod(job, pod);
        remaining = active.slice(0, wanted);
      } else {
        for (let i = active.length; i < wanted; i++) {
          const pod = this.createPod(job, this.nextIndex(job, pods, i - active.length));
          if (pod) remaining = [...remaining, pod];
        }
      }
      if (deadline !== undefined && started !== undefined) this.ctx.queue.after(this, key, Math.max(1, started + deadline * 1000 - now));
    }

    status.active = remaining.length;
    status.ready = remaining.filter(isPodReady).length;
    status.terminating = pods.filter((p) => p.metadata.deletionTimestamp).length;
    status.uncountedTerminatedPods ??= {};
    omitZero(status, ['active', 'succeeded', 'failed']);
    if (canonicalJson(status) !== canonicalJson(job.status ?? {})) this.ctx.writeStatus(this.jobType, job, status);
  }

  /** The completion index for Indexed jobs: the lowest neither succeeded nor running. */
  private nextIndex(job: KubeObject, pods: KubeObject[], offset: number): number | undefined {
    if (job.spec?.completionMode !== 'Indexed') return undefined;
    const taken = new Set(pods.filter((p) => isPodActive(p) || p.status?.phase === 'Succeeded').map((p) => Number(p.metadata.annotations?.[COMPLETION_INDEX])));
    let skipped = 0;
    for (let i = 0; i < int(job.spec?.completions, 1); i++) if (!taken.has(i) && skipped++ === offset) return i;
    return undefined;
  }

  private createPod(job: KubeObject, index: number | undefined): KubeObject | undefined {
    const uid = job.metadata.uid!;
    const name = job.metadata.name!;
    const indexed = index !== undefined;
    const pod = podFromTemplate(job.spec?.template, job, {
      namespace: job.metadata.namespace!,
      generateName: indexed ? `${name}-${index}-` : `${name}-`,
      labels: { [LABELS.controllerUid]: uid, [LABELS.jobName]: name, [LABELS.legacyUid]: uid, [LABELS.legacyName]: name, ...(indexed ? { [COMPLETION_INDEX]: String(index) } : {}) },
      annotations: indexed ? { [COMPLETION_INDEX]: String(index) } : {},
      spec: indexed ? { hostname: `${name}-${index}` } : {},
    });
    const created = this.ctx.create(this.podType, pod);
    this.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    return created;
  }

  private deletePod(job: KubeObject, pod: KubeObject): void {
    this.ctx.delete(this.podType, pod);
    this.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }

  /** ttlSecondsAfterFinished: the TTL-after-finished controller deletes the job (and, in the background, its pods). */
  private expireIfDue(job: KubeObject, now: number): void {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp) return;
    const finishedAt = parseTime(job.status?.completionTime) ?? parseTime((getCondition(job.status, 'Failed') ?? getCondition(job.status, 'Complete'))?.lastTransitionTime);
    if (finishedAt === undefined) return;
    const wait = finishedAt + ttl * 1000 - now;
    if (wait > 0) return this.ctx.queue.after(this, keyOf(job), wait);
    this.ctx.delete(this.jobType, job, { propagationPolicy: 'Background' });
  }

  private event(job: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.events.record(job, type, reason, message, { component: COMPONENT });
  }
}

function cond(type: string, reason: string, message: string, time: string): Condition {
  return { type, status: 'True', lastProbeTime: time, lastTransitionTime: time, reason, message };
}

function isFinished(job: KubeObject): boolean {
  return getCondition(job.status, 'Complete')?.status === 'True' || getCondition(job.status, 'Failed')?.status === 'True';
}
