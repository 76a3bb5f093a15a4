/**
 * One invocation of a catalog function with Lambda's semantics: a context object whose
 * remaining time counts down from the function's timeout, the result as the JSON payload, and
 * every failure as Lambda reports it — a payload `{errorType, errorMessage, trace}` marked by
 * `X-Amz-Function-Error: Unhandled` — so that a state machine's Retry and Catch see the names
 * they would see on AWS (errorType = the thrown error's `name`).
 *
 * A timed-out invocation is answered as Lambda answers it (`Sandbox.Timedout`, "Task timed out
 * after N seconds"); its handler cannot be frozen in a shared process, so it runs on unobserved
 * and its result is dropped. Invocations of one function run concurrently, as in separate
 * containers.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '#functions/catalog.ts';
import type { Handler } from './loader.ts';

/** Lambda's defaults where the catalog says nothing (the CDK stack's FUNCTION_DEFAULTS). */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_MEMORY_MB = 256;
/** Lambda's limit on a synchronous response payload. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
export const LATEST_VERSION = '$LATEST';
/** The value of X-Amz-Function-Error for an error the function did not handle. */
export const UNHANDLED = 'Unhandled';
const MS_PER_SECOND = 1000;

/** What an invocation answers: the payload (JSON text) and whether it is a function error. */
export type InvocationResult = { requestId: string; payload: string; functionError?: typeof UNHANDLED };

/** Lambda's error payload. */
export type ErrorPayload = { errorType: string; errorMessage: string; trace?: string[] };

/** The function's ARN, as its context and ListFunctions report it. */
export function functionArn(name: string, region: string, accountId: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
}

/** What the Node.js runtime reports for a thrown value (its runtime interface client's shape). */
export function errorPayload(thrown: unknown): ErrorPayload {
  if (thrown instanceof Error) return { errorType: thrown.name, errorMessage: thrown.message, trace: (thrown.stack ?? '').split('\n') };
  return { errorType: typeof thrown, errorMessage: String(thrown), trace: [] };
}

/** The context object a handler gets; `getRemainingTimeInMillis` counts down to the timeout. */
export function lambdaContext(spec: FunctionSpec, requestId: string, deadline: number, arn: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: spec.name,
    functionVersion: LATEST_VERSION,
    invokedFunctionArn: arn,
    memoryLimitInMB: String(spec.memoryMb ?? DEFAULT_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${spec.name}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Runs `handler` on `event` within the function's timeout and shapes the answer as Lambda does. */
export async function invoke(spec: FunctionSpec, handler: Handler, event: unknown, arn: string): Promise<InvocationResult> {
  const requestId = randomUUID();
  const timeoutSeconds = spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const deadline = Date.now() + timeoutSeconds * MS_PER_SECOND;
  const failed = (payload: ErrorPayload): InvocationResult => ({ requestId, payload: JSON.stringify(payload), functionError: UNHANDLED });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutSeconds * MS_PER_SECOND);
  });
  try {
    const outcome = await Promise.race([
      Promise.resolve()
        .then(() => handler(event, lambdaContext(spec, requestId, deadline, arn)))
        .then((value) => ({ value })),
      timedOut,
    ]);
    if (outcome === 'timeout') {
      return failed({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds` });
    }
    const payload = JSON.stringify(outcome.value ?? null);
    if (Buffer.byteLength(payload, 'utf8') > MAX_RESPONSE_BYTES) {
      return failed({ errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).` });
    }
    return { requestId, payload };
  } catch (error) {
    return failed(errorPayload(error));
  } finally {
    clearTimeout(timer);
  }
}
