/** The deployment state machine's `finalize` task: records the outcome, releases the lock, audits and announces it. */
import { finalizeDeployment } from '#functions/app/tasks/finalize.ts';
import { finalizeInput } from '#functions/app/tasks/inputs.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('finalize', finalizeInput, (d, input) => finalizeDeployment(d, input), deps);

export const handler = createHandler(() => productionTaskDeps(['table', 'secrets', 'workflows', 'events']));
