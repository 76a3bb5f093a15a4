/** The release-lifecycle state machine's `lifecycle-gate` task: whether enough of a phase succeeded for the next to open. */
import { lifecycleGateInput } from '#functions/app/tasks/inputs.ts';
import { lifecycleGate } from '#functions/app/tasks/lifecycle.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('lifecycle-gate', lifecycleGateInput, (d, input) => lifecycleGate(d, input), deps);

export const handler = createHandler(() => productionTaskDeps(['table', 'secrets']));
