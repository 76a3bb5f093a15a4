/**
 * The input of every task, one schema each, as docs/state-machines.md gives them. The handler
 * checks its input against its schema before the use case runs (a malformed input is an
 * InvalidStepInputError naming the field, an `input` error: never retried), so past the edge the
 * types are trusted. Inputs carry ids, never secrets; the only opaque values are task tokens.
 */
import { z } from 'zod';
import { stepStateSchema } from '#domain/engine/step-input.ts';
import { SLUG_PATTERN } from '#domain/pipeline/model.ts';
import { parseReleaseId, RELEASE_ID_PATTERN, type ReleaseKey } from '../release-ids.ts';

/** Deployment ids as the stores accept them (ULIDs, UUIDs). */
const deploymentId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a deployment id');
const slug = z.string().regex(SLUG_PATTERN, 'must be a slug');
const index = z.int().nonnegative();
const executionArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:states:[^\s]+$/, 'must be a Step Functions execution ARN')
  .max(2048);
/** The execution's role (`$$.Execution.RoleArn`): the pipeline's own identity in audit events. */
const actorArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:[^\s]+$/, 'must be an ARN')
  .max(2048);
/** Step Functions task tokens are at most 1,024 characters (SendTaskSuccess's limit). */
const taskToken = z.string().min(1).max(1024);

/**
 * `"<projectId>/<releaseNumber>"`: how the release lifecycle names its release (release-ids.ts,
 * agreed with the API, which starts release lifecycles with `{ releaseId }`).
 */
export const releaseIdSchema = z
  .string()
  .regex(RELEASE_ID_PATTERN, 'must be "<projectId>/<releaseNumber>", such as "web/7"')
  .transform((text) => parseReleaseId(text));

export type { ReleaseKey };

export const planInput = z.strictObject({ deploymentId, executionArn, actorArn });
export type PlanInput = z.output<typeof planInput>;

/** One step × target of a deployment: what apply, check-rollout and run-script work on. */
export const targetTaskInput = z.strictObject({ deploymentId, stepIndex: index, targetId: slug });
export type TargetTaskInput = z.output<typeof targetTaskInput>;

export const checkRolloutInput = z.strictObject({ deploymentId, stepIndex: index, targetId: slug, checks: index, rollout: stepStateSchema });
export type CheckRolloutTaskInput = z.output<typeof checkRolloutInput>;

export const requestApprovalInput = z.strictObject({ deploymentId, stepIndex: index, taskToken, actorArn });
export type RequestApprovalInput = z.output<typeof requestApprovalInput>;

/**
 * What a Catch put into `$.failure` (`Error` and `Cause`; either may be missing, as after a
 * SendTaskFailure without them), or null when every step succeeded.
 */
const failure = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).nullable();

export const finalizeInput = z.strictObject({ deploymentId, executionArn, actorArn, failure });
export type FinalizeInput = z.output<typeof finalizeInput>;
export type CaughtFailure = NonNullable<FinalizeInput['failure']>;

export const lifecyclePlanInput = z.strictObject({ releaseId: releaseIdSchema, executionArn });
export type LifecyclePlanInput = z.output<typeof lifecyclePlanInput>;

export const startDeploymentsInput = z.strictObject({ releaseId: releaseIdSchema, phaseIndex: index, executionArn });
export type StartDeploymentsInput = z.output<typeof startDeploymentsInput>;

export const awaitPromotionInput = z.strictObject({ releaseId: releaseIdSchema, phaseIndex: index, taskToken });
export type AwaitPromotionInput = z.output<typeof awaitPromotionInput>;

export const lifecycleGateInput = z.strictObject({ releaseId: releaseIdSchema, phaseIndex: index });
export type LifecycleGateInput = z.output<typeof lifecycleGateInput>;
