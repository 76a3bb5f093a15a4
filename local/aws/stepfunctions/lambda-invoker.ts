/**
 * The runner's Lambda invoker over the real Lambda client, pointed at the local Lambda service:
 * what Step Functions does when a Task calls a function, with the error names it gives.
 * - A function error (`X-Amz-Function-Error`, the SDK's FunctionError) becomes an error whose
 *   `name` is the payload's `errorType` and whose `message` is its `errorMessage` (the runner
 *   makes Lambda's payload the Cause), so Retry and Catch match what they match on AWS. A
 *   payload without an errorType is `Lambda.Unknown`, with Step Functions' wording.
 * - A fault of the Lambda service itself is `Lambda.<Exception>` (`Lambda.ResourceNotFoundException`,
 *   `Lambda.ServiceException`, `Lambda.TooManyRequestsException`, ...), and a call that never got
 *   an answer (connection refused) is `Lambda.SdkClientException`: the names the ASL retries.
 * The client makes one attempt: retrying is the state machine's job (its Retry), as on AWS.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { JsonValue, LambdaInvoker } from '../sfn/types.ts';

const LAMBDA_PREFIX = 'Lambda.';
const UNKNOWN_ERROR = 'Lambda.Unknown';
const CLIENT_ERROR = 'Lambda.SdkClientException';
const SERVICE_ERROR = 'Lambda.ServiceException';
/** The local services do not check signatures; the SDK still needs something to sign with. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret-access-key' };

/** A Lambda client for the local Lambda service at `endpoint`. */
export function localLambdaClient(endpoint: string, region: string): LambdaClient {
  return new LambdaClient({ endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}

function named(name: string, message: string, trace?: unknown): Error {
  const error = new Error(message);
  error.name = name;
  if (Array.isArray(trace)) Object.assign(error, { trace: trace.filter((line): line is string => typeof line === 'string') });
  return error;
}

/** The function error a payload reports (see the file comment). */
export function functionError(payloadText: string): Error {
  let payload: unknown;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    payload = undefined;
  }
  const fields = payload && typeof payload === 'object' ? (payload as { errorType?: unknown; errorMessage?: unknown; trace?: unknown }) : {};
  if (typeof fields.errorType !== 'string' || fields.errorType === '') {
    return named(UNKNOWN_ERROR, `The cause could not be determined because Lambda did not return an error type. Returned payload: ${payloadText}`);
  }
  return named(fields.errorType, typeof fields.errorMessage === 'string' ? fields.errorMessage : '', fields.trace);
}

/** A thrown client error as Step Functions names it. */
function serviceFault(thrown: unknown): Error {
  const error = thrown as Error & { $metadata?: { httpStatusCode?: number } };
  const status = error?.$metadata?.httpStatusCode;
  if (typeof status !== 'number') return named(CLIENT_ERROR, `Unable to call the Lambda service: ${error?.message ?? String(thrown)}`);
  const name = error.name && error.name !== 'Error' ? `${LAMBDA_PREFIX}${error.name}` : SERVICE_ERROR;
  return named(name, error.message);
}

export function lambdaServiceInvoker(client: LambdaClient): LambdaInvoker {
  return async (functionName: string, payload: JsonValue): Promise<JsonValue> => {
    let answer;
    try {
      answer = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload ?? null), 'utf8') }));
    } catch (error) {
      throw serviceFault(error);
    }
    const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
    if (answer.FunctionError) throw functionError(text);
    return text === '' ? null : (JSON.parse(text) as JsonValue);
  };
}
