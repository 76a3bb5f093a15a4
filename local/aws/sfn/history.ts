/**
 * The execution history, in the shape of GetExecutionHistory. Two sources feed it:
 * - the engine's event log (state entered / exited, Map iterations, Map and Parallel results),
 *   translated here, with each state's original type (the engine sees rewritten states as Tasks);
 * - the runner's handlers, which record what the engine cannot see: TaskScheduled, TaskStarted,
 *   TaskSubmitted, TaskSucceeded / TaskFailed / TaskTimedOut (LambdaFunction* for a function ARN
 *   as Resource), and the execution's own start and end.
 * `previousEventId` is the id before, which is exact for a sequential execution; AWS links
 * events of parallel branches to their own predecessors.
 */
import type { Clock } from './clock.ts';
import type { StateType } from './definition.ts';
import type { HistoryEvent, HistoryEventType, JsonValue } from './types.ts';

/** The details of a history event: everything but its id, type and time. */
export type EventDetails = Omit<HistoryEvent, 'id' | 'type' | 'timestamp' | 'previousEventId'>;

/** The fields of the engine's event-log entries that the translation reads. */
export interface EngineEvent {
  type: string;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  parentState?: { name: string };
  index?: number;
}

/** Payloads are never truncated here: the runner keeps them whole. */
export const NOT_TRUNCATED = { truncated: false } as const;

export function jsonText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** State types whose entry the engine runs itself and which a stop can interrupt. */
type ContainerType = 'Map' | 'Parallel';

export class HistoryRecorder {
  private nextId = 1;
  /** Map and Parallel states entered and not yet left, in entry order. */
  private readonly openContainers: { name: string; type: ContainerType }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly stateTypes: ReadonlyMap<string, StateType>,
    private readonly append: (event: HistoryEvent) => void,
    /** Called once per state transition: each state entered, each retry. */
    private readonly countTransition: () => void,
  ) {}

  record(type: HistoryEventType, details: EventDetails = {}): void {
    const id = this.nextId++;
    this.append({ timestamp: this.clock.now(), type, id, previousEventId: id - 1, ...details });
  }

  /** A retry of a Task by the runner: no event of its own on AWS, but a billed transition. */
  retried(): void {
    this.countTransition();
  }

  /** Translates one entry of the engine's event log (Execution* entries are the runner's own). */
  engineEvent(event: EngineEvent): void {
    const state = event.state;
    switch (event.type) {
      case 'StateEntered': {
        const type = this.typeOf(state!);
        this.countTransition();
        this.record(`${type}StateEntered`, { stateEnteredEventDetails: { name: state!.name, input: jsonText(state!.input), inputDetails: NOT_TRUNCATED } });
        if (type === 'Map') this.record('MapStateStarted', { mapStateStartedEventDetails: {} });
        if (type === 'Parallel') this.record('ParallelStateStarted');
        if (isContainer(type)) this.openContainers.push({ name: state!.name, type });
        return;
      }
      case 'StateExited': {
        const type = this.typeOf(state!);
        if (type === 'Fail') return;
        if (type === 'Map') this.record('MapStateSucceeded');
        if (type === 'Parallel') this.record('ParallelStateSucceeded');
        this.leave(state!.name);
        this.record(`${type}StateExited`, { stateExitedEventDetails: { name: state!.name, output: jsonText(state!.output), outputDetails: NOT_TRUNCATED } });
        return;
      }
      case 'StateFailed': {
        const type = this.typeOf(state!);
        if (type === 'Map') this.record('MapStateFailed');
        if (type === 'Parallel') this.record('ParallelStateFailed');
        this.leave(state!.name);
        return;
      }
      case 'StateRetried': {
        // Only Map and Parallel states keep an engine Retry; the retried state is open again.
        const type = this.typeOf(state!);
        if (isContainer(type)) this.openContainers.push({ name: state!.name, type });
        this.countTransition();
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const details = { name: event.parentState!.name, index: event.index! };
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails` as const;
        this.record(event.type, { [key]: details });
        return;
      }
      default:
        return;
    }
  }

  /** MapStateAborted / ParallelStateAborted for the containers a stop interrupted, innermost first. */
  abortOpenContainers(): void {
    for (const open of this.openContainers.splice(0).reverse()) this.record(`${open.type}StateAborted`);
  }

  private leave(name: string): void {
    const index = this.openContainers.findLastIndex((open) => open.name === name);
    if (index >= 0) this.openContainers.splice(index, 1);
  }

  private typeOf(state: { name: string; type: string }): StateType {
    return this.stateTypes.get(state.name) ?? (state.type as StateType);
  }
}

function isContainer(type: StateType): type is ContainerType {
  return type === 'Map' || type === 'Parallel';
}

/** The history events of one kind of Task: service integrations, or a Lambda function ARN as Resource. */
export interface TaskEvents {
  scheduled(parameters: JsonValue, timeoutSeconds?: number, heartbeatSeconds?: number): void;
  started(): void;
  submitted(output: JsonValue): void;
  succeeded(output: JsonValue): void;
  failed(error: string | undefined, cause: string | undefined): void;
  timedOut(error: string, cause: string | undefined): void;
}

/** Task* events of `arn:aws:states:::<service>:<action>` resources. */
export function serviceTaskEvents(recorder: HistoryRecorder, resourceType: string, resource: string, region: string): TaskEvents {
  const names = { resourceType, resource };
  return {
    scheduled: (parameters, timeoutInSeconds, heartbeatInSeconds) =>
      recorder.record('TaskScheduled', {
        taskScheduledEventDetails: { ...names, region, parameters: jsonText(parameters), ...optional({ timeoutInSeconds, heartbeatInSeconds }) },
      }),
    started: () => recorder.record('TaskStarted', { taskStartedEventDetails: names }),
    submitted: (output) => recorder.record('TaskSubmitted', { taskSubmittedEventDetails: { ...names, output: jsonText(output), outputDetails: NOT_TRUNCATED } }),
    succeeded: (output) => recorder.record('TaskSucceeded', { taskSucceededEventDetails: { ...names, output: jsonText(output), outputDetails: NOT_TRUNCATED } }),
    failed: (error, cause) => recorder.record('TaskFailed', { taskFailedEventDetails: { ...names, ...optional({ error, cause }) } }),
    timedOut: (error, cause) => recorder.record('TaskTimedOut', { taskTimedOutEventDetails: { ...names, error, ...optional({ cause }) } }),
  };
}

/** LambdaFunction* events of a Task whose Resource is a function ARN. */
export function lambdaFunctionEvents(recorder: HistoryRecorder, functionArn: string): TaskEvents {
  return {
    scheduled: (input, timeoutInSeconds) =>
      recorder.record('LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: { resource: functionArn, input: jsonText(input), inputDetails: NOT_TRUNCATED, ...optional({ timeoutInSeconds }) },
      }),
    started: () => recorder.record('LambdaFunctionStarted'),
    submitted: () => {},
    succeeded: (output) => recorder.record('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: jsonText(output), outputDetails: NOT_TRUNCATED } }),
    failed: (error, cause) => recorder.record('LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: optional({ error, cause }) }),
    timedOut: (error, cause) => recorder.record('LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error, ...optional({ cause }) } }),
  };
}

/** Drops the undefined fields, as the API leaves absent fields out. */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
