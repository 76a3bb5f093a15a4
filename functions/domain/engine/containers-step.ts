/**
 * The deploy-containers step: its spec is turned into objects and a plan (Recreate and
 * RollingUpdate: apply, wait, clean older config; BlueGreen: apply the new colour, wait,
 * switch the Service, delete older colours). Plans are prepared, with live objects read
 * and the boundary checked, before anything is written; then run a part per engine step, as
 * step-state.ts says: the state keeps each plan by reference (PlanProgress), and the objects a
 * later part writes are generated again from the request (`regeneratePlan`), never stored.
 */

import { isDeployContainersDocument, parseDeployContainersDocument } from '../containers/document.ts';
import { stepSelector } from '../containers/names.ts';
import { type DeployPlan, type LiveObjects, type PlanStep, planDeployContainers } from '../containers/plan.ts';
import type { DeployContainersSpec, Strategy } from '../containers/spec.ts';
import type { Manifest, ObjectRef, RenderedObject, SourceLocation, Target } from '../model.ts';
import type { ClusterClient } from '../ports.ts';
import { type BindingReport, enforceBoundary, type ScopeLookup, substituteImages } from '../render/index.ts';
import { refKey } from '../rollout/status.ts';
import type { ObjectResult } from './applier.ts';
import { InvalidStepInputError } from './errors.ts';
import { type EventSink, refOf } from './events.ts';
import type { PlanProgress, PlanStepRef } from './step-state.ts';

const DEFAULT_NAMESPACE = 'default';
const NOTHING_LIVE: LiveObjects = { deployments: [], configMaps: [], secrets: [] };

/** Fills tags/digests of the spec's container images from the release's image map. */
export function bindSpecImages(spec: DeployContainersSpec, images: Record<string, string>, source: SourceLocation): DeployContainersSpec {
  const [bound] = substituteImages([specPod(spec, source)], images).objects;
  const boundImages: { image: string }[] = bound!.object.spec.containers;
  return { ...spec, containers: spec.containers.map((c, i) => ({ ...c, image: boundImages[i]!.image })) };
}

/** What the image map bound in a spec's containers (for the unused-entry check). */
export function specImageReport({ spec, source }: LocatedSpec, images: Record<string, string>): BindingReport {
  return substituteImages([specPod(spec, source)], images).report;
}

/** The spec's containers as a Pod, so images bind there exactly as in manifests. */
function specPod(spec: DeployContainersSpec, source: SourceLocation): RenderedObject {
  const pod: Manifest = { apiVersion: 'v1', kind: 'Pod', metadata: { name: spec.name }, spec: { containers: spec.containers.map((c) => ({ name: c.name, image: c.image })) } };
  return { object: pod, redacted: pod, source };
}

/** A deploy-containers spec of the request, with where it came from. */
export type LocatedSpec = { spec: DeployContainersSpec; source: SourceLocation };

/** The deploy-containers documents among `rendered`, in order, parsed (their problems thrown as bad input). */
export function parseSpecs(rendered: RenderedObject[]): LocatedSpec[] {
  return rendered.filter((r) => isDeployContainersDocument(r.object)).map((r) => ({ spec: parseDeployContainersDocument(r.object, r.source), source: r.source }));
}

/** A parsed spec ready to plan: the strategy override applied, images bound from the release's map. */
export function bindSpec({ spec, source }: LocatedSpec, images: Record<string, string>, strategy: Strategy | undefined): LocatedSpec {
  return { spec: bindSpecImages({ ...spec, ...(strategy ? { strategy } : {}) }, images, source), source };
}

export type PreparedPlan = { spec: DeployContainersSpec; namespace: string; plan: DeployPlan };

const namespaceOf = (spec: DeployContainersSpec, target: Pick<Target, 'namespace'>) => spec.namespace ?? target.namespace ?? DEFAULT_NAMESPACE;

/** Reads what the step left last time and plans this deployment; writes nothing. */
export async function prepareDeployContainers(
  cluster: ClusterClient,
  spec: DeployContainersSpec,
  deploymentId: string,
  target: Pick<Target, 'name' | 'namespace' | 'admin'>,
  lookup: ScopeLookup,
  source: SourceLocation,
): Promise<PreparedPlan> {
  const namespace = namespaceOf(spec, target);
  // The boundary check of every object the step can generate, on a first plan.
  const firstPlan = planDeployContainers({ ...spec, namespace }, deploymentId, NOTHING_LIVE, { source });
  const generated = firstPlan.steps.flatMap((s) => ('objects' in s ? s.objects : []));
  await enforceBoundary(generated, target, lookup);
  const selector = stepSelector(spec);
  const [deployments, configMaps, secrets, service] = await Promise.all([
    cluster.list('apps/v1', 'Deployment', namespace, selector),
    cluster.list('v1', 'ConfigMap', namespace, selector),
    cluster.list('v1', 'Secret', namespace, selector),
    cluster.get({ apiVersion: 'v1', kind: 'Service', namespace, name: spec.name }),
  ]);
  const plan = planDeployContainers({ ...spec, namespace }, deploymentId, { deployments, configMaps, secrets, service }, { source });
  return { spec, namespace, plan };
}

