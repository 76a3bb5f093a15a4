/**
 * A hand-written fake of the runner's LambdaInvoker: functions by name, every call recorded,
 * errors thrown the way the invoker contract says (name = Lambda's errorType). Plus the fixtures
 * and an inbox for task tokens that callback functions receive.
 */
import { readFileSync } from 'node:fs';
import { ExecutionRunner, type JsonValue, type LambdaInvoker, lambdaFunctionName } from '../../../../local/aws/sfn/index.ts';

export type FakeFunction = (payload: any) => unknown;

export interface FakeLambda {
  invoker: LambdaInvoker;
  /** Every call in order: the bare function name and the payload. */
  calls: { name: string; payload: any }[];
}

export function fakeLambda(functions: Record<string, FakeFunction>): FakeLambda {
  const calls: FakeLambda['calls'] = [];
  const invoker: LambdaInvoker = async (functionName, payload) => {
    const name = lambdaFunctionName(functionName);
    calls.push({ name, payload });
    const fn = functions[name];
    if (!fn) throw functionError('Lambda.ResourceNotFoundException', `Function not found: ${functionName}`);
    return ((await fn(payload)) ?? null) as JsonValue;
  };
  return { invoker, calls };
}

/** A function error as Lambda reports it: `errorType` becomes the error's name. */
export function functionError(errorType: string, message: string): Error {
  const error = new Error(message);
  error.name = errorType;
  return error;
}

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}.asl.json`, import.meta.url), 'utf8');
}

/** A runner with the fixtures registered under their file names. */
export function runnerWith(functions: Record<string, FakeFunction>, fixtures: string[], timeScale = 1 / 1000): { runner: ExecutionRunner; lambda: FakeLambda; arn: Record<string, string> } {
  const lambda = fakeLambda(functions);
  const runner = new ExecutionRunner({ invoker: lambda.invoker, timeScale });
  const arn: Record<string, string> = {};
  for (const name of fixtures) arn[name] = runner.register({ name, definition: fixture(name) }).stateMachineArn;
  return { runner, lambda, arn };
}

/** Task tokens as callback functions receive them, for the test to answer. */
export class TokenInbox {
  private readonly waiting: ((payload: any) => void)[] = [];
  private readonly received: any[] = [];

  /** A fake function that stores its payload (which carries the token) and returns at once. */
  readonly receive: FakeFunction = (payload) => {
    const waiter = this.waiting.shift();
    if (waiter) waiter(payload);
    else this.received.push(payload);
    return { stored: true };
  };

  next(): Promise<any> {
    if (this.received.length > 0) return Promise.resolve(this.received.shift());
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
