/** The release-lifecycle state machine's `start-deployments` task: a queued deployment per environment of an automatic phase. */
import { startDeploymentsInput } from '#functions/app/tasks/inputs.ts';
import { startDeployments } from '#functions/app/tasks/lifecycle.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('start-deployments', startDeploymentsInput, (d, input) => startDeployments(d, input), deps);

export const handler = createHandler(() => productionTaskDeps(['table']));
