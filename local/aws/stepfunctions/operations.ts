/**
 * The Step Functions API operations of the local service, over the runner: parameters checked
 * as the API checks them (ValidationException, InvalidArn), AWS's error codes (the runner's
 * StepFunctionsApiError names are the codes), pages with opaque tokens, and dates as epoch
 * seconds, which is how the JSON protocol carries timestamps. Task tokens pass through and are
 * never put into a message.
 */
import { StepFunctionsApiError } from '../sfn/errors.ts';
import type { ExecutionRunner } from '../sfn/runner.ts';
import type { ExecutionStore } from '../sfn/store.ts';
import type { ExecutionStatus, HistoryEvent } from '../sfn/types.ts';
import { type JsonOperation, ServiceError } from './json-protocol.ts';
import type { StateMachineInfo } from './state-machines.ts';

type Input = Record<string, unknown>;

/** The API's page sizes: 100 unless asked, at most 1000. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
/** Limits of SendTaskFailure and StopExecution. */
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;
const MAX_ARN_LENGTH = 2048;
const MAX_TOKEN_LENGTH = 2048;
const MS_PER_SECOND = 1000;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;
/** Fields of history event details that hold execution data (left out when includeExecutionData is false). */
const EXECUTION_DATA_FIELDS = new Set(['input', 'output']);

const validation = (message: string) => new ServiceError('ValidationException', `1 validation error detected: ${message}`);

function optionalString(input: Input, field: string, max: number): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`Value at '${field}' failed to satisfy constraint: Member must be a string`);
  if (value.length > max) throw validation(`Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${max}`);
  return value;
}

function requiredString(input: Input, field: string, max: number): string {
  const value = optionalString(input, field, max);
  if (value === undefined || value === '') throw validation(`Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  return value;
}

function arn(input: Input, field: string, pattern: RegExp): string {
  const value = requiredString(input, field, MAX_ARN_LENGTH);
  if (!pattern.test(value)) throw new ServiceError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${value}'`);
  return value;
}

function pageSize(input: Input): number {
  const value = input.maxResults;
  if (value === undefined || value === null || value === 0) return DEFAULT_PAGE;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_PAGE) {
    throw validation(`Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_PAGE}`);
  }
  return value;
}

/** One page of `items`; a token names the offset and what it pages, and is refused for anything else. */
function page<T>(items: T[], input: Input, scope: string): { items: T[]; nextToken?: string } {
  const size = pageSize(input);
  const token = optionalString(input, 'nextToken', MAX_TOKEN_LENGTH);
  let offset = 0;
  if (token !== undefined) {
    let decoded: { s?: unknown; o?: unknown } | undefined;
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; o?: unknown };
    } catch {
      decoded = undefined;
    }
    if (!decoded || decoded.s !== scope || typeof decoded.o !== 'number' || !Number.isInteger(decoded.o) || decoded.o < 0)
      throw new ServiceError('InvalidToken', 'Invalid Token: the nextToken does not belong to this request');
    offset = decoded.o;
  }
  const next = offset + size < items.length ? Buffer.from(JSON.stringify({ s: scope, o: offset + size })).toString('base64url') : undefined;
  return { items: items.slice(offset, offset + size), ...(next ? { nextToken: next } : {}) };
}

/** Dates as the JSON protocol carries them: epoch seconds. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / MS_PER_SECOND;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toWire(v)]),
    );
  return value;
}

function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, details] of Object.entries(copy)) {
    if (key.endsWith('EventDetails') && details && typeof details === 'object') {
      copy[key] = Object.fromEntries(Object.entries(details).filter(([field]) => !EXECUTION_DATA_FIELDS.has(field)));
    }
  }
  return copy as unknown as HistoryEvent;
}

export type OperationContext = {
  runner: ExecutionRunner;
  store: ExecutionStore;
  /** The registered state machines, by ARN. */
  machines: ReadonlyMap<string, StateMachineInfo>;
};

/**
 * The runner answers TaskDoesNotExist for a well-formed token it never issued. A token of an
 * execution that has ended (before a restart, say) is one whose task no longer exists: on AWS,
 * TaskTimedOut. Tokens carry their execution's ARN (sfn/tokens.ts).
 */
function answerToken(context: OperationContext, token: string, answer: () => void): Record<string, never> {
  try {
    answer();
  } catch (error) {
    if (error instanceof StepFunctionsApiError && error.name === 'TaskDoesNotExist') {
      const executionArn = executionOfToken(token);
      const record = executionArn ? context.store.get(executionArn) : undefined;
      if (record && record.status !== 'RUNNING') throw new StepFunctionsApiError('TaskTimedOut', 'Provided task does not exist anymore');
    }
    throw error;
  }
  return {};
}

