/** The deployment state machine's `plan` task (docs/state-machines.md): the lock, then the steps with their targets. */
import { planInput } from '#functions/app/tasks/inputs.ts';
import { planDeployment } from '#functions/app/tasks/plan.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('plan', planInput, (d, input) => planDeployment(d, input), deps);

export const handler = createHandler(() => productionTaskDeps(['table', 'events']));
