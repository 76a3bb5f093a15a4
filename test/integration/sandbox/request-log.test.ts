/**
 * The sandbox's request log, as `conveyor sandbox --data DIR --log-level info` writes it to
 * DIR/sandbox.log: a line per request with method, path, user, status and duration, and
 * never a token, an Authorization header or a request body.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_FILE_NAME } from '#sandbox/http/request-log.ts';
import { startTestSandbox, type TestSandbox, writeUserKubeconfig } from '../../support/sandbox.ts';

/** A token no one issued: the sandbox must refuse it and must not write it anywhere. */
const KNOWN_TOKEN = 'known-test-token-4b1d9e0c7a';
/** A value sent in a request body only. */
const BODY_SECRET = 'body-secret-5f2a77';

const dirs: string[] = [];
const sandboxes: TestSandbox[] = [];

afterAll(async () => {
  for (const s of sandboxes) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function sandboxWithData(logLevel?: 'info'): Promise<{ t: TestSandbox; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-request-log-'));
  dirs.push(dataDir);
  const t = await startTestSandbox({ dataDir, ...(logLevel ? { logLevel } : {}) });
  sandboxes.push(t);
  return { t, dataDir };
}

describe('the request log', () => {
  it('at info, writes a line per request with method, path, user, status and duration, and no secret', async () => {
    // Prepare
    const { t, dataDir } = await sandboxWithData('info');
    const stranger = writeUserKubeconfig(t, 'stranger', { token: KNOWN_TOKEN });
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\nstringData:\n  password: ${BODY_SECRET}\n`;

    // Act
    await t.kubectl(['get', 'configmaps', '-n', 'default']);
    await t.kubectl(['apply', '-f', '-'], { input: secret });
    await t.kubectl(['get', 'pods', '-n', 'default', '--as', 'jane'], { allowFailure: true });
    const refused = await t.kubectl(['get', 'pods'], { kubeconfig: stranger, allowFailure: true });
    t.sandbox.faults.set([{ status: 500, rate: 1, verb: 'list', path: '/api/v1/namespaces/default/services' }]);
    await t.kubectl(['get', 'services', '-n', 'default'], { allowFailure: true });
    await t.close();
    const log = readFileSync(join(dataDir, LOG_FILE_NAME), 'utf8');

    // Assess
    expect(refused.code).not.toBe(0);
    expect(log).toMatch(/^\S+Z INFO request method=GET path=\/api\/v1\/namespaces\/default\/configmaps user=sandbox-admin status=200 durationMs=[\d.]+$/m);
    expect(log).toMatch(/^\S+Z INFO request method=POST path=\/api\/v1\/namespaces\/default\/secrets user=sandbox-admin status=201 durationMs=[\d.]+$/m);
    expect(log).toMatch(/^\S+Z INFO request method=GET path=\/api\/v1\/namespaces\/default\/pods user=sandbox-admin as=jane status=403 durationMs=[\d.]+$/m);
    expect(log).toMatch(/^\S+Z INFO request method=GET path=\/api\/v1\/namespaces\/default\/pods user=- status=401 durationMs=[\d.]+$/m);
    // Faults are injected before authentication, so the user is not known yet.
    expect(log).toMatch(/^\S+Z WARN injected fault: injected fault method=GET path=\/api\/v1\/namespaces\/default\/services user=- status=500$/m);
    expect(log).not.toContain('ERROR');
    expect(log).not.toContain(KNOWN_TOKEN);
    expect(log).not.toContain(t.sandbox.credentials.adminToken);
    expect(log).not.toContain(BODY_SECRET);
    expect(log).not.toMatch(/Authorization:|Bearer \S/);
  });

  it('at the default level, writes no request lines', async () => {
    // Prepare
    const { t, dataDir } = await sandboxWithData();

    // Act
    await t.kubectl(['get', 'configmaps', '-n', 'default']);
    await t.close();

    // Assess
    const file = join(dataDir, LOG_FILE_NAME);
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '').not.toContain('INFO request');
  });
});
