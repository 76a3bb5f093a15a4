/**
 * Client failures become domain errors: statuses, Status causes, network and TLS codes, and
 * nothing secret from bodies or headers in any message.
 */

import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type ErrorContext, KindNotServedError, redact, TlsVerificationError, toDomainError } from '#adapters/kubernetes/errors.ts';
import { ClusterAccessError, ClusterUnavailableError, FieldConflictError, ObjectRejectedError } from '#domain/errors.ts';

const TOKEN = 'sekret-token-value-123456';
const ctx: ErrorContext = { target: 'prod-eu', accountKind: 'eks', url: 'https://k8s.example:6443', secrets: [TOKEN] };
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'api' };
const apply = { verb: 'apply', ref };

function apiException(code: number, body: object | string, headers: Record<string, string> = {}) {
  return new ApiException(code, 'Unsuccessful HTTP Request', typeof body === 'string' ? body : JSON.stringify(body), { 'www-authenticate': `Bearer ${TOKEN}`, ...headers });
}

function status(code: number, reason: string, message: string, causes?: object[]) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...(causes ? { details: { causes } } : {}) };
}

/** A fetch failure as undici reports it: TypeError('fetch failed') with the socket error as cause. */
function fetchFailure(code: string, message = code) {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });
}

describe('toDomainError', () => {
  it.each([
    ['401', apiException(401, status(401, 'Unauthorized', 'Unauthorized')), ClusterAccessError, 'target "prod-eu": the cluster rejected the credentials of the eks account (401 Unauthorized)'],
    [
      '403',
      apiException(403, status(403, 'Forbidden', 'deployments.apps "api" is forbidden: User "conveyor" cannot patch resource "deployments" in API group "apps" in the namespace "web"')),
      ClusterAccessError,
      'target "prod-eu": the eks account is not allowed to apply Deployment web/api: deployments.apps "api" is forbidden: User "conveyor" cannot patch resource "deployments" in API group "apps" in the namespace "web"',
    ],
    [
      '422',
      apiException(422, status(422, 'Invalid', 'Deployment.apps "api" is invalid: spec.replicas: Invalid value: -1')),
      ObjectRejectedError,
      'target "prod-eu": apply Deployment web/api was rejected (422 Unprocessable Entity): Deployment.apps "api" is invalid: spec.replicas: Invalid value: -1',
    ],
    ['400', apiException(400, status(400, 'BadRequest', 'unknown field "spec.replicaz"')), ObjectRejectedError, 'unknown field "spec.replicaz"'],
    ['404 kind', new KindNotServedError('example.com/v1', 'Gadget'), ObjectRejectedError, 'target "prod-eu": no matches for kind "Gadget" in version "example.com/v1"'],
    ['503', apiException(503, status(503, 'ServiceUnavailable', 'etcd is down')), ClusterUnavailableError, 'the API server answered 503 ServiceUnavailable: etcd is down'],
    ['500 text body', apiException(500, '<html>oops</html>'), ClusterUnavailableError, 'answered 500'],
    ['ECONNREFUSED', fetchFailure('ECONNREFUSED'), ClusterUnavailableError, 'cannot reach https://k8s.example:6443 (ECONNREFUSED)'],
    ['ECONNRESET', fetchFailure('ECONNRESET'), ClusterUnavailableError, '(ECONNRESET)'],
    ['ETIMEDOUT', fetchFailure('ETIMEDOUT'), ClusterUnavailableError, '(ETIMEDOUT)'],
    ['socket hang up', new Error('socket hang up'), ClusterUnavailableError, 'cannot reach'],
    ['undici socket', fetchFailure('UND_ERR_SOCKET', 'other side closed'), ClusterUnavailableError, '(UND_ERR_SOCKET)'],
    ['timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), ClusterUnavailableError, 'apply Deployment web/api timed out'],
    ['watch 500', Object.assign(new Error('Internal Server Error'), { statusCode: 500 }), ClusterUnavailableError, 'answered 500'],
    ['self-signed', fetchFailure('SELF_SIGNED_CERT_IN_CHAIN'), TlsVerificationError, 'TLS verification failed for https://k8s.example:6443 (SELF_SIGNED_CERT_IN_CHAIN)'],
    ['wrong host', fetchFailure('ERR_TLS_CERT_ALTNAME_INVALID'), TlsVerificationError, 'TLS verification failed'],
  ])('%s', (_name, error, type, message) => {
    const mapped = toDomainError(error, ctx, apply);

    expect(mapped).toBeInstanceOf(type);
    expect(mapped.message).toContain(message);
    expect(mapped.message).not.toContain(TOKEN);
    expect(String((mapped.cause as Error | undefined)?.message ?? '')).not.toContain(TOKEN);
  });

  it('parses field managers from the 409 causes', () => {
    const body = status(409, 'Conflict', 'Apply failed with 2 conflicts', [
      { reason: 'FieldManagerConflict', field: '.spec.replicas', message: 'conflict with "kubectl-client-side-apply" using apps/v1' },
      { type: 'FieldManagerConflict', field: '.spec.template.spec.containers[name="web"].image', message: 'conflict with "helm" using apps/v1' },
    ]);

    const mapped = toDomainError(apiException(409, body), ctx, apply) as FieldConflictError;

    expect(mapped).toBeInstanceOf(FieldConflictError);
    expect(mapped.ref).toEqual(ref);
    expect(mapped.conflicts).toEqual([
      { field: '.spec.replicas', manager: 'kubectl-client-side-apply' },
      { field: '.spec.template.spec.containers[name="web"].image', manager: 'helm' },
    ]);
    expect(mapped.message).toContain('.spec.replicas (managed by "kubectl-client-side-apply")');
  });

  it('keeps Retry-After of 429 and 503', () => {
    const mapped = toDomainError(apiException(429, status(429, 'TooManyRequests', 'slow down'), { 'retry-after': '7' }), ctx, apply) as ClusterUnavailableError;

    expect(mapped).toBeInstanceOf(ClusterUnavailableError);
    expect(mapped.retryAfterSeconds).toBe(7);
  });

  it('redacts known secrets and credential-shaped strings from server messages', () => {
    const message = `denied: token ${TOKEN}, header Bearer abc.def, eks k8s-aws-v1.aHR0cHM6Ly9zdHM, jwt eyJhbGciOi.eyJzdWIiOiJ4.c2ln`;

    const mapped = toDomainError(apiException(403, status(403, 'Forbidden', message)), ctx, apply);

    expect(mapped.message).not.toMatch(/sekret|abc\.def|aHR0cHM6|eyJhbGci/);
    expect(mapped.message).toContain('denied: token ***');
  });

  it('passes domain errors through unchanged', () => {
    const original = new ClusterUnavailableError('already mapped');
    expect(toDomainError(original, ctx, apply)).toBe(original);
  });
});

describe('redact', () => {
  it('ignores secrets too short to search for', () => {
    expect(redact('a b c', ['a'])).toBe('a b c');
  });
});
