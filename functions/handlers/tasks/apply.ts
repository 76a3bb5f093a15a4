/** The deployment state machine's `apply` task: one manifest step on one target, up to its rollout. */
import { applyTarget } from '#functions/app/tasks/apply.ts';
import { targetTaskInput } from '#functions/app/tasks/inputs.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('apply', targetTaskInput, applyTarget, deps);

export const handler = createHandler(() => productionTaskDeps(['table', 'secrets', 'clusters']));
