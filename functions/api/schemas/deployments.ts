/**
 * Schemas of the deployment routes: promote a release (`POST
 * /projects/{projectId}/releases/{version}/deployments`), show, redeploy and cancel a deployment
 * (`/deployments/{deploymentId}...`), and a project's deployments to an environment. What they
 * answer never holds a task token nor where one is kept.
 */
import { z } from 'zod';
import { deploymentId, page, slug } from './common.ts';

export const deploymentPath = z.strictObject({ deploymentId });
export const historyPath = z.strictObject({ projectId: slug, environmentId: slug });
export const promoteBody = z.strictObject({ environmentId: slug });

export const deploymentState = z.enum(['Queued', 'Running', 'WaitingForApproval', 'Succeeded', 'Failed', 'Errored', 'Cancelled']);

export const deployment = z.object({
  id: z.string(),
  projectId: z.string(),
  releaseNumber: z.number().int(),
  releaseVersion: z.string(),
  environmentId: z.string(),
  state: deploymentState,
  startedBy: z.string().describe('who asked for it; never allowed to approve it'),
  executionArn: z.string().optional(),
  queuedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  failure: z.object({ category: z.string(), message: z.string() }).optional(),
  version: z.number().int(),
});

export const stepTargetResult = z.object({
  deploymentId: z.string(),
  stepIndex: z.number().int(),
  stepName: z.string(),
  targetId: z.string(),
  state: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Errored', 'Skipped']),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  message: z.string().optional(),
  version: z.number().int(),
});

export const taskLogEntry = z.object({
  time: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
  stepName: z.string().optional(),
  targetId: z.string().optional(),
});

export const approval = z.object({
  deploymentId: z.string(),
  stepIndex: z.number().int(),
  stepName: z.string(),
  environmentId: z.string(),
  requestedBy: z.string(),
  requestedAt: z.string(),
  decision: z.enum(['Approved', 'Rejected']).optional(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  comment: z.string().optional(),
  version: z.number().int(),
});

export const deploymentView = z.object({
  deployment,
  results: z.array(stepTargetResult),
  log: z.array(taskLogEntry).describe('in time order, redacted by its writers'),
  approvals: z.array(approval),
});

export const deploymentAccepted = z.object({
  deployment,
  startedBy: z.enum(['release-lifecycle', 'deployment']).describe('handed to the release lifecycle waiting at that phase, or started on its own'),
});

export const deploymentsPage = page(deployment);
