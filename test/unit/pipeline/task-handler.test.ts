/**
 * The task handlers' edge: the input checked against the task's schema (a malformed input is an
 * input error naming each field), the invocation's deadline from the Lambda's remaining time,
 * and errors shaped for the state machine (a DeployError keeps its name, with credential shapes
 * redacted and no stack; anything else becomes UnclassifiedTaskError, saying nothing of its
 * message). Plus the small rules the rollout loop and the queue follow.
 */
import '../../support/quiet-powertools.ts';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { InvalidStepInputError } from '#domain/engine/errors.ts';
import type { StepState } from '#domain/engine/step-state.ts';
import { ClusterUnavailableError, PartialApplyError } from '#domain/errors.ts';
import { TooLargeError } from '#domain/pipeline/errors.ts';
import type { TaskLogEntry } from '#domain/pipeline/model.ts';
import { lifecycleGateInput, targetTaskInput } from '#functions/app/tasks/inputs.ts';
import { retryAfter } from '#functions/app/tasks/plan.ts';
import type { Invocation, TaskDeps } from '#functions/app/tasks/ports.ts';
import { boundedState, MAX_ROLLOUT_STATE_BYTES, waitSecondsAfter, withLog } from '#functions/app/tasks/rollout.ts';
import { chunks, LOG_CHUNK_CHARS } from '#functions/app/tasks/run-script.ts';
import { TaskLog } from '#functions/app/tasks/task-log.ts';
import { DEFAULT_TASK_CONFIG } from '#functions/handlers/tasks/config.ts';
import { taskHandler } from '#functions/handlers/tasks/task-handler.ts';

const REMAINING_MS = 60_000;
const deps = { clock: () => new Date(), config: DEFAULT_TASK_CONFIG } as TaskDeps;
const context = { awsRequestId: 'req-1', functionName: 'apply', getRemainingTimeInMillis: () => REMAINING_MS } as unknown as Context;

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to throw');
}

describe('taskHandler', () => {
  it('gives the use case the parsed input and a deadline that ends before the Lambda does', async () => {
    // Prepare
    const seen: { input: unknown; invocation: Invocation }[] = [];
    const handler = taskHandler(
      'apply',
      targetTaskInput,
      async (_deps, input, invocation) => {
        seen.push({ input, invocation });
        return { ok: true };
      },
      () => deps,
    );

    // Act
    const result = await handler({ deploymentId: '01J0000000000000000000000A', stepIndex: 1, targetId: 'web-a' }, context);

    // Assess
    expect(result).toEqual({ ok: true });
    expect(seen[0]!.input).toEqual({ deploymentId: '01J0000000000000000000000A', stepIndex: 1, targetId: 'web-a' });
    const left = seen[0]!.invocation.deadline.remainingMs();
    expect(left).toBeLessThanOrEqual(REMAINING_MS - DEFAULT_TASK_CONFIG.invocationMarginMs);
    expect(left).toBeGreaterThan(REMAINING_MS - DEFAULT_TASK_CONFIG.invocationMarginMs - 1_000);
  });

  it('refuses a malformed input with an input error naming each field, before the use case runs', async () => {
    // Prepare
    let ran = false;
    const handler = taskHandler(
      'lifecycle-gate',
      lifecycleGateInput,
      async () => {
        ran = true;
        return {};
      },
      () => deps,
    );

    // Act
    const error = await failureOf(handler({ releaseId: 'web', phaseIndex: -1, extra: 'x' }, context));

    // Assess
    expect(error).toBeInstanceOf(InvalidStepInputError);
    expect(error.name).toBe('InvalidStepInputError');
    expect(error.message).toContain('releaseId: must be "<projectId>/<releaseNumber>"');
    expect(error.message).toContain('phaseIndex:');
    expect(error.message).toContain('Unrecognized key: "extra"');
    expect(ran).toBe(false);
  });

  it("keeps a DeployError's name, redacts credential shapes from its message and drops its stack", async () => {
    // Prepare
    const handler = taskHandler(
      'apply',
      targetTaskInput,
      async () => {
        throw new ClusterUnavailableError('the API server answered 503 to Authorization: Bearer abc.def.ghi');
      },
      () => deps,
    );

    // Act
    const error = await failureOf(handler({ deploymentId: 'd-1', stepIndex: 0, targetId: 'web' }, context));

    // Assess
    expect(error.name).toBe('ClusterUnavailableError');
    expect(error.message).toBe('the API server answered 503 to Authorization: Bearer ***');
    expect(error.stack).toBe(`ClusterUnavailableError: ${error.message}`);
  });

  it('reports an unclassified exception as UnclassifiedTaskError, without its message', async () => {
    // Prepare
    const handler = taskHandler(
      'apply',
      targetTaskInput,
      async () => {
        throw new TypeError('cannot read token s3cr3t-value of undefined');
      },
      () => deps,
    );

    // Act
    const error = await failureOf(handler({ deploymentId: 'd-1', stepIndex: 0, targetId: 'web' }, context));

    // Assess
    expect(error.name).toBe('UnclassifiedTaskError');
    expect(error.message).toBe("internal error in task apply (TypeError); see the function's log for request req-1");
    expect(error.stack).not.toContain('s3cr3t');
  });
});

