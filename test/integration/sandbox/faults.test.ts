/**
 * Injected faults over HTTPS: error statuses with Retry-After, added latency, dropped
 * connections, set at start and changed at run time through PUT/DELETE /sandbox/faults
 * (cluster admins only).
 */

import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFaultSpec } from '#sandbox/faults.ts';
import { type RawRequest, rawRequest } from '../../support/https.ts';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const START_FAULTS = [
  '503=1@list /api/v1/namespaces/*/configmaps',
  '429=1@create /api/v1/namespaces/*/secrets',
  '500=1@delete /api/v1/namespaces/*/services/*',
  'latency=300@get /api/v1/namespaces/*/serviceaccounts/*',
  'drop=1@get /api/v1/namespaces/*/endpoints',
].join(';');

let t: TestSandbox;
let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  t = await startTestSandbox({ faults: parseFaultSpec(START_FAULTS) });
  kc = new KubeConfig();
  kc.loadFromString(t.sandbox.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await t?.close();
});

const asAdmin = (r: RawRequest) => rawRequest(t.sandbox, { token: t.sandbox.credentials.adminToken, ...r });
const asViewer = (r: RawRequest) => rawRequest(t.sandbox, { basic: { username: 'sandbox-viewer', password: t.sandbox.credentials.basicPassword }, ...r });

async function namespace(name: string): Promise<string> {
  const r = await asAdmin({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
  expect(r.status).toBe(201);
  return name;
}

async function rejection(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('faults given at start', () => {
  it('answers matching lists with 503 and Retry-After, and leaves other verbs and paths alone', async () => {
    const ns = await namespace('faults-503');
    const list = await asAdmin({ path: `/api/v1/namespaces/${ns}/configmaps` });
    expect(list.status).toBe(503);
    expect(list.headers['retry-after']).toBe('1');
    expect(list.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'ServiceUnavailable', code: 503, details: { retryAfterSeconds: 1 } });

    const created = await asAdmin({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: { metadata: { name: 'cm' } } });
    expect(created.status).toBe(201);
    expect((await asAdmin({ path: `/api/v1/namespaces/${ns}/configmaps/cm` })).status).toBe(200);
    // Other resources' lists are not affected.
    expect((await asAdmin({ path: `/api/v1/namespaces/${ns}/pods` })).status).toBe(200);

    const err = await rejection(core.listNamespacedConfigMap({ namespace: ns }));
    expect(err).toBeInstanceOf(ApiException);
    expect((err as ApiException<unknown>).code).toBe(503);
    expect((err as ApiException<unknown>).headers['retry-after']).toBe('1');
  });

  it('answers matching creates with 429 TooManyRequests and Retry-After, and changes nothing', async () => {
    const ns = await namespace('faults-429');
    const r = await asAdmin({ method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, body: { metadata: { name: 's' } } });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.', details: { retryAfterSeconds: 1 } });
    expect((await asAdmin({ path: `/api/v1/namespaces/${ns}/secrets/s` })).status).toBe(404);
  });

  it('answers matching deletes with 500 and no Retry-After', async () => {
    const ns = await namespace('faults-500');
    const svc = { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], selector: { app: 'web' } } };
    expect((await asAdmin({ method: 'POST', path: `/api/v1/namespaces/${ns}/services`, body: svc })).status).toBe(201);
    const r = await asAdmin({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/services/web` });
    expect(r.status).toBe(500);
    expect(r.headers['retry-after']).toBeUndefined();
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'InternalError', code: 500 });
    expect((await asAdmin({ path: `/api/v1/namespaces/${ns}/services/web` })).status).toBe(200);
  });

  it('adds latency to matching requests', async () => {
    const ns = await namespace('faults-latency');
    const slow = await asAdmin({ path: `/api/v1/namespaces/${ns}/serviceaccounts/default` });
    // The default ServiceAccount may take a moment to appear; either way the request was delayed.
    expect([200, 404]).toContain(slow.status);
    expect(slow.elapsedMs).toBeGreaterThanOrEqual(300);
    const started = performance.now();
    await core.readNamespacedServiceAccount({ name: 'default', namespace: ns }).catch(() => undefined);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('drops matching connections: the client sees a reset, not a response', async () => {
    const ns = await namespace('faults-drop');
    const err = (await rejection(asAdmin({ path: `/api/v1/namespaces/${ns}/endpoints` }))) as NodeJS.ErrnoException;
    expect(err.code).toBe('ECONNRESET');

    const viaClient = await rejection(core.listNamespacedEndpoints({ namespace: ns }));
    expect(viaClient).not.toBeInstanceOf(ApiException);
    expect(String((viaClient as Error).message) + String(((viaClient as Error).cause as Error | undefined)?.message ?? '')).toMatch(/fetch failed|socket|closed|reset/i);
    // The server is still fine for other requests.
    expect((await asAdmin({ path: `/api/v1/namespaces/${ns}` })).status).toBe(200);
  });
});

describe('faults changed at run time', () => {
  it('lets only cluster admins read and replace the rules; DELETE clears them', async () => {
    const ns = await namespace('faults-runtime');
    const current = await asAdmin({ path: '/sandbox/faults' });
    expect(current.status).toBe(200);
    expect(current.json.rules).toEqual(parseFaultSpec(START_FAULTS));

    // The view user is authenticated but not an admin.
    const viewerPut = await asViewer({ method: 'PUT', path: '/sandbox/faults', body: { rules: [] } });
    expect(viewerPut.status).toBe(403);
    expect(viewerPut.json).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(viewerPut.json.message).toBe('forbidden: User "sandbox-viewer" cannot put path "/sandbox/faults"');
    expect((await asViewer({ path: '/sandbox/faults' })).status).toBe(403);
    expect((await asViewer({ method: 'DELETE', path: '/sandbox/faults' })).status).toBe(403);
    expect((await rawRequest(t.sandbox, { method: 'PUT', path: '/sandbox/faults', body: { rules: [] } })).status).toBe(403);
    expect((await asAdmin({ path: '/sandbox/faults' })).json.rules).toHaveLength(5);

    const invalid = await asAdmin({ method: 'PUT', path: '/sandbox/faults', body: { rules: [{ status: 418, rate: 1 }] } });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });

    const rules = [{ status: 429, rate: 1, verb: 'get', path: `/api/v1/namespaces/${ns}`, retryAfterSeconds: 7 }];
    const put = await asAdmin({ method: 'PUT', path: '/sandbox/faults', body: { rules } });
    expect(put.status).toBe(200);
    expect(put.json.rules).toEqual(rules);
    const limited = await asAdmin({ path: `/api/v1/namespaces/${ns}` });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    // PUT replaced the start-time rules.
    expect((await asAdmin({ path: `/api/v1/namespaces/${ns}/configmaps` })).status).toBe(200);

    // A rule matching everything does not lock the admin out of the fault endpoint.
    expect((await asAdmin({ method: 'PUT', path: '/sandbox/faults', body: { rules: [{ status: 503, rate: 1 }] } })).status).toBe(200);
    expect((await asAdmin({ path: '/version' })).status).toBe(503);
    const cleared = await asAdmin({ method: 'DELETE', path: '/sandbox/faults' });
    expect(cleared.status).toBe(200);
    expect(cleared.json.rules).toEqual([]);
    expect((await asAdmin({ path: '/version' })).status).toBe(200);
    expect((await asAdmin({ path: `/api/v1/namespaces/${ns}` })).status).toBe(200);
    expect((await asAdmin({ path: `/api/v1/namespaces/${ns}/endpoints` })).status).toBe(200);
  });
});
