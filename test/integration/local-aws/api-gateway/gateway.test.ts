/**
 * The local API Gateway over HTTP, with the catalog's routes and a recording function behind
 * them: requests signed by the SDK's signer (@smithy/signature-v4) and by `curl --aws-sigv4`
 * get through with the caller in the IAM authorizer context; unsigned, tampered, expired and
 * wrongly keyed requests get API Gateway's 403s; an unknown route its 404. The events have the
 * payload 2.0 shape, and function answers come back as API Gateway turns them into responses.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_ACCOUNT } from '#local/aws/api-gateway/server.ts';
import { rawHttp, signedHttp, signHeaders } from '../../../support/signed-http.ts';
import { curlSigned, curlSignsSigV4, REGION, type RecordingGateway, startRecordingGateway } from './helpers.ts';

const MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const MINUTE = 60_000;

let t: RecordingGateway;

beforeAll(async () => {
  t = await startRecordingGateway();
});

afterAll(async () => {
  await t?.close();
});

const admin = () => t.users.admin!;
const lastEvent = () => t.invocations.at(-1)!.event;

describe('signed requests', () => {
  it('passes a request signed by the SDK signer to the route function, with the IAM authorizer context and the payload 2.0 event', async () => {
    // Prepare
    const before = t.invocations.length;

    // Act
    const answer = await signedHttp(t.url, {
      method: 'GET',
      path: '/projects/web/environments/dev/deployments',
      query: { limit: '5', cursor: 'a b+c' },
      headers: { 'x-trace': 'one' },
      credentials: admin(),
      region: REGION,
    });

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toEqual({ routeKey: 'GET /projects/{projectId}/environments/{environmentId}/deployments' });
    expect(answer.headers['apigw-requestid']).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    expect(t.invocations.length).toBe(before + 1);
    expect(t.invocations.at(-1)!.functionName).toBe('deployments-api');
    const event = lastEvent();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /projects/{projectId}/environments/{environmentId}/deployments',
      rawPath: '/projects/web/environments/dev/deployments',
      rawQueryString: 'limit=5&cursor=a%20b%2Bc',
      queryStringParameters: { limit: '5', cursor: 'a b+c' },
      pathParameters: { projectId: 'web', environmentId: 'dev' },
      isBase64Encoded: false,
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        http: { method: 'GET', path: '/projects/web/environments/dev/deployments', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        requestId: answer.headers['apigw-requestid'],
        routeKey: 'GET /projects/{projectId}/environments/{environmentId}/deployments',
        stage: '$default',
        authorizer: { iam: { accessKey: admin().accessKeyId, accountId: LOCAL_ACCOUNT, userArn: admin().principalArn, principalOrgId: null, cognitoIdentity: null } },
      },
    });
    expect(event.requestContext.authorizer.iam.userId).toMatch(/^AIDA[A-Z2-7]{17}$/);
    expect(event.requestContext.authorizer.iam.callerId).toBe(event.requestContext.authorizer.iam.userId);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(MINUTE);
    expect(event.headers['x-trace']).toBe('one');
    expect(event.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=/);
    expect(event.body).toBeUndefined();
  });

  it('decodes path parameters (a greedy one keeps its "/"), picks the most specific route, and passes JSON bodies as text', async () => {
    // Act
    const role = await signedHttp(t.url, { method: 'GET', path: '/roles/arn%3Aaws%3Aiam%3A%3A000000000000%3Arole/teams/Deployer', credentials: admin(), region: REGION });
    const roleEvent = lastEvent();
    const health = await signedHttp(t.url, { method: 'POST', path: '/targets/web-1/health', credentials: admin(), region: REGION });
    const exported = await signedHttp(t.url, { method: 'GET', path: '/audit/export', credentials: admin(), region: REGION });
    const created = await signedHttp(t.url, { method: 'POST', path: '/environments', body: JSON.stringify({ id: 'dev' }), credentials: admin(), region: REGION });
    const createdEvent = lastEvent();

    // Assess
    expect(role.json).toEqual({ routeKey: 'GET /roles/{principalArn+}' });
    expect(roleEvent.pathParameters).toEqual({ principalArn: 'arn:aws:iam::000000000000:role/teams/Deployer' });
    expect(health.json).toEqual({ routeKey: 'POST /targets/{targetId}/health' });
    expect(exported.json).toEqual({ routeKey: 'GET /audit/export' });
    expect(created.status).toBe(200);
    expect(createdEvent).toMatchObject({ body: '{"id":"dev"}', isBase64Encoded: false });
    expect(createdEvent.headers['content-type']).toBe('application/json');
  });

  it('base64-encodes a body that is not text, joins repeated query parameters and moves cookies to `cookies`', async () => {
    // Prepare
    const bytes = Buffer.from([0, 1, 2, 250, 251]);
    const path = '/environments';
    const headers = await signHeaders(t.url, { method: 'POST', path, headers: { 'content-type': 'application/octet-stream', cookie: 'a=1; b=2' }, body: bytes, credentials: admin(), region: REGION });

    // Act
    const answer = await rawHttp(t.url, { method: 'POST', path, headers, body: bytes });
    const binaryEvent = lastEvent();
    const repeated = await rawHttp(t.url, { method: 'GET', path: '/environments?tag=a&tag=b', headers: await signRequestFor('GET', '/environments', { tag: ['a', 'b'] }) });

    // Assess
    expect(answer.status, answer.text).toBe(200);
    expect(binaryEvent).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true, cookies: ['a=1', 'b=2'] });
    expect(binaryEvent.headers.cookie).toBeUndefined();
    expect(repeated.status, repeated.text).toBe(200);
    expect(lastEvent().queryStringParameters).toEqual({ tag: 'a,b' });
  });

  it('accepts temporary credentials with their session token, and refuses them without it', async () => {
    // Prepare: a gateway whose one principal is an assumed-role session.
    const session = { accessKeyId: 'ASIAEXAMPLESESSION01', secretAccessKey: 'session-secret-key-session-secret-key-12', sessionToken: 'FQoGZXIvYXdzEXAMPLE-token' };
    const principalArn = `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/Deployer/carol`;
    const sts = await startRecordingGateway({ principals: { [session.accessKeyId]: { secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken, principalArn } } });
    try {
      // Act
      const withToken = await signedHttp(sts.url, { method: 'GET', path: '/environments', credentials: session, region: REGION });
      const withoutToken = await signedHttp(sts.url, { method: 'GET', path: '/environments', credentials: { ...session, sessionToken: undefined }, region: REGION });
      const otherToken = await signedHttp(sts.url, { method: 'GET', path: '/environments', credentials: { ...session, sessionToken: 'another-token' }, region: REGION });

      // Assess
      expect(withToken.status, withToken.text).toBe(200);
      expect(sts.invocations[0]!.event.requestContext.authorizer.iam).toMatchObject({
        userArn: principalArn,
        accessKey: session.accessKeyId,
        userId: expect.stringMatching(/^AROA[A-Z2-7]{17}:carol$/),
      });
      for (const refused of [withoutToken, otherToken]) expect(refused).toMatchObject({ status: 403, json: { message: INVALID_TOKEN } });
      expect(sts.invocations).toHaveLength(1);
    } finally {
      await sts.close();
    }
  });
});

/** SigV4 headers for a request whose query repeats a key. */
async function signRequestFor(method: string, path: string, query: Record<string, string[]>): Promise<Record<string, string>> {
  const url = new URL(t.url);
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: admin(), sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: url.hostname, path, query, headers: { host: url.host } });
  return signed.headers as Record<string, string>;
}

