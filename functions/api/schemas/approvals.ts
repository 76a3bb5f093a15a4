/** Schemas of the approval routes: the pending list (`GET /approvals`) and a decision (`POST /approvals/{deploymentId}/{stepIndex}`). */
import { z } from 'zod';
import { deploymentId, text } from './common.ts';
import { approval, deployment } from './deployments.ts';

export const MAX_COMMENT_LENGTH = 2000;
/** Steps of a process are far fewer; the bound keeps the number a key part. */
const MAX_STEP_INDEX = 9999;

export const decisionPath = z.strictObject({
  deploymentId,
  stepIndex: z
    .string()
    .regex(/^\d{1,4}$/, 'must be a step position (0, 1, 2...)')
    .transform(Number)
    .pipe(z.number().int().min(0).max(MAX_STEP_INDEX)),
});

export const decisionBody = z.strictObject({
  decision: z.enum(['Approved', 'Rejected']),
  comment: text(MAX_COMMENT_LENGTH).optional().describe('shown in the deployment and the audit trail; a rejection passes it to the deployment as the cause'),
});

export const pendingApprovals = z.object({ items: z.array(z.object({ deployment, approval })) });
