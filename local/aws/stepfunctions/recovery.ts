/**
 * What happens to executions that were running when the service stopped. Their engine, timers
 * and open task tokens lived in the stopped process and cannot be resumed, so each is reported
 * as what it became: FAILED, with the cause "interrupted by restart" and an ExecutionFailed
 * event closing its history — never silently lost, never left RUNNING forever.
 *
 * The caller's hook (`onInterrupted`) is told first, with the record as it is about to be
 * reported, so that it can settle what the execution would have settled (conveyor up: the
 * deployment recorded Errored and its lock released, local/interrupted-deployments.ts). A hook
 * that fails does not keep the execution RUNNING: the failure is reported to `log` and returned;
 * a lock it could not release still ends with its lease.
 */
import type { DiskExecutionStore } from '../sfn/disk-store.ts';
import type { ExecutionRecord } from '../sfn/types.ts';

/** The Error of an execution interrupted by a restart of the local service. */
export const INTERRUPTED_ERROR = 'ExecutionInterrupted';
export const INTERRUPTED_CAUSE = 'interrupted by restart';

/** Called once per interrupted execution, before the service takes requests; it must not call the service. */
export type InterruptedHook = (execution: ExecutionRecord) => void | Promise<void>;

export type Recovery = {
  /** The executions marked FAILED, as recorded. */
  interrupted: ExecutionRecord[];
  /** The hook's failures, by execution ARN (error name and message). */
  hookFailures: { executionArn: string; error: string }[];
};

export async function recoverInterrupted(store: DiskExecutionStore, now: Date, hook?: InterruptedHook, log?: (line: string) => void): Promise<Recovery> {
  const recovery: Recovery = { interrupted: [], hookFailures: [] };
  for (const running of store.all().filter((record) => record.status === 'RUNNING')) {
    const record: ExecutionRecord = { ...running, status: 'FAILED', error: INTERRUPTED_ERROR, cause: INTERRUPTED_CAUSE, stopDate: now };
    try {
      await hook?.(record);
    } catch (error) {
      const described = `${(error as Error).name}: ${(error as Error).message}`;
      recovery.hookFailures.push({ executionArn: record.executionArn, error: described });
      log?.(`stepfunctions: the interrupted-execution hook failed for ${record.executionArn}: ${described}`);
    }
    const id = store.events(record.executionArn).length + 1;
    store.appendEvent(record.executionArn, {
      id,
      previousEventId: id - 1,
      timestamp: now,
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: INTERRUPTED_ERROR, cause: INTERRUPTED_CAUSE },
    });
    store.put(record);
    recovery.interrupted.push(record);
  }
  return recovery;
}
