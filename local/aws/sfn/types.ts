/**
 * Types of the local Step Functions runner: what it is given (state machines, a Lambda invoker)
 * and what it answers (AWS-shaped execution descriptions). History events use the SDK's own
 * `HistoryEvent` type so their shape is checked against the real API.
 */
import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';

export type { HistoryEvent, HistoryEventType };

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Calls one Lambda function and returns what it returned. A function error must be thrown as an
 * Error whose `name` is Lambda's `errorType` and whose `message` is its `errorMessage` (an
 * optional `trace: string[]` is kept): Retry and Catch match that name, as on AWS. Faults of the
 * Lambda service itself are thrown with Step Functions' names (`Lambda.ServiceException`,
 * `Lambda.ResourceNotFoundException`, ...): a name starting with `Lambda.` marks a service fault.
 */
export type LambdaInvoker = (functionName: string, payload: JsonValue) => Promise<JsonValue>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A state machine handed to the runner: `definition` is the ASL text as it would go to AWS. */
export interface StateMachineRegistration {
  /** The state machine's name; also the last part of its ARN. */
  name: string;
  /** ASL JSON text (JSONPath query language). */
  definition: string;
  /** Its ARN; by default built from the runner's region and account. */
  arn?: string;
  /** Reported as `$$.Execution.RoleArn` and in the ExecutionStarted event. */
  roleArn?: string;
}

/** One execution as the store keeps it: every field DescribeExecution answers, and the count of transitions. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** The input as the caller gave it (JSON text). */
  input: string;
  /** JSON text; set when the execution succeeded. */
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  /** States entered plus retries, the unit AWS bills Standard workflows by. */
  stateTransitions: number;
  /** The execution whose `startExecution` task started this one, if any. */
  parentExecutionArn?: string;
}

/** The answer of DescribeExecution. */
export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
}

/** One row of ListExecutions. */
export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}
