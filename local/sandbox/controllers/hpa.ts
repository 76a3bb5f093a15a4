/**
 * HorizontalPodAutoscaler controller, after kubernetes
 * pkg/controller/podautoscaler/horizontal.go (reconcileAutoscaler, computeReplicasForMetrics,
 * normalizeDesiredReplicas, convertDesiredReplicasWithRules): it keeps the target's
 * spec.replicas within [minReplicas, maxReplicas] and sized for its metrics, and reports
 * status.currentReplicas, desiredReplicas, lastScaleTime, currentMetrics and the conditions
 * AbleToScale, ScalingActive and ScalingLimited with the real controller's reasons.
 *
 * Simulated metrics (there is no metrics-server): every pod of the target uses
 * `sandbox.conveyor.dev/utilization` percent (an annotation on the HPA, default 0: idle) of
 * its request for each Resource / ContainerResource metric; Pods, Object and External
 * metrics read 0. So an HPA settles at minReplicas unless the annotation says the pods are
 * busy: with `utilization: "160"` and a 80% target the replicas double (up to the scale-up
 * limit max(2 x current, 4) and maxReplicas). A Utilization target on a container without
 * a request fails as on a real cluster (ScalingActive False, FailedGetResourceMetric).
 *
 * Differences, for speed: the HPA syncs when it or its target changes instead of every 15 s,
 * and scale-down is not stabilized (no 5-minute window; `behavior` is not applied).
 * autoscaling/v1 objects get the v1 status (currentCPUUtilizationPercentage, no conditions).
 */
import { matchesLabelSelector } from '../selectors.ts';
import type { StoreEvent } from '../store.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import type { Context, Controller } from './context.ts';
import { type Condition, canonicalJson, formatTime, keyOf, splitKey, upsertCondition } from './util.ts';

const COMPONENT = 'horizontal-pod-autoscaler';
/** Percent of its request every pod of the target uses, for Resource metrics. */
export const UTILIZATION_ANNOTATION = 'sandbox.conveyor.dev/utilization';
/** Every pod is idle unless the annotation says otherwise. */
export const DEFAULT_UTILIZATION = 0;
/** autoscaling/v2 defaulting (and v1's targetCPUUtilizationPercentage default). */
const DEFAULT_CPU_UTILIZATION = 80;
/** --horizontal-pod-autoscaler-tolerance: ratios within 10% of 1 change nothing. */
const TOLERANCE = 0.1;
/** scaleUpLimitFactor and scaleUpLimitMinimum. */
const SCALE_UP_FACTOR = 2;
const SCALE_UP_MINIMUM = 4;
/** Kinds with a scale subresource the controller can resize, by group. */
const SCALABLE: readonly [string, string][] = [
  ['apps', 'Deployment'],
  ['apps', 'StatefulSet'],
  ['apps', 'ReplicaSet'],
  ['', 'ReplicationController'],
];

type MetricResult = { replicas: number; name: string; status: Record<string, unknown> } | { error: string; reason: string };

export class HpaController implements Controller {
  readonly name = 'horizontal-pod-autoscaler';
  readonly watches: string[];
  private readonly hpaType: ResourceType;
  private readonly hpaKey: string;
  /** "namespace/Kind/name" of a target → keys of the HPAs that scale it. */
  private readonly byTarget = new Map<string, Set<string>>();
  private readonly targetKinds = new Map<string, string>();

  constructor(private readonly ctx: Context) {
    this.hpaType = ctx.type('autoscaling', 'HorizontalPodAutoscaler')!;
    this.hpaKey = ctx.key('autoscaling', 'HorizontalPodAutoscaler')!;
    for (const [group, kind] of SCALABLE) {
      const key = ctx.key(group, kind);
      if (key) this.targetKinds.set(key, kind);
    }
    this.watches = [this.hpaKey, ...this.targetKinds.keys()];
  }

  start(): void {
    for (const hpa of this.ctx.cluster.store.list(this.hpaKey)) {
      this.index(hpa, true);
      this.ctx.queue.add(this, keyOf(hpa));
    }
  }

  onEvent(event: StoreEvent): void {
    if (event.resource === this.hpaKey) {
      if (event.previous) this.index(event.previous, false);
      if (event.type !== 'DELETED') this.index(event.object, true);
      return this.ctx.queue.add(this, keyOf(event.object));
    }
    if (this.byTarget.size === 0) return;
    const kind = this.targetKinds.get(event.resource);
    for (const hpaKey of this.byTarget.get(`${event.object.metadata.namespace}/${kind}/${event.object.metadata.name}`) ?? []) this.ctx.queue.add(this, hpaKey);
  }

  reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const hpa = this.ctx.cluster.tryGet(this.hpaType, namespace, name);
    if (!hpa || hpa.metadata.deletionTimestamp) return;
    const now = this.ctx.now();
    const time = formatTime(now);
    const v1 = hpa.apiVersion === 'autoscaling/v1';
    let conditions: Condition[] = [...(hpa.status?.conditions ?? [])];
    const set = (type: string, status: 'True' | 'False', reason: string, message: string) => {
      conditions = upsertCondition(conditions, { type, status, lastTransitionTime: time, reason, message });
    };
    const write = (fields: Record<string, unknown>) => {
      const status: Record<string, unknown> = { ...fields };
      if (!v1 && conditions.length) status.conditions = conditions;
      for (const [k, v] of Object.entries(status)) if (v === undefined) delete status[k];
      if (canonicalJson(status) !== canonicalJson(hpa.status ?? {})) this.ctx.writeStatus(this.hpaType, hpa, status);
    };

