/**
 * Hand-written fakes of the Workflows and EventPublisher ports for tests of the application
 * layer and the handlers: they record every call and behave like the services where it
 * matters. FakeWorkflows starts executions idempotently by name as Step Functions does (the
 * same name and input give the running execution back; a stopped execution or another input is
 * ExecutionAlreadyExists, a DuplicateError), answers only task tokens a test registered as
 * waiting (others are InvalidStateError, like TaskDoesNotExist), and stops executions.
 * Scripted failures let a test break a call once or always.
 */
import { DuplicateError, InvalidStateError } from './errors.ts';
import type { EventPublisher, PipelineEventType, WorkflowName, Workflows } from './ports.ts';

export type WorkflowCall =
  | { method: 'start'; workflow: WorkflowName; name: string; input: Record<string, unknown> }
  | { method: 'sendTaskSuccess'; token: string; output: Record<string, unknown> }
  | { method: 'sendTaskFailure'; token: string; error: string; cause: string }
  | { method: 'stop'; executionArn: string; cause: string };

export type FakeExecution = { workflow: WorkflowName; name: string; input: Record<string, unknown>; executionArn: string; status: 'RUNNING' | 'STOPPED' };

type Failure = { method: WorkflowCall['method']; error: Error; times?: number };

const FAKE_ACCOUNT = '000000000000';
const FAKE_REGION = 'us-east-1';

export class FakeWorkflows implements Workflows {
  readonly calls: WorkflowCall[] = [];
  /** Executions by name, as started. */
  readonly executions = new Map<string, FakeExecution>();
  private readonly waiting = new Set<string>();
  private readonly failures: Failure[] = [];

  /** Makes `token` answerable once, as a `.waitForTaskToken` task would. */
  waitFor(token: string): void {
    this.waiting.add(token);
  }

  /** Whether `token` is still waiting for an answer. */
  isWaiting(token: string): boolean {
    return this.waiting.has(token);
  }

  /** Makes calls of `method` throw `error`, `times` times (always when absent). */
  fail(method: WorkflowCall['method'], error: Error, times?: number): void {
    this.failures.push({ method, error, ...(times !== undefined ? { times } : {}) });
  }

  /** The calls of one method, typed. */
  callsOf<M extends WorkflowCall['method']>(method: M): Extract<WorkflowCall, { method: M }>[] {
    return this.calls.filter((call): call is Extract<WorkflowCall, { method: M }> => call.method === method);
  }

  async start(workflow: WorkflowName, name: string, input: Record<string, unknown>): Promise<{ executionArn: string }> {
    this.record({ method: 'start', workflow, name, input });
    const existing = this.executions.get(`${workflow}/${name}`);
    if (existing) {
      if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(input)) return { executionArn: existing.executionArn };
      throw new DuplicateError(`execution ${name}`, 'was started already with another input');
    }
    const executionArn = `arn:aws:states:${FAKE_REGION}:${FAKE_ACCOUNT}:execution:${workflow}:${name}`;
    this.executions.set(`${workflow}/${name}`, { workflow, name, input, executionArn, status: 'RUNNING' });
    return { executionArn };
  }

  async sendTaskSuccess(token: string, output: Record<string, unknown>): Promise<void> {
    this.record({ method: 'sendTaskSuccess', token, output });
    this.answer(token);
  }

  async sendTaskFailure(token: string, error: string, cause: string): Promise<void> {
    this.record({ method: 'sendTaskFailure', token, error, cause });
    this.answer(token);
  }

  async stop(executionArn: string, cause: string): Promise<void> {
    this.record({ method: 'stop', executionArn, cause });
    for (const execution of this.executions.values()) if (execution.executionArn === executionArn) execution.status = 'STOPPED';
  }

  private answer(token: string): void {
    if (!this.waiting.delete(token)) throw new InvalidStateError('the waiting task', 'is no longer waiting (TaskDoesNotExist): it was decided, timed out or stopped');
  }

  private record(call: WorkflowCall): void {
    this.calls.push(call);
    const failure = this.failures.find((f) => f.method === call.method && (f.times === undefined || f.times > 0));
    if (!failure) return;
    if (failure.times !== undefined) failure.times--;
    throw failure.error;
  }
}

export type PublishedEvent = { type: PipelineEventType; detail: Record<string, unknown> };

export class FakeEvents implements EventPublisher {
  readonly published: PublishedEvent[] = [];
  private failure?: { error: Error; times?: number };

  /** Makes publish throw `error`, `times` times (always when absent). */
  fail(error: Error, times?: number): void {
    this.failure = { error, times };
  }

  async publish(type: PipelineEventType, detail: Record<string, unknown>): Promise<void> {
    if (this.failure && (this.failure.times === undefined || this.failure.times > 0)) {
      if (this.failure.times !== undefined) this.failure.times--;
      throw this.failure.error;
    }
    this.published.push({ type, detail: structuredClone(detail) });
  }

  /** Events of one type. */
  ofType(type: PipelineEventType): PublishedEvent[] {
    return this.published.filter((event) => event.type === type);
  }
}
