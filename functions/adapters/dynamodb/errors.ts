/**
 * Turns what the DynamoDB client throws into the domain's errors. Conditions that failed are
 * the stores' to explain (a version conflict, a duplicate, a missing entity: only the store
 * knows which), so they surface as ConditionFailed; throttling, 5xx and network faults become
 * StoreUnavailableError (retryable); everything else is a StoreFaultError. Messages carry the
 * operation and the SDK's error name, never item contents; `cause` is a sanitized summary.
 */
import { StoreFaultError, StoreUnavailableError } from '#domain/pipeline/errors.ts';

/** The SDK error names that mean "busy or down: retry later". */
const UNAVAILABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionInProgressException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node's codes of a connection that failed or broke. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Cancellation reason codes of a transaction that another one overlapped or the service throttled. */
const CONTENTION_CODES = new Set(['TransactionConflict']);
const THROTTLING_CODES = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
const CONDITION_FAILED = 'ConditionalCheckFailed';
const MIN_SERVER_STATUS = 500;

/** A sanitized stand-in for the SDK exception, kept as `cause`: name, HTTP status, reason codes. */
export class DynamoDbFailure extends Error {
  constructor(
    name: string,
    readonly status?: number,
    readonly reasons?: string[],
  ) {
    super(`${name}${status ? ` (HTTP ${status})` : ''}${reasons?.length ? ` [${reasons.join(', ')}]` : ''}`);
    this.name = 'DynamoDbFailure';
  }
}

/**
 * A write's condition did not hold. For a transaction, `failed` holds the positions of the
 * items whose condition failed (empty when the service did not say); the store explains it.
 */
export class ConditionFailed extends Error {
  constructor(readonly failed: number[]) {
    super(`condition failed on item${failed.length === 1 ? '' : 's'} ${failed.join(', ')}`);
    this.name = 'ConditionFailed';
  }
}

/** Another transaction touched the same items at the same time: nothing was written, try again. */
export class TransactionContention extends Error {
  constructor() {
    super('the transaction overlapped another one');
    this.name = 'TransactionContention';
  }
}

type SdkError = Error & {
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
  code?: string;
  CancellationReasons?: { Code?: string }[];
};

function summary(error: SdkError, reasons?: string[]): DynamoDbFailure {
  return new DynamoDbFailure(error.name ?? 'Error', error.$metadata?.httpStatusCode, reasons);
}

/**
 * The domain's reading of an SDK error. ConditionFailed comes back for the store to explain,
 * TransactionContention for the table client to retry; `operation` ("creating release 3 of
 * project web") starts messages.
 */
export function translateError(error: unknown, operation: string): Error {
  if (!(error instanceof Error)) return new StoreFaultError(`DynamoDB failed while ${operation}`);
  const sdk = error as SdkError;
  if (sdk.name === 'ConditionalCheckFailedException') return new ConditionFailed([0]);
  if (sdk.name === 'TransactionCanceledException') {
    const codes = (sdk.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
    const failed = codes.flatMap((code, index) => (code === CONDITION_FAILED ? [index] : []));
    if (failed.length > 0) return new ConditionFailed(failed);
    if (codes.some((code) => CONTENTION_CODES.has(code))) return new TransactionContention();
    if (codes.some((code) => THROTTLING_CODES.has(code))) {
      return new StoreUnavailableError(`DynamoDB throttled a transaction while ${operation}`, { cause: summary(sdk, codes) });
    }
    return new StoreFaultError(`DynamoDB cancelled a transaction while ${operation}: ${codes.join(', ') || 'no reason given'}`, { cause: summary(sdk, codes) });
  }
  const status = sdk.$metadata?.httpStatusCode;
  if (UNAVAILABLE_NAMES.has(sdk.name) || (status !== undefined && status >= MIN_SERVER_STATUS) || (sdk.code && NETWORK_CODES.has(sdk.code))) {
    return new StoreUnavailableError(`DynamoDB is unavailable while ${operation}: ${sdk.name}`, { cause: summary(sdk) });
  }
  if (sdk.name === 'ResourceNotFoundException') return new StoreFaultError(`the table does not exist (while ${operation})`, { cause: summary(sdk) });
  return new StoreFaultError(`DynamoDB refused the request while ${operation}: ${sdk.name}`, { cause: summary(sdk) });
}
