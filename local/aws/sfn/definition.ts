/**
 * Turns an ASL definition into what the engine runs, without changing the file on disk.
 *
 * The engine (aws-local-stepfunctions) runs Choice, Map, Parallel, Pass, Succeed, Retry/Catch and
 * the intrinsics, but has no task tokens, no `.sync`, no service integrations, one context object
 * per run and a 60 s default Task timeout. So every Task, Wait and Fail state, and every Pass
 * state with Parameters, becomes a Task whose work is a local handler of the runner
 * (`taskResourceLocalHandlers`, keyed by state name). The engine keeps what it does well around
 * it: InputPath, ResultSelector, ResultPath, OutputPath, Catch, Next. The handler does the rest:
 * Parameters with the per-entry context, the integration, Retry, timeouts, heartbeats, waiting.
 */
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { engineReferences, handlerReferences, type ReferenceRewrite, rewriteChoiceRule, rewritePath, rewriteTemplate, UnsupportedReferenceError } from './context-paths.ts';
import { StepFunctionsApiError } from './errors.ts';
import type { JsonObject, JsonValue } from './types.ts';

export type StateType = 'Task' | 'Pass' | 'Wait' | 'Choice' | 'Succeed' | 'Fail' | 'Map' | 'Parallel';

/** One Retry entry, as in ASL. */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

/** What a Task state calls. */
export type Integration =
  /** A function ARN as Resource: the input is the payload, the result the output. */
  | { kind: 'lambda-function'; functionArn: string }
  /** `arn:aws:states:::lambda:invoke[.waitForTaskToken]`. */
  | { kind: 'lambda-invoke'; callback: boolean }
  /** `arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]`. */
  | { kind: 'start-execution'; mode: 'async' | 'sync' | 'sync2' | 'callback' };

/**
 * A handler state. `template` is a payload template the handler evaluates at each entry (each
 * attempt for a Task) with the full context; its context references are already rewritten.
 */
export type HandlerSpec =
  | { type: 'Task'; name: string; resource: string; integration: Integration; template: JsonObject; retry: Retrier[]; timeoutSeconds?: number; heartbeatSeconds?: number }
  | { type: 'Wait'; name: string; seconds?: number; timestamp?: string; template?: JsonObject }
  | { type: 'Fail'; name: string; error?: string; cause?: string; template?: JsonObject }
  | { type: 'Pass'; name: string; template: JsonObject };

export interface CompiledStateMachine {
  /** The rewritten definition, ready to run. */
  engine: StateMachine;
  /** Handler states by name (names are unique in a whole state machine). */
  handlers: Map<string, HandlerSpec>;
  /** The original type of every state, nested ones included, for the history. */
  stateTypes: Map<string, StateType>;
  /** Every state name, indexed for `$$.State.Name` (see context-paths.ts). */
  stateNames: string[];
  /** The machine's TimeoutSeconds: enforced by the runner in state-machine time. */
  timeoutSeconds?: number;
}

/** The Resource of a rewritten state; never called, the state is overridden by a local handler. */
const LOCAL_HANDLER_RESOURCE = 'arn:aws:lambda:local:000000000000:function:conveyor-local-sfn-handler';
/**
 * The engine races every Task against its own timer (60 s when TimeoutSeconds is absent). Ours
 * are enforced by the handlers, so the engine gets the largest value a Node timer takes
 * (2^31-1 ms, about 24.8 days; beyond that a timer fires at once).
 */
const ENGINE_TASK_TIMEOUT_SECONDS = 2_000_000;
const DEFAULT_RETRY_INTERVAL_SECONDS = 1;
const SERVICE_RESOURCE = /^arn:[\w-]+:states:::(lambda|states):(.+)$/;
const LAMBDA_FUNCTION_ARN = /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/;
const START_EXECUTION_MODES: Record<string, 'async' | 'sync' | 'sync2' | 'callback'> = {
  startExecution: 'async',
  'startExecution.sync': 'sync',
  'startExecution.sync:2': 'sync2',
  'startExecution.waitForTaskToken': 'callback',
};
/** Fields of the JSONata query language and of distributed Maps, which the engine cannot run. */
const UNSUPPORTED_FIELDS = ['Assign', 'Arguments', 'Output', 'Items', 'ItemReader', 'ItemBatcher', 'ResultWriter'];

/** Parses, validates and rewrites a definition. Throws InvalidDefinition with the reason. */
export function compileDefinition(text: string, timeScale: number): CompiledStateMachine {
  let definition: JsonObject;
  try {
    definition = JSON.parse(text) as JsonObject;
  } catch (error) {
    throw invalid(`the definition is not JSON: ${(error as Error).message}`);
  }
  try {
    // The engine's own validation (asl-validator: fields, ARNs, JSONPaths, reachability) on the definition as written.
    new StateMachine(definition as unknown as StateMachineDefinition);
  } catch (error) {
    throw invalid((error as Error).message);
  }
  if (definition.QueryLanguage === 'JSONata') throw invalid('QueryLanguage JSONata is not supported by the local engine; use JSONPath');
  const compiler = new Compiler(timeScale);
  const rewritten = compiler.machine(definition);
  delete rewritten.TimeoutSeconds;
  const timeoutSeconds = typeof definition.TimeoutSeconds === 'number' ? definition.TimeoutSeconds : undefined;
  return {
    engine: new StateMachine(rewritten as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } }),
    handlers: compiler.handlers,
    stateTypes: compiler.stateTypes,
    stateNames: compiler.stateNames,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
  };
}

