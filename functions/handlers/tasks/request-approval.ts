/** The deployment state machine's `request-approval` task: keeps the task token as a secret and asks for a decision. */
import { requestApprovalInput } from '#functions/app/tasks/inputs.ts';
import type { TaskDeps } from '#functions/app/tasks/ports.ts';
import { requestApproval } from '#functions/app/tasks/request-approval.ts';
import { productionTaskDeps } from './deps.ts';
import { taskHandler } from './task-handler.ts';

export const createHandler = (deps: () => TaskDeps) => taskHandler('request-approval', requestApprovalInput, (d, input) => requestApproval(d, input), deps);

export const handler = createHandler(() => productionTaskDeps(['table', 'secrets', 'events']));