    const ref = hpa.spec?.scaleTargetRef ?? {};
    const group = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0]! : '';
    const rt = SCALABLE.some(([g, k]) => g === group && k === ref.kind) ? this.ctx.type(group, ref.kind) : undefined;
    const target = rt && this.ctx.cluster.tryGet(rt, namespace, ref.name);
    if (!target) {
      const message = rt ? `${rt.group ? `${rt.plural}.${rt.group}` : rt.plural} "${ref.name}" not found` : `no matches for kind "${ref.kind}" in group "${group}"`;
      this.event(hpa, 'Warning', 'FailedGetScale', message);
      set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
      return write({ ...(hpa.status ?? {}), currentReplicas: hpa.status?.currentReplicas ?? 0, desiredReplicas: hpa.status?.desiredReplicas ?? 0 });
    }
    set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const current: number = target.spec?.replicas ?? 1;
    const min: number = hpa.spec?.minReplicas ?? 1;
    const max: number = hpa.spec?.maxReplicas ?? min;

    let desired = 0;
    let reason = '';
    let rescale = true;
    let metricStatuses: Record<string, unknown>[] | undefined;
    if (current === 0 && min !== 0) {
      rescale = false;
      set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (current > max) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = max;
    } else if (current < min) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = min;
    } else {
      const results = metricSpecs(hpa).map((spec) => this.metric(hpa, target, spec, current));
      const valid = results.filter((r): r is Extract<MetricResult, { replicas: number }> => 'replicas' in r);
      metricStatuses = valid.map((r) => r.status);
      if (valid.length === 0) {
        const failed = results[0] as Extract<MetricResult, { error: string }>;
        this.event(hpa, 'Warning', failed.reason, failed.error);
        set('ScalingActive', 'False', failed.reason, `the HPA was unable to compute the replica count: ${failed.error}`);
        this.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${results.length} invalid out of ${results.length}), first error is: ${failed.error}`);
        return write(this.statusFields(hpa, v1, current, hpa.status?.desiredReplicas ?? 0, undefined, false, now));
      }
      const best = valid.reduce((a, b) => (b.replicas > a.replicas ? b : a));
      set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${best.name}`);
      desired = best.replicas;
      if (desired > current) reason = `${best.name} above target`;
      if (desired < current) reason = 'All metrics below target';
      set('AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size');
      const normalized = normalize(current, desired, min, max);
      set('ScalingLimited', normalized.replicas === desired ? 'False' : 'True', normalized.reason, normalized.message);
      desired = normalized.replicas;
      rescale = desired !== current;
    }

    if (rescale) {
      const scaled = this.ctx.writeObject(rt, { ...target, spec: { ...target.spec, replicas: desired } });
      if (!scaled) return;
      set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
    } else {
      desired = current;
    }
    write(this.statusFields(hpa, v1, current, desired, metricStatuses, rescale, now));
  }

  /** One metric's proposal (GetResourceReplicas and friends) with the simulated usage. */
  private metric(hpa: KubeObject, target: KubeObject, spec: Record<string, any>, current: number): MetricResult {
    const utilization = utilizationOf(hpa);
    const proposal = (ratio: number) => (Math.abs(1 - ratio) <= TOLERANCE ? current : Math.ceil(ratio * current));
    if (spec.type === 'Resource' || spec.type === 'ContainerResource') {
      const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const resource: string = source?.name ?? 'cpu';
      const containers: Record<string, any>[] = (target.spec?.template?.spec?.containers ?? []).filter((c: Record<string, any>) => spec.type === 'Resource' || c.name === source?.container);
      const missing = containers.find((c) => parseMilli(c.resources?.requests?.[resource]) === undefined);
      const request = containers.reduce((sum, c) => sum + (parseMilli(c.resources?.requests?.[resource]) ?? 0), 0);
      const usage = Math.round((request * utilization) / 100);
      const type = spec.type === 'Resource' ? 'resource' : 'containerResource';
      const named = spec.type === 'Resource' ? { name: resource } : { name: resource, container: source?.container };
      if (source?.target?.averageUtilization !== undefined) {
        if (missing || containers.length === 0) {
          const pod = this.podOf(target);
          return {
            reason: 'FailedGetResourceMetric',
            error: `failed to get ${resource} utilization: missing request for ${resource} in container ${missing?.name ?? source?.container}${pod ? ` of Pod ${pod}` : ''}`,
          };
        }
        return {
          replicas: proposal(utilization / source.target.averageUtilization),
          name: `${resource} resource utilization (percentage of request)`,
          status: { type: spec.type, [type]: { ...named, current: { averageUtilization: utilization, averageValue: formatMilli(usage) } } },
        };
      }
      const targetValue = parseMilli(source?.target?.averageValue);
      if (targetValue === undefined || targetValue <= 0) return { reason: 'FailedGetResourceMetric', error: 'invalid resource metric source: neither a utilization target nor a value target was set' };
      return { replicas: proposal(usage / targetValue), name: `${resource} resource`, status: { type: spec.type, [type]: { ...named, current: { averageValue: formatMilli(usage) } } } };
    }
    // No custom or external metrics API in the sandbox: those metrics read 0.
    const source = spec.type === 'Pods' ? spec.pods : spec.type === 'Object' ? spec.object : spec.type === 'External' ? spec.external : undefined;
    if (!source) return { reason: 'InvalidMetricSourceType', error: `unknown metric source type ${JSON.stringify(spec.type)}` };
    const field = source.target?.type === 'Value' ? 'value' : 'averageValue';
    const name =
      spec.type === 'Pods' ? `pods metric ${source.metric?.name}` : spec.type === 'Object' ? `${source.describedObject?.kind} metric ${source.metric?.name}` : `external metric ${source.metric?.name}`;
    const described = spec.type === 'Object' ? { describedObject: source.describedObject } : {};
    return { replicas: proposal(0), name, status: { type: spec.type, [spec.type.toLowerCase()]: { ...described, metric: source.metric, current: { [field]: '0' } } } };
  }

  /** The name of one pod the target selects, for messages. */
  private podOf(target: KubeObject): string | undefined {
    const podKey = this.ctx.key('', 'Pod');
    const selector = target.spec?.selector ?? {};
    return podKey ? this.ctx.cache.inNamespace(target.metadata.namespace!, podKey).find((p) => matchesLabelSelector(p.metadata.labels, selector))?.metadata.name : undefined;
  }

  private statusFields(hpa: KubeObject, v1: boolean, current: number, desired: number, metrics: Record<string, unknown>[] | undefined, rescaled: boolean, now: number): Record<string, unknown> {
    const lastScaleTime = rescaled ? formatTime(now) : hpa.status?.lastScaleTime;
    if (v1) {
      const cpu = metrics?.map((m) => (m.resource as any)?.current?.averageUtilization).find((u) => u !== undefined);
      return { currentReplicas: current, desiredReplicas: desired, lastScaleTime, currentCPUUtilizationPercentage: cpu };
    }
    return { currentReplicas: current, desiredReplicas: desired, lastScaleTime, currentMetrics: metrics?.length ? metrics : undefined };
  }

  private index(hpa: KubeObject, add: boolean): void {
    const ref = hpa.spec?.scaleTargetRef;
    if (!ref?.kind || !ref.name) return;
    const target = `${hpa.metadata.namespace}/${ref.kind}/${ref.name}`;
    const set = this.byTarget.get(target) ?? new Set<string>();
    if (add) set.add(keyOf(hpa));
    else set.delete(keyOf(hpa));
    if (set.size) this.byTarget.set(target, set);
    else this.byTarget.delete(target);
  }

  private event(hpa: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.events.record(hpa, type, reason, message, { component: COMPONENT });
  }
}

