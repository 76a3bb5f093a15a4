/**
 * Puts the Lambda's secret reader on the handler's context as `context.secrets`, the way
 * @middy/secrets-manager puts values there, but lazily: the handler reads the ARNs it finds
 * in the table through the shared read-through cache (CachedSecrets, built once per cold
 * start), so values stay in memory and never in the event, the environment or a log.
 * `prefetch` reads ARNs known up front before the handler runs, so a missing secret fails
 * the invocation before any work is done.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { SecretSource } from '#domain/secrets.ts';

/** The handler's context once the middleware has run. */
export type SecretsContext = Context & { secrets: SecretSource };

export type SecretsMiddlewareOptions = {
  /** Usually one CachedSecrets per cold start. */
  source: SecretSource;
  /** ARNs to read (and so cache) before the handler runs. */
  prefetch?: readonly string[];
};

export function secrets(options: SecretsMiddlewareOptions): MiddlewareObj<unknown, unknown, Error, SecretsContext> {
  return {
    name: 'secrets',
    before: async (request) => {
      request.context.secrets = options.source;
      await Promise.all((options.prefetch ?? []).map((arn) => options.source.get(arn)));
    },
  };
}
