/** The deployment state machine's `check-rollout` task: one bounded look at a target's rollout; finalizes the target when done. */
import { checkTargetRollout } from '#functions/app/tasks/apply.ts';
import { checkRolloutInput } from '#functions/app/tasks/inputs.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('check-rollout', checkRolloutInput, checkTargetRollout, deps);

export const handler = createHandler(() => productionTaskDeps(['table', 'secrets', 'clusters']));