/** The metrics an HPA scales on: v2 spec.metrics (default cpu 80%) or v1's CPU target. */
export function metricSpecs(hpa: KubeObject): Record<string, any>[] {
  if (hpa.apiVersion === 'autoscaling/v1') {
    return [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: hpa.spec?.targetCPUUtilizationPercentage ?? DEFAULT_CPU_UTILIZATION } } }];
  }
  const metrics = hpa.spec?.metrics;
  return Array.isArray(metrics) && metrics.length ? metrics : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
}

/** convertDesiredReplicasWithRules: clamp to [min, max] and to the scale-up limit. */
export function normalize(current: number, desired: number, min: number, max: number): { replicas: number; reason: string; message: string } {
  const scaleUpLimit = Math.max(SCALE_UP_FACTOR * current, SCALE_UP_MINIMUM);
  const [upper, upperReason, upperMessage] =
    max > scaleUpLimit
      ? [scaleUpLimit, 'ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate']
      : [max, 'TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
  if (desired < min) return { replicas: min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > upper) return { replicas: upper, reason: upperReason, message: upperMessage };
  return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

function utilizationOf(hpa: KubeObject): number {
  const value = Number(hpa.metadata.annotations?.[UTILIZATION_ANNOTATION]);
  return hpa.metadata.annotations?.[UTILIZATION_ANNOTATION] !== undefined && Number.isFinite(value) && value >= 0 ? value : DEFAULT_UTILIZATION;
}

const SUFFIXES: Readonly<Record<string, number>> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/** A resource.Quantity ("250m", "1", "64Mi") in thousandths, or undefined when absent or malformed. */
export function parseMilli(quantity: unknown): number | undefined {
  if (typeof quantity === 'number') return Math.round(quantity * 1000);
  if (typeof quantity !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(quantity.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * SUFFIXES[m[2] ?? '']! * 1000);
}

/** resource.NewMilliQuantity(v, DecimalSI).String(): whole units without suffix, else "<n>m". */
export function formatMilli(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
