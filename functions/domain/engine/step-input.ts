/**
 * The inputs of the engine's steps as schemas, checked at each step's edge before the domain
 * sees them (a Lambda passes JSON): the request (what today's apply step takes), the state
 * between steps (step-state.ts), and the check's options. A malformed input is an
 * InvalidStepInputError naming the field; past the edge, types are trusted.
 *
 * The schemas check shape only. What a value means (a namespace name, a manifest, a variable
 * reference) is checked where it is used, with the messages those checks already give.
 */
import { z } from 'zod';
import { STRATEGIES, type Strategy } from '../containers/spec.ts';
import { HEALTH_ORDER, type ObjectHealth, type ObjectRef, type RenderContext, type Target, type Variable } from '../model.ts';
import type { ManifestFile } from '../render/index.ts';
import { type InputIssue, InvalidStepInputError } from './errors.ts';
import { type AppliedObject, type ObjectStatus, type PlanProgress, type PlanStepRef, type RolloutMemory, STEP_STATE_VERSION, type StepState, type TrackedObject } from './step-state.ts';

/** What every step is given: the same request the apply step started from. */
export type StepRequest = {
  files: ManifestFile[];
  variables: Variable[];
  context: RenderContext;
  images: Record<string, string>;
  /**
   * An image map entry that rewrites no container is bad input (UnusedImagesError): the CLI's
   * guard against a typo in `--image`. Off for a release's map, which names the images of
   * every step of the process, not only this one's.
   */
  requireImagesUsed?: boolean;
  target: Pick<Target, 'name' | 'namespace' | 'admin'>;
  /** Overrides the strategy of deploy-containers specs. */
  strategy?: Strategy;
  force: boolean;
  dryRun: boolean;
  wait: boolean;
  /** The step's whole budget, from the apply step's start. */
  timeoutMs: number;
  waitForJobs?: boolean;
  concurrency?: number;
};

/** check-rollout: the request, the state the previous step returned, how long it may watch. */
export type CheckRolloutInput = { request: StepRequest; state: StepState; watchSeconds: number };

/** finalize: the request and the state the last check returned. */
export type FinalizeInput = { request: StepRequest; state: StepState };

const text = z.string();
const strings = z.array(text);

const objectRef: z.ZodType<ObjectRef> = z.object({ apiVersion: text, kind: text, namespace: text.optional(), name: text });

const healthStatus = z.enum(HEALTH_ORDER);

const objectHealth: z.ZodType<ObjectHealth> = z.object({ ref: objectRef, status: healthStatus, reason: text.optional(), message: text.optional() });

const objectStatus: z.ZodType<ObjectStatus> = z.object({ status: healthStatus, reason: text.optional(), message: text.optional() });

const appliedObject: z.ZodType<AppliedObject> = z.object({
  ref: objectRef,
  outcome: z.enum(['created', 'configured', 'unchanged', 'validated']).optional(),
  health: objectStatus.optional(),
});

const trackedObject: z.ZodType<TrackedObject> = z.object({
  object: z.int().nonnegative(),
  latched: text.optional(),
  progress: z.object({ fingerprint: text, sinceMs: z.number() }).optional(),
});

const plannedObjects = z.array(z.object({ ref: objectRef, before: text.optional() }));

const planStep: z.ZodType<PlanStepRef> = z.discriminatedUnion('action', [
  z.object({ action: z.literal('apply'), objects: plannedObjects }),
  z.object({ action: z.literal('wait'), refs: z.array(objectRef) }),
  z.object({ action: z.literal('switch'), from: text.optional(), to: text, objects: plannedObjects }),
  z.object({ action: z.literal('cleanup'), delete: z.array(objectRef) }),
]);

const strategy = z.enum(STRATEGIES as [Strategy, ...Strategy[]]);

const planProgress: z.ZodType<PlanProgress> = z
  .object({
    spec: z.int().nonnegative(),
    name: text,
    strategy,
    steps: z.array(planStep),
    next: z.int().nonnegative(),
    waits: z.boolean(),
    onFailure: text,
  })
  .refine((p) => p.next <= p.steps.length, { message: 'past the last step of the plan', path: ['next'] });

const rolloutMemory: z.ZodType<RolloutMemory> = z.object({ waitForJobs: z.boolean().optional(), tracked: z.array(trackedObject) });

export const stepStateSchema: z.ZodType<StepState> = z
  .object({
    version: z.literal(STEP_STATE_VERSION),
    state: z.enum(['validated', 'applied', 'progressing', 'done', 'failed', 'timeout']),
    deadline: z.object({ at: z.number(), budgetMs: z.number().positive() }),
    objects: z.array(appliedObject),
    createdNamespaces: strings,
    rollout: rolloutMemory.optional(),
    plans: z.array(planProgress),
    failure: objectHealth.optional(),
    note: text.optional(),
  })
  .refine((s) => s.state !== 'progressing' || s.rollout !== undefined, { message: 'a progressing state must say what is tracked', path: ['rollout'] })
  .refine((s) => (s.rollout?.tracked ?? []).every((t) => t.object < s.objects.length), { message: 'names an object the state does not have', path: ['rollout', 'tracked'] });

const variableScope = z.object({ environments: strings.optional(), targetTags: strings.optional(), targets: strings.optional(), steps: strings.optional() });

const variable: z.ZodType<Variable> = z.object({
  name: text,
  values: z.array(z.object({ value: text, sensitive: z.boolean().optional(), scope: variableScope.optional() })),
});

const renderContext: z.ZodType<RenderContext> = z.object({
  environment: text,
  project: text,
  releaseNumber: text,
  deploymentId: text,
  step: text,
  target: z.object({ name: text, namespace: text.optional(), tags: strings }),
});

export const stepRequestSchema: z.ZodType<StepRequest> = z.object({
  files: z.array(z.object({ name: text, content: text })),
  variables: z.array(variable),
  context: renderContext,
  images: z.record(text, text),
  requireImagesUsed: z.boolean().optional(),
  target: z.object({ name: text, namespace: text.optional(), admin: z.boolean().optional() }),
  strategy: strategy.optional(),
  force: z.boolean(),
  dryRun: z.boolean(),
  wait: z.boolean(),
  timeoutMs: z.number().positive(),
  waitForJobs: z.boolean().optional(),
  concurrency: z.int().positive().optional(),
});

/** How long a check may watch: from nothing (read once) to a Lambda's whole run. */
const watchSeconds = z.number().nonnegative();

export const checkRolloutInputSchema: z.ZodType<CheckRolloutInput> = z.object({ request: stepRequestSchema, state: stepStateSchema, watchSeconds });

export const finalizeInputSchema: z.ZodType<FinalizeInput> = z.object({ request: stepRequestSchema, state: stepStateSchema });

/** `value` as `schema` says, or an InvalidStepInputError naming every bad field (`step` names the step in the message). */
export function parseStepInput<T>(schema: z.ZodType<T>, value: unknown, step: string, root?: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues: InputIssue[] = parsed.error.issues.map((issue) => ({ field: fieldOf(root, issue.path), message: issue.message }));
  throw new InvalidStepInputError(step, issues);
}

/** `state.objects[2].ref.kind` from zod's path. */
function fieldOf(root: string | undefined, path: PropertyKey[]): string {
  let field = root ?? '';
  for (const part of path) field += typeof part === 'number' ? `[${part}]` : `${field ? '.' : ''}${String(part)}`;
  return field || '(input)';
}
