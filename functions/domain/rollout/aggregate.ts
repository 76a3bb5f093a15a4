/**
 * Rule 1, worst status wins: Healthy < Suspended < Progressing < Missing < Degraded <
 * Unknown (HEALTH_ORDER). A step succeeds when every applied object is Healthy and fails
 * as soon as one is Degraded; anything else (Suspended, Progressing, Missing, Unknown) keeps
 * it waiting until its deadline, whose failure then names the worst object.
 */
import { HEALTH_ORDER, type HealthStatus, type Manifest, type ObjectHealth, type ObjectRef } from '../model.ts';
import { type HealthOptions, healthOf } from './rules.ts';
import { describeRef } from './status.ts';

export const REASON_MISSING = 'Missing';

const RANK: ReadonlyMap<HealthStatus, number> = new Map(HEALTH_ORDER.map((status, index) => [status, index]));

/** Position in HEALTH_ORDER: 0 is best (Healthy), higher is worse. */
export function rankOf(status: HealthStatus): number {
  return RANK.get(status) ?? HEALTH_ORDER.length;
}

/** Negative when `a` is better than `b`; for sorting best to worst. */
export function compareHealth(a: HealthStatus, b: HealthStatus): number {
  return rankOf(a) - rankOf(b);
}

/** The worst of a set; Healthy for an empty set (nothing to wait for). */
export function worstStatus(statuses: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = HEALTH_ORDER[0];
  for (const status of statuses) if (rankOf(status) > rankOf(worst)) worst = status;
  return worst;
}

/** The worst object of a set (the first one at that status, keeping input order), if any. */
export function worstObject(objects: ObjectHealth[]): ObjectHealth | undefined {
  return objects.reduce<ObjectHealth | undefined>((worst, o) => (!worst || rankOf(o.status) > rankOf(worst.status) ? o : worst), undefined);
}

/** An applied object that is gone from the cluster. */
export function missingHealth(ref: ObjectRef): ObjectHealth {
  return { ref, status: 'Missing', reason: REASON_MISSING, message: `${describeRef(ref)}: not found in the cluster after it was applied` };
}

/** Health of an applied object read back from the cluster; undefined when it is gone. */
export function healthOrMissing(ref: ObjectRef, live: Manifest | undefined, options?: HealthOptions): ObjectHealth {
  return live ? healthOf(live, options) : missingHealth(ref);
}

export type StepOutcome = 'succeeded' | 'failed' | 'waiting';

export type Aggregate = {
  status: HealthStatus;
  outcome: StepOutcome;
  /** The first Degraded object when failed, otherwise the worst non-Healthy one. */
  culprit?: ObjectHealth;
};

/** The verdict over a step's objects (rule 1). */
export function aggregate(objects: ObjectHealth[]): Aggregate {
  const status = worstStatus(objects.map((o) => o.status));
  const failed = objects.find((o) => o.status === 'Degraded');
  if (failed) return { status, outcome: 'failed', culprit: failed };
  if (status === 'Healthy') return { status, outcome: 'succeeded' };
  const culprit = worstObject(objects);
  return culprit ? { status, outcome: 'waiting', culprit } : { status, outcome: 'waiting' };
}
