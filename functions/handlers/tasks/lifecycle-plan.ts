/** The release-lifecycle state machine's `lifecycle-plan` task: the phases of the release's lifecycle. */
import { lifecyclePlanInput } from '#functions/app/tasks/inputs.ts';
import { planLifecycle } from '#functions/app/tasks/lifecycle.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('lifecycle-plan', lifecyclePlanInput, (d, input) => planLifecycle(d, input), deps);

export const handler = createHandler(() => productionTaskDeps(['table']));