/**
 * The plan's objects generated again, for a later step that must write them (a switch, an
 * apply between two waits). Objects do not depend on what is live, so planning against
 * nothing live gives the same objects at the same step indices (only cleanups, always last,
 * depend on it; the state keeps those).
 */
export function regeneratePlan(bound: LocatedSpec, target: Pick<Target, 'namespace'>, deploymentId: string): DeployPlan {
  return planDeployContainers({ ...bound.spec, namespace: namespaceOf(bound.spec, target) }, deploymentId, NOTHING_LIVE, { source: bound.source });
}

export function planObjects(prepared: PreparedPlan): RenderedObject[] {
  return prepared.plan.steps.flatMap((s) => ('objects' in s ? s.objects : []));
}

/** The plan as the state carries it; `before`: what the dry run saw of each object (by refKey). */
export function progressOf(prepared: PreparedPlan, spec: number, waits: boolean, before: Map<string, string>): PlanProgress {
  const planned = (objects: RenderedObject[]) =>
    objects.map((o) => {
      const ref = refOf(o.object);
      const seen = before.get(refKey(ref));
      return { ref, ...(seen !== undefined ? { before: seen } : {}) };
    });
  const steps = prepared.plan.steps.map((step): PlanStepRef => {
    switch (step.action) {
      case 'apply':
        return { action: 'apply', objects: planned(step.objects) };
      case 'switch':
        return { action: 'switch', to: step.to, objects: planned(step.objects), ...(step.from ? { from: step.from } : {}) };
      case 'wait':
        return { action: 'wait', refs: step.refs };
      case 'cleanup':
        return { action: 'cleanup', delete: step.delete };
    }
  });
  return { spec, name: prepared.spec.name, strategy: prepared.plan.strategy, steps, next: 0, waits, onFailure: prepared.plan.onFailure.message };
}

/** The objects of step `index` of `plan`, or an error saying the request no longer renders this plan. */
export function objectsOfStep(plan: DeployPlan, progress: PlanProgress, index: number): RenderedObject[] {
  const step: PlanStep | undefined = plan.steps[index];
  const expected = progress.steps[index];
  const objects = step && 'objects' in step ? step.objects : [];
  const same = (refs: ObjectRef[]) => refs.length === objects.length && refs.every((r, i) => refKey(r) === refKey(refOf(objects[i]!.object)));
  if (!step || !expected || step.action !== expected.action || !('objects' in expected) || !same(expected.objects.map((o) => o.ref))) {
    const message = `deploy-containers ${progress.name}: step ${index + 1} (${expected?.action ?? 'none'}) of its plan is not what the request renders now; the request must not change between a deployment's steps`;
    throw new InvalidStepInputError('deploy-containers', [{ field: 'request.files', message }]);
  }
  return objects;
}

/** What running plan actions needs from the engine step that runs them. */
export type ActionRunner = {
  /** Applies the objects of step `index` of `plan` and returns their results. */
  apply(plan: PlanProgress, index: number): Promise<ObjectResult[]>;
  delete(ref: ObjectRef): Promise<void>;
  onEvent: EventSink;
};

/** Whether the plan has passed one of its waits: only then may older config be deleted. */
function hasWaited(plan: PlanProgress): boolean {
  return plan.waits && plan.steps.slice(0, plan.next).some((s) => s.action === 'wait');
}

/**
 * Runs the plan's actions from `plan.next` (moving it on) up to `end`, stopping at a wait the
 * plan waits at. A plan that does not wait skips its waits, and with them its cleanups (old
 * pods may still read older config). Returns the results of what it applied.
 */
export async function runActions(plan: PlanProgress, end: number, runner: ActionRunner): Promise<ObjectResult[]> {
  const results: ObjectResult[] = [];
  for (; plan.next < Math.min(end, plan.steps.length); plan.next++) {
    const step = plan.steps[plan.next]!;
    if (step.action === 'wait') {
      if (plan.waits) return results;
    } else if (step.action === 'apply') {
      results.push(...(await runner.apply(plan, plan.next)));
    } else if (step.action === 'switch') {
      results.push(...(await runner.apply(plan, plan.next)));
      const service = step.objects.find((o) => o.ref.kind === 'Service');
      if (service) runner.onEvent({ type: 'switched', service: service.ref, to: step.to });
    } else if (hasWaited(plan)) {
      for (const ref of step.delete) {
        await runner.delete(ref);
        runner.onEvent({ type: 'deleted', ref });
      }
    }
  }
  return results;
}

/** Whether the plan still has a wait ahead (at or after its next step). */
export function waitsAhead(plan: PlanProgress): boolean {
  return plan.waits && plan.steps.slice(plan.next).some((s) => s.action === 'wait');
}

/**
 * After the wait the plan stands at is done: moves past it and runs what lies before its next
 * wait. Actions after its last wait are left for finalize. Returns the results of what it applied.
 */
export async function passWait(plan: PlanProgress, runner: ActionRunner): Promise<ObjectResult[]> {
  plan.next++;
  return waitsAhead(plan) ? runActions(plan, plan.steps.length, runner) : [];
}
