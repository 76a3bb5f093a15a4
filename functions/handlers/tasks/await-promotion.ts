/** The release-lifecycle state machine's `await-promotion` task: keeps the task token for the promotion API. */
import { awaitPromotionInput } from '#functions/app/tasks/inputs.ts';
import { awaitPromotion } from '#functions/app/tasks/lifecycle.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('await-promotion', awaitPromotionInput, (d, input) => awaitPromotion(d, input), deps);

export const handler = createHandler(() => productionTaskDeps(['table', 'secrets']));
