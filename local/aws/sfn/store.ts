/**
 * Where executions and their histories are kept. In memory for now; a persistent store (a later
 * issue) implements the same interface. Only data lives here: the running engine, timers and
 * open callbacks stay with the runner, so a store never holds anything that cannot be saved.
 */
import type { ExecutionRecord, HistoryEvent } from './types.ts';

export interface ExecutionStore {
  /** Creates or replaces the record of an execution. */
  put(record: ExecutionRecord): void;
  get(executionArn: string): ExecutionRecord | undefined;
  /** The executions of one state machine, in the order they were started. */
  list(stateMachineArn: string): ExecutionRecord[];
  appendEvent(executionArn: string, event: HistoryEvent): void;
  /** The history of an execution, oldest first. */
  events(executionArn: string): HistoryEvent[];
}

export class InMemoryExecutionStore implements ExecutionStore {
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly histories = new Map<string, HistoryEvent[]>();

  put(record: ExecutionRecord): void {
    this.records.set(record.executionArn, { ...record });
  }

  get(executionArn: string): ExecutionRecord | undefined {
    const record = this.records.get(executionArn);
    return record && { ...record };
  }

  list(stateMachineArn: string): ExecutionRecord[] {
    return [...this.records.values()].filter((r) => r.stateMachineArn === stateMachineArn).map((r) => ({ ...r }));
  }

  appendEvent(executionArn: string, event: HistoryEvent): void {
    const history = this.histories.get(executionArn) ?? [];
    history.push(event);
    this.histories.set(executionArn, history);
  }

  events(executionArn: string): HistoryEvent[] {
    return [...(this.histories.get(executionArn) ?? [])];
  }
}
