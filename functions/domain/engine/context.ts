/**
 * What every engine step (apply, check-rollout, finalize) builds from its request before it
 * works, so that each one-shot invocation stands on its own:
 * - the Redactor: the one redaction point for events, results, the state and errors, from the
 *   request's sensitive variables plus the exact values behind `***` in the rendered manifests;
 * - the rendered manifests (rendered once per invocation);
 * - the deploy-containers plans: those the apply step prepared, or, in a later invocation, the
 *   same plans generated again from the request (the state carries no manifests).
 */

import type { DeployPlan } from '../containers/plan.ts';
import type { RenderedObject } from '../model.ts';
import type { Redactor } from '../redactor.ts';
import type { RenderResult } from '../render/index.ts';
import { renderManifests } from '../render/index.ts';
import { bindSpec, type LocatedSpec, objectsOfStep, parseSpecs, regeneratePlan } from './containers-step.ts';
import { InvalidStepInputError } from './errors.ts';
import type { EventSink } from './events.ts';
import { sensitiveRedactor, valuesBehindRedaction } from './redaction.ts';
import { parseStepInput, type StepRequest, stepRequestSchema } from './step-input.ts';
import type { PlanProgress } from './step-state.ts';

export const DEFAULT_CONCURRENCY = 16;

export class StepContext {
  readonly redactor: Redactor;
  #rendered: RenderResult | undefined;
  #parsed: LocatedSpec[] | undefined;
  #specs: LocatedSpec[] | undefined;
  readonly #plans = new Map<number, DeployPlan>();

  constructor(readonly request: StepRequest) {
    this.redactor = sensitiveRedactor(request.variables);
  }

  /** The context of a request checked against its schema (fields other than the request's, such as a Deadline, are dropped). */
  static of(request: unknown, step: string): StepContext {
    return new StepContext(parseStepInput(stepRequestSchema, request, step, 'request'));
  }

  get concurrency(): number {
    return this.request.concurrency ?? DEFAULT_CONCURRENCY;
  }

  /** The request rendered (once); the values behind its `***` join the Redactor. */
  rendered(): RenderResult {
    if (!this.#rendered) {
      const { files, variables, context, images } = this.request;
      this.#rendered = renderManifests({ files, variables, context, images });
      this.redactor.add(valuesBehindRedaction(this.#rendered.objects));
    }
    return this.#rendered;
  }

  /** The request's deploy-containers specs, in order, as written. */
  parsedSpecs(): LocatedSpec[] {
    this.#parsed ??= parseSpecs(this.rendered().objects);
    return this.#parsed;
  }

  /** The request's deploy-containers specs, in order, as the step deploys them (strategy override, images bound). */
  specs(): LocatedSpec[] {
    this.#specs ??= this.parsedSpecs().map((parsed) => bindSpec(parsed, this.request.images, this.request.strategy));
    return this.#specs;
  }

  /** The plan the apply step prepared for spec `index` (with what it read from the cluster). */
  remember(index: number, plan: DeployPlan): void {
    this.#plans.set(index, plan);
  }

  /** The objects step `index` of `progress` writes: from the prepared plan, or generated again. */
  objectsOf(progress: PlanProgress, index: number): RenderedObject[] {
    return objectsOfStep(this.#planFor(progress), progress, index);
  }

  /**
   * Checks, before anything is written, that the request still renders every object the plans
   * have left to write (a request changed between steps is refused as bad input, not half-run).
   */
  checkPlans(plans: PlanProgress[]): void {
    for (const plan of plans) {
      plan.steps.forEach((step, index) => {
        if (index >= plan.next && 'objects' in step) this.objectsOf(plan, index);
      });
    }
  }

  /** `work` at the step's edge: its result leaves redacted, and so does anything it throws. */
  async edge<T>(work: () => Promise<T>): Promise<T> {
    try {
      return this.redactor.deep(await work());
    } catch (error) {
      throw this.redactor.error(error);
    }
  }

  /** `onEvent` behind the Redactor. */
  sink(onEvent: EventSink): EventSink {
    return (event) => onEvent(this.redactor.deep(event));
  }

  #planFor(progress: PlanProgress): DeployPlan {
    const known = this.#plans.get(progress.spec);
    if (known) return known;
    const bound = this.specs()[progress.spec];
    if (!bound || bound.spec.name !== progress.name) {
      throw new InvalidStepInputError('deploy-containers', [
        { field: 'request.files', message: `renders no deploy-containers spec ${progress.name} at position ${progress.spec + 1}; the request must not change between a deployment's steps` },
      ]);
    }
    const plan = regeneratePlan(bound, this.request.target, this.request.context.deploymentId);
    this.#plans.set(progress.spec, plan);
    return plan;
  }
}
