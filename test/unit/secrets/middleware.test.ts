/**
 * The secrets middleware on a real middy chain: the handler finds the shared reader on its
 * context, prefetched secrets are read (and cached) before the handler runs, and a missing
 * one fails the invocation before the handler does any work.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { CachedSecrets } from '#adapters/secrets/cache.ts';
import { FakeSecrets } from '#domain/fake-secrets.ts';
import { SecretNotFoundError } from '#domain/secret-errors.ts';
import { type SecretsContext, secrets } from '../../../functions/middleware/secrets.ts';

const TOKEN = 'cluster-t0ken-value';
const MISSING_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:conveyor/accounts/gone/token-ZZZZZZ';

/**
 * The parts of a Lambda context a handler here touches. Typed as SecretsContext because middy
 * types the wrapped handler's parameter with what its middlewares add; the runtime passes a
 * plain Context, and the middleware adds `secrets`, which is what these tests check.
 */
const lambdaContext = () => ({ functionName: 'apply', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 }) as Partial<Context> as SecretsContext;

describe('secrets middleware', () => {
  it('puts the reader on the context, and the handler reads through the cache', async () => {
    // Prepare
    const store = new FakeSecrets();
    const arn = await store.create('accounts/a-1/token', TOKEN);
    const cache = new CachedSecrets(store);
    const handler = middy(async (event: { arn: string }, context: SecretsContext) => (await context.secrets.get(event.arn)).length).use(secrets({ source: cache }));

    // Act
    const first = await handler({ arn }, lambdaContext());
    const second = await handler({ arn }, lambdaContext());

    // Assess
    expect([first, second]).toEqual([TOKEN.length, TOKEN.length]);
    expect(store.calls.filter((c) => c.verb === 'get')).toHaveLength(1);
  });

  it('prefetches ARNs known up front before the handler runs', async () => {
    // Prepare
    const store = new FakeSecrets();
    const arn = await store.create('accounts/a-2/token', TOKEN);
    const cache = new CachedSecrets(store);
    let readsBeforeHandler = -1;
    const handler = middy(async () => {
      readsBeforeHandler = store.calls.filter((c) => c.verb === 'get').length;
    }).use(secrets({ source: cache, prefetch: [arn] }));

    // Act
    await handler({}, lambdaContext());

    // Assess
    expect(readsBeforeHandler).toBe(1);
    expect(cache.size).toBe(1);
  });

  it('fails the invocation before the handler when a prefetched secret is missing', async () => {
    // Prepare
    let handlerRan = false;
    const handler = middy(async () => {
      handlerRan = true;
    }).use(secrets({ source: new FakeSecrets(), prefetch: [MISSING_ARN] }));

    // Act
    const result = handler({}, lambdaContext());

    // Assess
    await expect(result).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(handlerRan).toBe(false);
  });
});