// curl signs with its own implementation of SigV4 (not the SDK's). A curl without --aws-sigv4
// (before 7.75) cannot take part: the case is then not registered at all.
if (curlSignsSigV4()) {
  describe('curl --aws-sigv4', () => {
    it('gets through with a GET and a POST with a body, as the caller of its key', async () => {
      // Act
      const list = await curlSigned(`${t.url}/environments`, t.users.auditor!);
      const listEvent = lastEvent();
      const create = await curlSigned(`${t.url}/environments`, t.users.admin!, ['-H', 'content-type: application/json', '--data-binary', '{"id":"curl","name":"Curl"}']);
      const createEvent = lastEvent();

      // Assess
      expect(list.status, list.body + list.stderr).toBe(200);
      expect(JSON.parse(list.body)).toEqual({ routeKey: 'GET /environments' });
      expect(listEvent.requestContext.authorizer.iam.userArn).toBe(t.users.auditor!.principalArn);
      expect(create.status, create.body + create.stderr).toBe(200);
      expect(createEvent).toMatchObject({ routeKey: 'POST /environments', body: '{"id":"curl","name":"Curl"}' });
      expect(createEvent.requestContext.authorizer.iam.userArn).toBe(t.users.admin!.principalArn);
    });

    it('is refused with a wrong secret', async () => {
      // Act
      const refused = await curlSigned(`${t.url}/environments`, { ...t.users.admin!, secretAccessKey: 'x'.repeat(40) });

      // Assess
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toEqual({ message: MISMATCH });
    });
  });
}

