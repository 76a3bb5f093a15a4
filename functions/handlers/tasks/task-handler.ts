/**
 * Every state-machine task's Lambda handler is this middy chain and one call into its use case
 * (functions/app/tasks/): Powertools (logs with the Lambda context, tracing, metrics), errors
 * shaped for the state machine, the input checked against the task's schema, then the call.
 *
 * The state machine sees an error by its name (Lambda's `errorType`), which is what ASL Retry
 * and Catch match, and its message (the Cause). So:
 * - a DeployError keeps its name; its message, already redacted by whoever threw it, is redacted
 *   once more against credential shapes, bounded, and leaves without a stack trace;
 * - anything else (a bug, a library's exception) becomes UnclassifiedTaskError (internal: caught,
 *   never retried) whose message names only the task and the request; the log has its name and
 *   where it was thrown (not its message, which may quote anything);
 * - a malformed input is an InvalidStepInputError naming each bad field (input: never retried).
 *
 * `deps` is called at the first invocation (the container's cold start), so configuration is
 * read once and tests pass their own.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { Deadline } from '#domain/deadline.ts';
import { parseStepInput } from '#domain/engine/step-input.ts';
import { categoryOf, DeployError } from '#domain/errors.ts';
import { Redactor } from '#domain/redactor.ts';
import { UnclassifiedTaskError } from '#functions/app/tasks/errors.ts';
import type { Invocation, TaskDeps } from '#functions/app/tasks/ports.ts';
import { logger, metrics, observe } from '#functions/runtime/observability.ts';

/** Step Functions keeps a Cause of at most 32,768 characters; the message leaves room for the payload around it. */
export const MAX_ERROR_MESSAGE_CHARS = 16_000;
/** Credential shapes (tokens, keys, presigned URLs), whatever their value. */
const SHAPES = new Redactor();

export type TaskRun<I, O> = (deps: TaskDeps, input: I, invocation: Invocation) => Promise<O>;

/**
 * `CheckRolloutRuns`: a metric per task in its name rather than a dimension (one task per
 * function; a dimension set per invocation would be shared by handlers that run in one process).
 */
function metricName(task: string, what: string): string {
  return `${task.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase())}${what}`;
}

/** Errors as the state machine should see them (see the file comment). */
export function taskErrors(task: string): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    onError: async (request) => {
      const error = request.error;
      const requestId = request.context?.awsRequestId ?? 'unknown';
      metrics.addMetric(metricName(task, 'Errors'), MetricUnit.Count, 1);
      if (error instanceof DeployError) {
        const message = SHAPES.text(error.message);
        error.message = message.length > MAX_ERROR_MESSAGE_CHARS ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}… (cut)` : message;
        error.stack = `${error.name}: ${error.message}`;
        logger.warn('task failed', { task, errorName: error.name, category: error.category, errorMessage: error.message });
        return;
      }
      const name = error instanceof Error ? error.name : typeof error;
      // Where it was thrown, not what it says: an unclassified message may quote anything, a secret included.
      const frames = error instanceof Error ? (error.stack ?? '').split('\n').slice(1).join('\n') : '';
      logger.error('task failed with an unclassified error', { task, errorName: name, category: categoryOf(error), stack: frames });
      const replacement = new UnclassifiedTaskError(task, name, requestId);
      replacement.stack = `${replacement.name}: ${replacement.message}`;
      request.error = replacement;
    },
  };
}

/** The Lambda's time as a Deadline, less the margin a task keeps to write its results. */
function invocationOf(context: Context, deps: TaskDeps): Invocation {
  const remaining = typeof context.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY;
  const clock = () => deps.clock().getTime();
  return { deadline: Deadline.after(Math.max(0, remaining - deps.config.invocationMarginMs), clock), requestId: context.awsRequestId };
}

/** The handler of task `task`: its input checked against `schema`, then one call to `run`. */
export function taskHandler<I, O>(task: string, schema: z.ZodType<I>, run: TaskRun<I, O>, deps: () => TaskDeps) {
  let built: TaskDeps | undefined;
  const runs = metricName(task, 'Runs');
  return middy<unknown, O, Error, Context>()
    .use(observe())
    .use(taskErrors(task))
    .handler(async (event, context) => {
      built ??= deps();
      metrics.addMetric(runs, MetricUnit.Count, 1);
      const input = parseStepInput(schema, event, task);
      return run(built, input, invocationOf(context, built));
    });
}
