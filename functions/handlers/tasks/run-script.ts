/** The deployment state machine's `run-script` task: a kubectl-script step on one target, output masked into the task log. */
import { targetTaskInput } from '#functions/app/tasks/inputs.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { runScript } from '#functions/app/tasks/run-script.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('run-script', targetTaskInput, runScript, deps);

export const handler = createHandler(() => productionTaskDeps(['table', 'secrets', 'clusters', 'scripts']));