describe('refusals', () => {
  it('answers 403 {"message":"Forbidden"} to an unsigned request, and to another scheme', async () => {
    // Act
    const unsigned = await rawHttp(t.url, { method: 'GET', path: '/environments' });
    const bearer = await rawHttp(t.url, { method: 'GET', path: '/environments', headers: { authorization: 'Bearer abc' } });

    // Assess
    for (const answer of [unsigned, bearer]) expect(answer).toMatchObject({ status: 403, json: { message: 'Forbidden' } });
  });

  it('answers 403 signature mismatch to a body changed after signing, a wrong secret or a changed path', async () => {
    // Prepare
    const body = JSON.stringify({ id: 'prod', name: 'Production' });
    const headers = await signHeaders(t.url, { method: 'POST', path: '/environments', body, credentials: admin(), region: REGION });
    const { 'x-amz-content-sha256': _dropped, ...withoutHashHeader } = headers;
    const before = t.invocations.length;

    // Act
    const tampered = await rawHttp(t.url, { method: 'POST', path: '/environments', headers, body: body.replace('prod', 'dev!') });
    const tamperedNoHash = await rawHttp(t.url, { method: 'POST', path: '/environments', headers: withoutHashHeader, body: body.replace('prod', 'dev!') });
    const wrongSecret = await signedHttp(t.url, { method: 'GET', path: '/environments', credentials: { ...admin(), secretAccessKey: t.users.auditor!.secretAccessKey }, region: REGION });
    const signedForOther = await signHeaders(t.url, { method: 'GET', path: '/environments/dev', credentials: admin(), region: REGION });
    const changedPath = await rawHttp(t.url, { method: 'GET', path: '/environments/prod', headers: signedForOther });

    // Assess
    for (const answer of [tampered, tamperedNoHash, wrongSecret, changedPath]) expect(answer).toMatchObject({ status: 403, json: { message: MISMATCH } });
    expect(t.invocations.length).toBe(before);
    for (const answer of [tampered, wrongSecret]) expect(answer.text).not.toContain(admin().secretAccessKey);
  });

  it('answers 403 to an unknown access key, a wrong region and a date out of the 5-minute window', async () => {
    // Prepare
    const now = Date.now();

    // Act
    const unknownKey = await signedHttp(t.url, {
      method: 'GET',
      path: '/environments',
      credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN12', secretAccessKey: admin().secretAccessKey },
      region: REGION,
    });
    const otherRegion = await signedHttp(t.url, { method: 'GET', path: '/environments', credentials: admin(), region: 'us-west-2' });
    const otherService = await signedHttp(t.url, { method: 'GET', path: '/environments', credentials: admin(), region: REGION, service: 'lambda' });
    const expired = await signedHttp(t.url, { method: 'GET', path: '/environments', credentials: admin(), region: REGION, signingDate: new Date(now - 6 * MINUTE) });
    const future = await signedHttp(t.url, { method: 'GET', path: '/environments', credentials: admin(), region: REGION, signingDate: new Date(now + 6 * MINUTE) });
    const slightlyOff = await signedHttp(t.url, { method: 'GET', path: '/environments', credentials: admin(), region: REGION, signingDate: new Date(now - 4 * MINUTE) });

    // Assess
    expect(unknownKey).toMatchObject({ status: 403, json: { message: INVALID_TOKEN } });
    expect(otherRegion).toMatchObject({ status: 403, json: { message: 'Credential should be scoped to a valid region.' } });
    expect(otherService).toMatchObject({ status: 403, json: { message: "Credential should be scoped to correct service: 'execute-api'." } });
    expect(expired.status).toBe(403);
    expect(expired.json.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    expect(future.status).toBe(403);
    expect(future.json.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than/);
    expect(slightlyOff.status).toBe(200);
  });

  it('answers 404 {"message":"Not Found"} to a path or method no route has, signed or not', async () => {
    // Act
    const unknown = await rawHttp(t.url, { method: 'GET', path: '/nothing/here' });
    const method = await signedHttp(t.url, { method: 'PATCH', path: '/environments/dev', credentials: admin(), region: REGION });
    const trailing = await signedHttp(t.url, { method: 'GET', path: '/targets/web-1/health/more', credentials: admin(), region: REGION });

    // Assess
    for (const answer of [unknown, method, trailing]) expect(answer).toMatchObject({ status: 404, json: { message: 'Not Found' } });
  });
});

describe('answers', () => {
  const get = () => signedHttp(t.url, { method: 'GET', path: '/dashboard', credentials: admin(), region: REGION });

  afterAll(() => {
    t.answer(({ event }) => ({ statusCode: 200, body: JSON.stringify({ routeKey: event.routeKey }) }));
  });

  it('turns an answer without statusCode into a 200 JSON body, as payload 2.0 infers it', async () => {
    // Act
    t.answer(() => ({ rows: [] }));
    const object = await get();
    t.answer(() => 'hello');
    const text = await get();

    // Assess
    expect(object).toMatchObject({ status: 200, json: { rows: [] } });
    expect(object.headers['content-type']).toBe('application/json');
    expect(text).toMatchObject({ status: 200, text: '"hello"' });
  });

  it('sends a structured answer as it says: status, headers, cookies, base64 bodies', async () => {
    // Act
    t.answer(() => ({ statusCode: 201, headers: { 'X-Custom': 'yes', 'content-type': 'application/x-ndjson' }, cookies: ['a=1; Path=/', 'b=2'], body: '{"a":1}\n' }));
    const structured = await get();
    t.answer(() => ({ statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([1, 2, 3]).toString('base64'), isBase64Encoded: true }));
    const binary = await get();
    t.answer(() => ({ statusCode: 204 }));
    const empty = await get();

    // Assess
    expect(structured).toMatchObject({ status: 201, text: '{"a":1}\n' });
    expect(structured.headers).toMatchObject({ 'x-custom': 'yes', 'content-type': 'application/x-ndjson', 'set-cookie': ['a=1; Path=/', 'b=2'] });
    expect(Buffer.from(binary.text, 'utf8')).toEqual(Buffer.from([1, 2, 3]));
    expect(empty).toMatchObject({ status: 204, text: '' });
  });

  it('answers 500 {"message":"Internal Server Error"} for a function error, without its message', async () => {
    // Act
    t.answer(() => {
      throw new Error('database password is hunter2');
    });
    const failed = await get();

    // Assess
    expect(failed).toMatchObject({ status: 500, json: { message: 'Internal Server Error' } });
    expect(failed.text).not.toContain('hunter2');
  });
});

describe('limits', () => {
  it('answers 413 to a body over the limit, and 503 to a function slower than the integration timeout', async () => {
    // Prepare
    const small = await startRecordingGateway({ maxBodyBytes: 1024, timeoutMs: 200 });
    small.answer(() => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 1_000)));
    try {
      // Act
      const big = await signedHttp(small.url, { method: 'POST', path: '/environments', body: 'x'.repeat(2048), credentials: small.users.admin!, region: REGION });
      const slow = await signedHttp(small.url, { method: 'GET', path: '/environments', credentials: small.users.admin!, region: REGION });

      // Assess
      expect(big).toMatchObject({ status: 413, json: { message: 'Request Entity Too Large' } });
      expect(slow).toMatchObject({ status: 503, json: { message: 'Service Unavailable' } });
    } finally {
      await small.close();
    }
  });
});
