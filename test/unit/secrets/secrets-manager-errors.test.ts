/**
 * The Secrets Manager adapter's error mapping, through a real SecretsManagerClient whose
 * middleware stack throws what the SDK would (its own exception classes, a socket error), so
 * no network is needed: every failure becomes a domain error of the right category, whose
 * message and cause never carry the value sent or the service's own text.
 * (test/integration/local-aws/secrets/ covers the same through HTTP.)
 */
import {
  DecryptionFailure,
  InternalServiceError,
  InvalidParameterException,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '#adapters/secrets/secrets-manager.ts';
import { categoryOf, type ErrorCategory } from '#domain/errors.ts';
import { SecretStoreFailure } from '#domain/secret-errors.ts';

const VALUE = 'hunter2-super-secret-value';
const ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:conveyor/accounts/a-1/token-AbCdEf';
const REQUEST_ID = '11111111-2222-3333-4444-555555555555';
const BAD_REQUEST = 400;
const SERVER_ERROR = 500;
const TOO_MANY = 429;
const SERVICE_UNAVAILABLE = 503;

/** Metadata as the SDK sets it on a failed response. */
const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: REQUEST_ID, attempts: 1, totalRetryDelay: 0 });
/** A service message that quotes the value, as a careless or hostile endpoint could. */
const LEAKY = `something about ${VALUE}`;

/** A store whose client throws `error` for every command, before anything is sent. */
function storeThrowing(error: unknown): SecretsManagerStore {
  const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' }, maxAttempts: 1 });
  client.middlewareStack.add(
    () => async () => {
      throw error;
    },
    { step: 'initialize', name: 'scriptedFailure' },
  );
  return new SecretsManagerStore(client);
}

const ACTIONS = {
  create: (s: SecretsManagerStore) => s.create('accounts/a-1/token', VALUE),
  put: (s: SecretsManagerStore) => s.put(ARN, VALUE),
  get: (s: SecretsManagerStore) => s.get(ARN),
};

const CASES: [string, keyof typeof ACTIONS, unknown, string, ErrorCategory][] = [
  ['ResourceNotFoundException', 'get', new ResourceNotFoundException({ message: LEAKY, $metadata: metadata(BAD_REQUEST) }), 'SecretNotFoundError', 'input'],
  ['ResourceExistsException', 'create', new ResourceExistsException({ message: LEAKY, $metadata: metadata(BAD_REQUEST) }), 'SecretExistsError', 'conflict'],
  [
    'InvalidRequestException for a deleted secret on create',
    'create',
    new InvalidRequestException({ message: `scheduled for deletion ${VALUE}`, $metadata: metadata(BAD_REQUEST) }),
    'SecretExistsError',
    'conflict',
  ],
  [
    'InvalidRequestException for a deleted secret on put',
    'put',
    new InvalidRequestException({ message: `marked for deletion ${VALUE}`, $metadata: metadata(BAD_REQUEST) }),
    'SecretDeletedError',
    'conflict',
  ],
  ['another InvalidRequestException', 'put', new InvalidRequestException({ message: LEAKY, $metadata: metadata(BAD_REQUEST) }), 'SecretRequestRejectedError', 'input'],
  ['InvalidParameterException', 'put', new InvalidParameterException({ message: LEAKY, $metadata: metadata(BAD_REQUEST) }), 'SecretRequestRejectedError', 'input'],
  [
    'AccessDeniedException (IAM, not in the service model)',
    'get',
    new SecretsManagerServiceException({ name: 'AccessDeniedException', $fault: 'client', message: LEAKY, $metadata: metadata(BAD_REQUEST) }),
    'SecretAccessError',
    'access',
  ],
  ['DecryptionFailure', 'get', new DecryptionFailure({ message: LEAKY, $metadata: metadata(BAD_REQUEST) }), 'SecretAccessError', 'access'],
  ['InternalServiceError', 'get', new InternalServiceError({ message: LEAKY, $metadata: metadata(SERVER_ERROR) }), 'SecretsUnavailableError', 'unavailable'],
  [
    'ThrottlingException',
    'get',
    new SecretsManagerServiceException({ name: 'ThrottlingException', $fault: 'client', message: LEAKY, $metadata: metadata(BAD_REQUEST) }),
    'SecretsUnavailableError',
    'unavailable',
  ],
  ['an unmodelled 429', 'get', new SecretsManagerServiceException({ name: 'SomethingNew', $fault: 'client', message: LEAKY, $metadata: metadata(TOO_MANY) }), 'SecretsUnavailableError', 'unavailable'],
  [
    'an unmodelled 503',
    'put',
    new SecretsManagerServiceException({ name: 'ServiceUnavailable', $fault: 'server', message: LEAKY, $metadata: metadata(SERVICE_UNAVAILABLE) }),
    'SecretsUnavailableError',
    'unavailable',
  ],
  ['a refused connection', 'get', Object.assign(new Error(`connect ECONNREFUSED ${VALUE}`), { code: 'ECONNREFUSED' }), 'SecretsUnavailableError', 'unavailable'],
  ['an SDK timeout', 'get', Object.assign(new Error(LEAKY), { name: 'TimeoutError' }), 'SecretsUnavailableError', 'unavailable'],
  ['anything else', 'get', new TypeError(LEAKY), 'SecretStoreError', 'internal'],
];

describe('SecretsManagerStore error mapping', () => {
  it.each(CASES)('maps %s on %s to %s (%s)', async (_case, action, thrown, name, category) => {
    // Prepare
    const store = storeThrowing(thrown);

    // Act
    const error = (await ACTIONS[action](store).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { cause?: unknown };

    // Assess
    expect(error?.name).toBe(name);
    expect(categoryOf(error)).toBe(category);
    expect(error.message).not.toContain(VALUE);
    expect(error.cause).toBeInstanceOf(SecretStoreFailure);
    expect(error.cause).not.toBe(thrown);
    expect(JSON.stringify(error.cause)).not.toContain(VALUE);
    expect(String((error.cause as Error).message)).not.toContain(VALUE);
  });

  it('keeps the error code, HTTP status and request id in the cause for support', async () => {
    // Prepare
    const store = storeThrowing(new InternalServiceError({ message: LEAKY, $metadata: metadata(SERVER_ERROR) }));

    // Act
    const error = (await store.get(ARN).catch((e: unknown) => e)) as Error;

    // Assess
    expect(error.cause).toMatchObject({ code: 'InternalServiceError', status: SERVER_ERROR, requestId: REQUEST_ID });
  });

  it('checks names, ARNs and values before sending anything', async () => {
    // Prepare
    const store = storeThrowing(new Error('the client must not be called'));

    // Act
    const results = await Promise.all([
      store.create('bad name', VALUE).catch((e: Error) => e.name),
      store.get('arn:aws:secretsmanager:us-east-1:000000000000:secret:elsewhere/x-AbCdEf').catch((e: Error) => e.name),
      store.put(ARN, '').catch((e: Error) => e.name),
      store.delete(ARN, { recoveryWindowDays: 31 }).catch((e: Error) => e.name),
    ]);

    // Assess
    expect(results).toEqual(['InvalidSecretNameError', 'InvalidSecretNameError', 'InvalidSecretValueError', 'InvalidSecretValueError']);
  });
});
