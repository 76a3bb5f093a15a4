/** Schema of `GET /dashboard`: rows are projects, columns environments in order, cells the latest deployment. */
import { z } from 'zod';
import { deploymentState } from './deployments.ts';

export const dashboardDeployment = z.object({
  deploymentId: z.string(),
  releaseNumber: z.number().int(),
  releaseVersion: z.string(),
  state: deploymentState,
  queuedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});

export const dashboardBody = z.object({
  environments: z.array(z.object({ id: z.string(), name: z.string(), order: z.number() })).describe('the columns, in order'),
  rows: z.array(
    z.object({
      project: z.object({ id: z.string(), name: z.string() }),
      cells: z.array(z.object({ environmentId: z.string(), latest: dashboardDeployment.nullable() })).describe("one per column, in the columns' order"),
    }),
  ),
});