function invalid(reason: string): StepFunctionsApiError {
  return new StepFunctionsApiError('InvalidDefinition', `Invalid State Machine Definition: ${reason}`);
}

class Compiler {
  readonly handlers = new Map<string, HandlerSpec>();
  readonly stateTypes = new Map<string, StateType>();
  readonly stateNames: string[] = [];

  constructor(private readonly timeScale: number) {}

  machine(machine: JsonObject): JsonObject {
    const states: JsonObject = {};
    for (const [name, state] of Object.entries(machine.States as JsonObject)) {
      if (this.stateTypes.has(name)) throw invalid(`state name '${name}' is used twice; names must be unique in the whole state machine`);
      const source = state as JsonObject;
      this.stateTypes.set(name, source.Type as StateType);
      this.stateNames.push(name);
      try {
        states[name] = this.state(name, source, this.stateNames.length - 1);
      } catch (error) {
        if (error instanceof UnsupportedReferenceError) throw invalid(`state '${name}': ${error.message}`);
        throw error;
      }
    }
    return { ...machine, States: states };
  }

  private state(name: string, state: JsonObject, index: number): JsonObject {
    for (const field of UNSUPPORTED_FIELDS) {
      if (field in state) throw invalid(`state '${name}': ${field} is not supported by the local engine`);
    }
    if (state.QueryLanguage === 'JSONata') throw invalid(`state '${name}': JSONata is not supported by the local engine`);
    const engine = engineReferences(index);
    switch (state.Type as StateType) {
      case 'Task':
        return this.task(name, state, engine);
      case 'Wait':
        return this.wait(name, state, engine);
      case 'Fail':
        return this.fail(name, state);
      case 'Pass':
        return 'Parameters' in state && !('Result' in state) ? this.pass(name, state, engine) : this.engineState(state, engine);
      case 'Map':
        return this.map(name, state, engine);
      case 'Parallel':
        return { ...this.engineState(state, engine), Branches: (state.Branches as JsonObject[]).map((b) => this.machine(b)), ...this.retry(state) };
      default:
        return this.engineState(state, engine);
    }
  }

  /** A state the engine runs: its context references are rewritten, the rest is kept. */
  private engineState(state: JsonObject, engine: ReferenceRewrite): JsonObject {
    const out: JsonObject = { ...state, ...this.paths(state, engine, ['InputPath', 'OutputPath', 'ItemsPath', 'MaxConcurrencyPath']) };
    for (const field of ['Parameters', 'ItemSelector', 'ResultSelector']) {
      if (field in state) out[field] = rewriteTemplate(state[field]!, engine);
    }
    if (Array.isArray(state.Choices)) out.Choices = state.Choices.map((rule) => rewriteChoiceRule(rule as JsonObject, engine));
    return out;
  }

  private map(name: string, state: JsonObject, engine: ReferenceRewrite): JsonObject {
    const processorField = 'ItemProcessor' in state ? 'ItemProcessor' : 'Iterator';
    const processor = state[processorField] as JsonObject;
    const mode = (processor.ProcessorConfig as JsonObject | undefined)?.Mode;
    if (mode === 'DISTRIBUTED') throw invalid(`state '${name}': distributed Map is not supported by the local engine`);
    return { ...this.engineState(state, engine), [processorField]: this.machine(processor), ...this.retry(state) };
  }

  private task(name: string, state: JsonObject, engine: ReferenceRewrite): JsonObject {
    const resource = state.Resource as string;
    const integration = classifyResource(name, resource);
    const callback = (integration.kind === 'lambda-invoke' && integration.callback) || (integration.kind === 'start-execution' && integration.mode === 'callback');
    const own = handlerReferences(callback);
    const template: JsonObject = 'Parameters' in state ? { Parameters: rewriteTemplate(state.Parameters!, own) } : { 'Parameters.$': '$' };
    if (typeof state.TimeoutSecondsPath === 'string') template['TimeoutSeconds.$'] = rewritePath(state.TimeoutSecondsPath, own)!;
    if (typeof state.HeartbeatSecondsPath === 'string') template['HeartbeatSeconds.$'] = rewritePath(state.HeartbeatSecondsPath, own)!;
    this.handlers.set(name, {
      type: 'Task',
      name,
      resource,
      integration,
      template,
      retry: (state.Retry as unknown as Retrier[] | undefined) ?? [],
      ...(typeof state.TimeoutSeconds === 'number' ? { timeoutSeconds: state.TimeoutSeconds } : {}),
      ...(typeof state.HeartbeatSeconds === 'number' ? { heartbeatSeconds: state.HeartbeatSeconds } : {}),
    });
    const out = this.handlerTask(state, engine, ['InputPath', 'OutputPath', 'ResultPath', 'Catch']);
    if ('ResultSelector' in state) out.ResultSelector = rewriteTemplate(state.ResultSelector!, engine);
    return out;
  }