describe('the rollout loop and the queue', () => {
  it('waits 2, 4, 8, 16, then 30 s between checks', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map(waitSecondsAfter)).toEqual([2, 4, 8, 16, 30, 30, 30, 30]);
  });

  it('asks again sooner when next in the queue, at most every minute further back', () => {
    expect([1, 2, 3, 6, 50].map(retryAfter)).toEqual([10, 20, 30, 60, 60]);
  });

  it('refuses a rollout state too large for the state machine to carry', () => {
    // Prepare
    const object = { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'x'.repeat(200) }, outcome: 'created' as const };
    const state = {
      version: 1,
      state: 'progressing',
      deadline: { at: 0, budgetMs: 1 },
      objects: Array.from({ length: 1_000 }, () => object),
      createdNamespaces: [],
      plans: [],
    } as unknown as StepState;

    // Act
    const error = (() => {
      try {
        boundedState(state, 'step web on target a');
      } catch (e) {
        return e as Error;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(TooLargeError);
    expect(error?.message).toContain(`the limit (rollout state carried by the state machine: split the step) is ${MAX_ROLLOUT_STATE_BYTES / 1024} KiB`);
  });

  it('logs script output in entries cut at line ends', () => {
    // Prepare
    const line = `${'x'.repeat(99)}\n`;

    // Act
    const entries = chunks(line.repeat(100));

    // Assess
    expect(entries.every((e) => e.length <= LOG_CHUNK_CHARS)).toBe(true);
    expect(entries.join('\n')).toBe(line.repeat(100).trimEnd());
    expect(entries[0]!.endsWith('x')).toBe(true);
  });
});

describe('a partial apply across the Task boundary', () => {
  it('logs what was applied and what not, and is thrown as its cause (whose name the ASL retries)', async () => {
    // Prepare
    const appended: TaskLogEntry[][] = [];
    const log = new TaskLog({ stores: { deployments: { appendLog: async (_id: string, lines: TaskLogEntry[]) => void appended.push(lines) } }, clock: () => new Date() } as unknown as TaskDeps, 'd-1');
    const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name });
    const partial = new PartialApplyError([ref('a')], [ref('b')], new ClusterUnavailableError('the API server answered 503'));

    // Act
    const thrown = await failureOf(
      withLog(log, async () => {
        throw partial;
      }),
    );

    // Assess
    expect(thrown).toBeInstanceOf(ClusterUnavailableError);
    expect(thrown.message).toContain('applied (1): ConfigMap/shop/a');
    expect(thrown.message).toContain('applying again is safe');
    expect(appended.flat().map((l) => l.message)).toEqual(['stopped part-way: applied (1): ConfigMap/shop/a; not applied (1): ConfigMap/shop/b']);
  });
});