function executionOfToken(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { executionArn?: unknown };
    return typeof claims.executionArn === 'string' ? claims.executionArn : undefined;
  } catch {
    return undefined;
  }
}

export function operations(context: OperationContext): Map<string, JsonOperation> {
  const { runner, machines } = context;
  const machine = (stateMachineArn: string) => {
    const found = machines.get(stateMachineArn);
    if (!found) throw new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return found;
  };
  const ops: Record<string, JsonOperation> = {
    StartExecution: async (input) => {
      const started = await runner.start(arn(input, 'stateMachineArn', STATE_MACHINE_ARN), optionalString(input, 'input', Number.MAX_SAFE_INTEGER), optionalString(input, 'name', MAX_ARN_LENGTH));
      return toWire(started);
    },
    DescribeExecution: (input) => toWire(runner.describe(arn(input, 'executionArn', EXECUTION_ARN))),
    ListExecutions: (input) => {
      const stateMachineArn = arn(input, 'stateMachineArn', STATE_MACHINE_ARN);
      const filter = optionalString(input, 'statusFilter', MAX_ERROR_LENGTH);
      if (filter !== undefined && !STATUSES.includes(filter as ExecutionStatus))
        throw validation(`Value '${filter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`);
      const { items, nextToken } = page(runner.list(stateMachineArn, filter as ExecutionStatus | undefined), input, `executions:${stateMachineArn}:${filter ?? ''}`);
      return toWire({ executions: items, nextToken });
    },
    GetExecutionHistory: (input) => {
      const executionArn = arn(input, 'executionArn', EXECUTION_ARN);
      let events = runner.history(executionArn);
      if (input.reverseOrder === true) events = events.reverse();
      if (input.includeExecutionData === false) events = events.map(withoutExecutionData);
      const { items, nextToken } = page(events, input, `history:${executionArn}:${input.reverseOrder === true}`);
      return toWire({ events: items, nextToken });
    },
    StopExecution: async (input) => {
      const executionArn = arn(input, 'executionArn', EXECUTION_ARN);
      const error = optionalString(input, 'error', MAX_ERROR_LENGTH);
      const cause = optionalString(input, 'cause', MAX_CAUSE_LENGTH);
      return toWire(await runner.stop(executionArn, error, cause));
    },
    SendTaskSuccess: (input) => {
      const token = requiredString(input, 'taskToken', MAX_TOKEN_LENGTH);
      const output = requiredString(input, 'output', Number.MAX_SAFE_INTEGER);
      return answerToken(context, token, () => runner.sendTaskSuccess(token, output));
    },
    SendTaskFailure: (input) => {
      const token = requiredString(input, 'taskToken', MAX_TOKEN_LENGTH);
      const error = optionalString(input, 'error', MAX_ERROR_LENGTH);
      const cause = optionalString(input, 'cause', MAX_CAUSE_LENGTH);
      return answerToken(context, token, () => runner.sendTaskFailure(token, error, cause));
    },
    SendTaskHeartbeat: (input) => {
      const token = requiredString(input, 'taskToken', MAX_TOKEN_LENGTH);
      return answerToken(context, token, () => runner.sendTaskHeartbeat(token));
    },
    DescribeStateMachine: (input) => {
      const found = machine(arn(input, 'stateMachineArn', STATE_MACHINE_ARN));
      return toWire({ stateMachineArn: found.arn, name: found.name, status: 'ACTIVE', definition: found.definition, roleArn: found.roleArn, type: 'STANDARD', creationDate: found.creationDate });
    },
    ListStateMachines: (input) => {
      const all = [...machines.values()].map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD', creationDate: m.creationDate }));
      const { items, nextToken } = page(all, input, 'state-machines');
      return toWire({ stateMachines: items, nextToken });
    },
  };
  return new Map(Object.entries(ops).map(([name, op]) => [name, withApiErrors(op)]));
}

/** The runner's API errors as AWS answers them: the code as `__type`, status 400. */
function withApiErrors(op: JsonOperation): JsonOperation {
  return async (input) => {
    try {
      return await op(input);
    } catch (error) {
      if (error instanceof StepFunctionsApiError) throw new ServiceError(error.name, error.message);
      throw error;
    }
  };
}