  private wait(name: string, state: JsonObject, engine: ReferenceRewrite): JsonObject {
    const own = handlerReferences(false);
    const template: JsonObject | undefined =
      typeof state.SecondsPath === 'string'
        ? { 'Seconds.$': rewritePath(state.SecondsPath, own)! }
        : typeof state.TimestampPath === 'string'
          ? { 'Timestamp.$': rewritePath(state.TimestampPath, own)! }
          : undefined;
    this.handlers.set(name, {
      type: 'Wait',
      name,
      ...(typeof state.Seconds === 'number' ? { seconds: state.Seconds } : {}),
      ...(typeof state.Timestamp === 'string' ? { timestamp: state.Timestamp } : {}),
      ...(template ? { template } : {}),
    });
    return this.handlerTask(state, engine, ['InputPath', 'OutputPath']);
  }

  private fail(name: string, state: JsonObject): JsonObject {
    const own = handlerReferences(false);
    const template: JsonObject = {};
    if (typeof state.ErrorPath === 'string') template['Error.$'] = rewritePath(state.ErrorPath, own)!;
    if (typeof state.CausePath === 'string') template['Cause.$'] = rewritePath(state.CausePath, own)!;
    this.handlers.set(name, {
      type: 'Fail',
      name,
      ...(typeof state.Error === 'string' ? { error: state.Error } : {}),
      ...(typeof state.Cause === 'string' ? { cause: state.Cause } : {}),
      ...(Object.keys(template).length > 0 ? { template } : {}),
    });
    return { Type: 'Task', Resource: LOCAL_HANDLER_RESOURCE, TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS, End: true };
  }

  private pass(name: string, state: JsonObject, engine: ReferenceRewrite): JsonObject {
    this.handlers.set(name, { type: 'Pass', name, template: { Result: rewriteTemplate(state.Parameters!, handlerReferences(false)) } });
    return this.handlerTask(state, engine, ['InputPath', 'OutputPath', 'ResultPath']);
  }

  /** The engine side of a handler state: the handler's resource and the fields the engine keeps. */
  private handlerTask(state: JsonObject, engine: ReferenceRewrite, kept: string[]): JsonObject {
    const out: JsonObject = { Type: 'Task', Resource: LOCAL_HANDLER_RESOURCE, TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS };
    for (const field of [...kept, 'Comment', 'Next', 'End']) {
      if (field in state) out[field] = state[field]!;
    }
    return {
      ...out,
      ...this.paths(
        state,
        engine,
        ['InputPath', 'OutputPath'].filter((f) => kept.includes(f)),
      ),
    };
  }

  private paths(state: JsonObject, engine: ReferenceRewrite, fields: string[]): JsonObject {
    const out: JsonObject = {};
    for (const field of fields) {
      if (field in state) out[field] = rewritePath(state[field], engine)!;
    }
    return out;
  }

  /** Map and Parallel retries stay with the engine: their intervals are scaled to state-machine time. */
  private retry(state: JsonObject): JsonObject {
    if (!Array.isArray(state.Retry)) return {};
    const scaled = (state.Retry as unknown as Retrier[]).map((r) => ({
      ...r,
      IntervalSeconds: (r.IntervalSeconds ?? DEFAULT_RETRY_INTERVAL_SECONDS) * this.timeScale,
      ...(r.MaxDelaySeconds !== undefined ? { MaxDelaySeconds: r.MaxDelaySeconds * this.timeScale } : {}),
    }));
    return { Retry: scaled as unknown as JsonValue };
  }
}

function classifyResource(stateName: string, resource: string): Integration {
  if (LAMBDA_FUNCTION_ARN.test(resource)) return { kind: 'lambda-function', functionArn: resource };
  const service = SERVICE_RESOURCE.exec(resource);
  if (service?.[1] === 'lambda' && service[2] === 'invoke') return { kind: 'lambda-invoke', callback: false };
  if (service?.[1] === 'lambda' && service[2] === 'invoke.waitForTaskToken') return { kind: 'lambda-invoke', callback: true };
  const mode = service?.[1] === 'states' ? START_EXECUTION_MODES[service[2]!] : undefined;
  if (mode) return { kind: 'start-execution', mode };
  throw invalid(
    `state '${stateName}': Resource ${resource} is not supported locally; use a Lambda function ARN, lambda:invoke[.waitForTaskToken] or states:startExecution[.sync|.sync:2|.waitForTaskToken]`,
  );
}
