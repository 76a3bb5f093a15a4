/**
 * Where a release stands in its lifecycle, and where it may go. Phases open in order: the
 * first is open as soon as the release exists; phase N+1 opens once phase N is complete, i.e.
 * enough of its environments (its `minimumEnvironmentsBeforePromotion`, 0 meaning all) have a
 * succeeded deployment of the release. A release may be deployed to an environment of an open
 * phase — the promotion API, the lifecycle state machine's gate and its plan all ask here.
 */
import type { Lifecycle, Phase } from './model.ts';

export type PhaseProgress = {
  index: number;
  name: string;
  environments: string[];
  automatic: boolean;
  /** The phase's environments with a succeeded deployment of the release. */
  succeeded: string[];
  /** How many must succeed before the next phase opens. */
  required: number;
  complete: boolean;
  open: boolean;
};

/** How many of a phase's environments must succeed: its minimum, or all of them for 0. */
export function requiredSuccesses(phase: Phase): number {
  const all = phase.environments.length;
  return phase.minimumEnvironmentsBeforePromotion > 0 ? Math.min(phase.minimumEnvironmentsBeforePromotion, all) : all;
}

/** Every phase's progress for a release that has succeeded in `succeededEnvironments`. */
export function lifecycleProgress(lifecycle: Lifecycle, succeededEnvironments: ReadonlySet<string>): PhaseProgress[] {
  let previousComplete = true;
  return lifecycle.phases.map((phase, index) => {
    const succeeded = phase.environments.filter((e) => succeededEnvironments.has(e));
    const required = requiredSuccesses(phase);
    const open = previousComplete;
    const complete = open && succeeded.length >= required;
    previousComplete = complete;
    return { index, name: phase.name, environments: [...phase.environments], automatic: phase.entry === 'automatic', succeeded, required, complete, open };
  });
}

export type PromotionDecision = { allowed: true; phaseIndex: number } | { allowed: false; reason: string };

/**
 * Whether the release may be deployed to `environmentId` now: the environment must belong to
 * an open phase of the lifecycle. The refusal says which phase must complete first, and how far
 * it is.
 */
export function mayDeploy(lifecycle: Lifecycle, succeededEnvironments: ReadonlySet<string>, environmentId: string): PromotionDecision {
  const phases = lifecycleProgress(lifecycle, succeededEnvironments);
  const containing = phases.filter((p) => p.environments.includes(environmentId));
  if (!containing.length) {
    return {
      allowed: false,
      reason: `environment ${environmentId} is in no phase of lifecycle ${lifecycle.id} (its environments: ${[...new Set(lifecycle.phases.flatMap((p) => p.environments))].join(', ') || 'none'})`,
    };
  }
  const open = containing.find((p) => p.open);
  if (open) return { allowed: true, phaseIndex: open.index };
  const phase = containing[0]!;
  const blocking = phases.slice(0, phase.index).find((p) => !p.complete)!;
  return {
    allowed: false,
    reason:
      `environment ${environmentId} is in phase ${phase.index + 1} (${phase.name}) of lifecycle ${lifecycle.id}, which opens once phase ${blocking.index + 1} (${blocking.name}) is complete: ` +
      `${blocking.succeeded.length} of the ${blocking.required} successful deployments it needs (${blocking.environments.join(', ')})`,
  };
}
