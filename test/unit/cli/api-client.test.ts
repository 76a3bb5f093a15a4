/**
 * The CLI's API client without a network: what it signs is what the local API Gateway's
 * verifier accepts (paths with encoded and greedy parameters, queries, bodies, session tokens),
 * and nothing else; which answers it retries (429 always, 5xx and resets only when the method is
 * safe to repeat) with backoff and Retry-After; and how the API's answers become errors with
 * exit codes and advice.
 */
import { describe, expect, it } from 'vitest';
import { ApiClient, pathOf, type RetryPolicy } from '#cli/api/client.ts';
import { ApiError, apiErrorOf, ConnectionError, hintFor } from '#cli/api/errors.ts';
import type { Transport, WireRequest, WireResponse } from '#cli/api/transport.ts';
import { type Principals, verifySigV4 } from '#local/aws/api-gateway/sigv4.ts';

const REGION = 'eu-west-1';
const ENDPOINT = new URL('http://127.0.0.1:4510');
const ADMIN = { accessKeyId: 'AKIAADMINADMINADMIN2', secretAccessKey: 'admin-secret-key-admin-secret-key-123456' };
const ADMIN_ARN = 'arn:aws:iam::000000000000:user/admin';
const PRINCIPALS: Principals = { [ADMIN.accessKeyId]: { secretAccessKey: ADMIN.secretAccessKey, principalArn: ADMIN_ARN } };
const NO_WAIT: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

const ok = (body: unknown = {}): WireResponse => ({ status: 200, headers: {}, body: JSON.stringify(body) });

/** A transport that verifies each request as the gateway would, and answers what `answer` says. */
function verifyingTransport(principals: Principals, answer: (request: WireRequest) => WireResponse = () => ok()) {
  const verdicts: Awaited<ReturnType<typeof verifySigV4>>[] = [];
  const transport: Transport = async (request) => {
    const verdict = await verifySigV4(
      { method: request.method, rawPath: request.url.pathname, rawQuery: request.url.search.slice(1), headers: Object.entries(request.headers), body: Buffer.from(request.body ?? '') },
      { principals, region: REGION },
    );
    verdicts.push(verdict);
    return verdict.ok ? answer(request) : { status: 403, headers: {}, body: JSON.stringify({ message: verdict.message }) };
  };
  return { transport, verdicts };
}

/** A transport that answers from a script, recording what it was sent. */
function scripted(...answers: (WireResponse | Error)[]) {
  const sent: WireRequest[] = [];
  const transport: Transport = async (request) => {
    sent.push(request);
    const next = answers.shift() ?? ok();
    if (next instanceof Error) throw next;
    return next;
  };
  return { transport, sent };
}

/** What a promise that must fail rejected with. */
async function failure<E extends Error>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a failure, but the call succeeded');
}

const socketError = (code: string) => Object.assign(new Error(code), { code });

function client(transport: Transport, options: { sleeps?: number[]; credentials?: typeof ADMIN & { sessionToken?: string } } = {}) {
  return new ApiClient({
    endpoint: ENDPOINT,
    region: REGION,
    credentials: options.credentials ?? ADMIN,
    transport,
    retry: NO_WAIT,
    random: () => 1,
    sleep: async (ms) => void options.sleeps?.push(ms),
  });
}

describe('signing', () => {
  it("signs requests the gateway verifier accepts as the key's principal: paths, greedy parameters, queries, bodies", async () => {
    // Prepare
    const { transport, verdicts } = verifyingTransport(PRINCIPALS);
    const api = client(transport);

    // Act
    await api.get('/environments');
    await api.get(pathOf('/roles/{principalArn+}', { principalArn: 'arn:aws:iam::000000000000:role/teams/Deploy+ers' }));
    await api.get('/audit', { from: '2026-01-31T12:00:00+01:00', subject: "project/web (it's)", limit: 5, cursor: undefined });
    await api.post(pathOf('/projects/{projectId}/releases/{version}/deployments', { projectId: 'web', version: '1.2.0+build.7' }), { environmentId: 'dev', note: 'ünïcödé ✓' });
    await api.delete('/environments/dev', { version: 3 });

    // Assess
    expect(verdicts.map((v) => v.ok && v.principal.principalArn)).toEqual([ADMIN_ARN, ADMIN_ARN, ADMIN_ARN, ADMIN_ARN, ADMIN_ARN]);
  });

  it('encodes parameters so the path keeps its shape: one segment each, "/" kept only in a greedy one', () => {
    expect(pathOf('/roles/{principalArn+}', { principalArn: 'arn:aws:iam::1:role/a/b' })).toBe('/roles/arn%3Aaws%3Aiam%3A%3A1%3Arole/a/b');
    expect(pathOf('/projects/{projectId}', { projectId: '../x y' })).toBe('/projects/..%2Fx%20y');
  });

  it('is refused when the body changes after signing, or the secret is wrong', async () => {
    // Prepare
    const api = client(async (request) => {
      const tampered = { ...request, body: request.body?.replace('dev', 'prod') };
      return verifyingTransport(PRINCIPALS).transport(tampered);
    });
    const wrongKey = client(verifyingTransport(PRINCIPALS).transport, { credentials: { ...ADMIN, secretAccessKey: 'x'.repeat(40) } });

    // Act
    const tampered = await failure<ApiError>(api.post('/environments', { id: 'dev' }));
    const wrong = await failure<ApiError>(wrongKey.get('/environments'));

    // Assess
    for (const error of [tampered, wrong]) {
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 403, fromGateway: true, exitCode: 3, message: expect.stringContaining('The request signature we calculated does not match') });
    }
  });

  it('sends the session token of temporary credentials, which the verifier requires', async () => {
    // Prepare
    const session = { accessKeyId: 'ASIASESSIONSESSION01', secretAccessKey: 'session-secret-session-secret-session-12', sessionToken: 'session-token-value' };
    const principals: Principals = {
      [session.accessKeyId]: { secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken, principalArn: 'arn:aws:sts::000000000000:assumed-role/Ops/carol' },
    };
    const { transport, verdicts } = verifyingTransport(principals);

    // Act
    await client(transport, { credentials: session }).get('/environments');

    // Assess
    expect(verdicts[0]).toMatchObject({ ok: true, principal: { principalArn: 'arn:aws:sts::000000000000:assumed-role/Ops/carol' } });
  });
});

