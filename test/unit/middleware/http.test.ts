/**
 * The HTTP edge: errors mapped to status and body in one place (nothing internal in a 5xx),
 * the caller's principal, and validation of body, path and query before a handler runs.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClusterUnavailableError } from '#domain/errors.ts';
import { NotFoundError, VersionConflictError } from '#domain/pipeline/errors.ts';
import { errorResponse, httpErrors } from '#functions/middleware/http-errors.ts';
import { callerOf, principalOf } from '#functions/middleware/principal.ts';
import { type ValidatedEvent, validateHttp } from '#functions/middleware/validate.ts';
import { MissingConfigurationError, numberEnv, optionalEnv, requireEnv } from '#functions/runtime/env.ts';

const context = { awsRequestId: 'lambda-req' } as Context;

function event(body?: string, extra: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /things',
    rawPath: '/things',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { requestId: 'api-req' } as never,
    ...(body === undefined ? {} : { body }),
    ...extra,
  };
}

describe('errorResponse', () => {
  it('exposes 4xx errors with their code, message and details', () => {
    // Act
    const response = errorResponse(new NotFoundError('project web'), 'r1');

    // Assess
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'NotFoundError', message: 'project web does not exist', details: { subject: 'project web' } } });
  });

  it('maps a version conflict to 409', () => {
    expect(errorResponse(new VersionConflictError('project web', 2, 3), 'r1').statusCode).toBe(409);
  });

  it('hides everything about a 5xx but the request id', () => {
    // Prepare
    const secretish = new Error('connect ECONNREFUSED 10.0.0.7:443 with token abc');

    // Act
    const internal = JSON.parse(errorResponse(secretish, 'r9').body!);
    const unavailable = errorResponse(new ClusterUnavailableError('the API server at 10.0.0.7 answered 503'), 'r9');

    // Assess
    expect(internal).toEqual({ error: { code: 'InternalError', message: 'internal error (request r9)' } });
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.body).not.toContain('10.0.0.7');
    expect(JSON.parse(unavailable.body!).error.code).toBe('ServiceUnavailable');
  });

  it('is what a middy handler answers, and a 5xx is logged without the error object', async () => {
    // Prepare
    const logged: unknown[] = [];
    const handler = middy(async () => {
      throw new Error('boom');
    }).use(httpErrors({ error: (message, extra) => logged.push({ message, extra }) }));

    // Act
    const response = await handler(event(), context);

    // Assess
    expect(response).toMatchObject({ statusCode: 500 });
    expect(logged).toEqual([{ message: 'request failed', extra: { requestId: 'api-req', errorName: 'Error', errorMessage: 'boom', category: 'internal' } }]);
  });
});

describe('principal', () => {
  it('maps an assumed-role session to its role, a user to itself', () => {
    expect(principalOf('arn:aws:sts::123456789012:assumed-role/Deployer/alice')).toEqual({
      callerArn: 'arn:aws:sts::123456789012:assumed-role/Deployer/alice',
      principalArn: 'arn:aws:iam::123456789012:role/Deployer',
    });
    expect(principalOf('arn:aws:iam::123456789012:user/bob').principalArn).toBe('arn:aws:iam::123456789012:user/bob');
  });

  it('refuses a request without an IAM principal', () => {
    expect(() => callerOf({ requestContext: {} as never })).toThrow('no IAM principal');
  });
});

describe('validateHttp', () => {
  const body = z.strictObject({ name: z.string().regex(/^[a-z-]+$/), replicas: z.number().int().min(1) });
  const path = z.object({ id: z.string().regex(/^[a-z0-9-]+$/) });
  const run = async (e: APIGatewayProxyEventV2, maxBodyBytes?: number) => {
    let seen: unknown;
    const handler = middy(async (ev: APIGatewayProxyEventV2) => {
      seen = (ev as ValidatedEvent).input;
      return { statusCode: 200 };
    })
      .use(httpErrors({ error: () => {} }))
      .use(validateHttp({ body, path }, { maxBodyBytes }));
    const response = (await handler(e, context)) as { statusCode: number; body?: string };
    return { response, seen, error: response.statusCode === 200 ? undefined : JSON.parse(response.body!).error };
  };

  it('hands the handler typed input', async () => {
    const { seen } = await run(event('{"name":"web","replicas":2}', { pathParameters: { id: 'p-1' } }));
    expect(seen).toEqual({ body: { name: 'web', replicas: 2 }, path: { id: 'p-1' }, query: undefined });
  });

  it.each([
    ['malformed JSON', '{"name": "web",', 'body: not valid JSON (at character'],
    ['a missing body', undefined, 'body: a JSON body is required'],
    ['an unknown field', '{"name":"web","replicas":1,"replicaz":2}', 'body: unknown field "replicaz"'],
    ['a wrong type', '{"name":"web","replicas":"two"}', 'body.replicas: Invalid input: expected number'],
    ['a name with a path separator', '{"name":"../etc","replicas":1}', 'body.name: Invalid string'],
  ])('refuses %s with a 400 naming the field, never the value', async (_name, text, fragment) => {
    // Act
    const { response, error } = await run(event(text, { pathParameters: { id: 'p-1' } }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(error.code).toBe('ValidationError');
    expect(error.message).toContain(fragment);
    expect(error.message).not.toContain('../etc');
  });

  it('refuses a bad path parameter and an oversized body', async () => {
    expect((await run(event('{"name":"web","replicas":1}', { pathParameters: { id: 'A/B' } }))).error.message).toContain('path.id: Invalid string');
    const big = await run(event(JSON.stringify({ name: 'web', replicas: 1, pad: 'x'.repeat(2000) }), { pathParameters: { id: 'p' } }), 1024);
    expect(big.response.statusCode).toBe(400);
    expect(big.error.message).toContain('the limit (request body size) is 1 KiB');
  });
});

describe('env', () => {
  it('reads set values and names missing or malformed ones', () => {
    expect(requireEnv('TABLE', { TABLE: 'conveyor' })).toBe('conveyor');
    expect(() => requireEnv('TABLE', { TABLE: ' ' })).toThrow(MissingConfigurationError);
    expect(() => requireEnv('TABLE', {})).toThrow('environment variable TABLE is not set');
    expect(optionalEnv('REGION', 'eu-west-1', {})).toBe('eu-west-1');
    expect(numberEnv('WATCH_SECONDS', 20, { WATCH_SECONDS: '15' })).toBe(15);
    expect(() => numberEnv('WATCH_SECONDS', 20, { WATCH_SECONDS: '1.5' })).toThrow('must be a whole positive number');
  });
});