describe('retries', () => {
  it('retries a 429 (any method) and a 503 of a GET with backoff, waiting at least Retry-After, and signs each attempt anew', async () => {
    // Prepare
    const sleeps: number[] = [];
    const { transport, sent } = scripted(
      { status: 429, headers: { 'retry-after': '2' }, body: '{"message":"Too Many Requests"}' },
      ok({ id: 'dev' }),
      { status: 503, headers: {}, body: '{"message":"Service Unavailable"}' },
      ok({ items: [] }),
    );
    const api = client(transport, { sleeps });

    // Act
    const created = await api.post('/environments', { id: 'dev' });
    const listed = await api.get('/environments');

    // Assess
    expect(created).toEqual({ id: 'dev' });
    expect(listed).toEqual({ items: [] });
    expect(sleeps).toEqual([2_000, 100]);
    expect(sent).toHaveLength(4);
    expect(sent[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it('does not repeat a POST that may have taken effect (a 500, a reset), and gives up after the last attempt', async () => {
    // Prepare
    const failing = scripted({ status: 500, headers: { 'apigw-requestid': 'req-1' }, body: '{"error":{"code":"InternalError","message":"internal error (request req-1)"}}' });
    const reset = scripted(socketError('ECONNRESET'));
    const busy = scripted(...Array.from({ length: 4 }, () => ({ status: 503, headers: {}, body: '{"message":"Service Unavailable"}' })));

    // Act
    const post = await failure<ApiError>(client(failing.transport).post('/environments', {}));
    const resetPost = await failure<ApiError>(client(reset.transport).post('/environments', {}));
    const busyGet = await failure<ApiError>(client(busy.transport).get('/environments'));

    // Assess
    expect(failing.sent).toHaveLength(1);
    expect(post).toMatchObject({ status: 500, code: 'InternalError', requestId: 'req-1', exitCode: 3 });
    expect(hintFor(post)).toBe('the API failed (request req-1); its logs have the cause');
    expect(reset.sent).toHaveLength(1);
    expect(resetPost).toBeInstanceOf(ConnectionError);
    expect(busy.sent).toHaveLength(4);
    expect(busyGet).toMatchObject({ status: 503, exitCode: 3 });
  });

  it('retries a reset GET, and reports a refused connection at once', async () => {
    // Prepare
    const reset = scripted(socketError('ECONNRESET'), ok({ items: [] }));
    const refused = scripted(socketError('ECONNREFUSED'));

    // Act
    const listed = await client(reset.transport).get('/environments');
    const error = await failure<ConnectionError>(client(refused.transport).get('/environments'));

    // Assess
    expect(listed).toEqual({ items: [] });
    expect(refused.sent).toHaveLength(1);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe('cannot reach the Conveyor API at http://127.0.0.1:4510: connection refused (is the API running there?)');
    expect(error.exitCode).toBe(3);
  });
});

describe('errors', () => {
  it.each([
    [400, 'ValidationError', 2],
    [404, 'NotFoundError', 2],
    [409, 'VersionConflictError', 2],
    [422, 'RolloutFailedError', 1],
    [403, 'ForbiddenError', 3],
    [500, 'InternalError', 3],
    [503, 'ServiceUnavailable', 3],
  ])('maps a %i %s to exit code %i, from the categories table', (status, code, exit) => {
    expect(apiErrorOf(status, JSON.stringify({ error: { code, message: 'm' } })).exitCode).toBe(exit);
  });

  it("reads the API's error body, API Gateway's, and anything else", () => {
    // Act
    const api = apiErrorOf(
      400,
      JSON.stringify({ error: { code: 'UnknownReferenceError', message: 'environmentId names unknown environment "qa" (known: dev)', details: { known: { environments: ['dev'] } } } }),
    );
    const gateway = apiErrorOf(403, '{"message":"Signature expired: 20260131T120000Z is now earlier than 20260131T121000Z (20260131T121500Z - 5 min.)"}');
    const other = apiErrorOf(502, '<html>Bad Gateway</html>');

    // Assess
    expect(api).toMatchObject({ code: 'UnknownReferenceError', details: { known: { environments: ['dev'] } }, fromGateway: false, exitCode: 2 });
    expect(gateway).toMatchObject({ fromGateway: true, exitCode: 3 });
    expect(hintFor(gateway)).toBe("this machine's clock is off by more than 5 minutes: correct it and retry");
    expect(other).toMatchObject({ status: 502, message: 'HTTP 502: <html>Bad Gateway</html>', exitCode: 3 });
  });

  it('says what to do about a refused role, a changed version, a duplicate', () => {
    expect(hintFor(apiErrorOf(403, '{"error":{"code":"ForbiddenError","message":"m"}}'))).toContain('conveyor roles grant ARN --role ROLE');
    expect(hintFor(apiErrorOf(409, '{"error":{"code":"VersionConflictError","message":"m"}}'))).toContain('run the command again');
    expect(hintFor(apiErrorOf(409, '{"error":{"code":"DuplicateError","message":"m"}}'))).toContain('it exists already');
  });
});
