/**
 * `--timeout` bounds the whole command, not only the wait: against a cluster that never
 * answers (a TCP listener that never speaks TLS, and a TLS server that never answers HTTP),
 * `conveyor apply` ends within the timeout plus 2 s with exit 3, naming the deadline; a
 * rollout that does not finish ends the same way with exit 1.
 */
import { writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreatePki } from '#sandbox/auth/pki.ts';
import { runConveyor, type ConveyorRun } from '../../support/conveyor.ts';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
const TIMEOUT_SECONDS = 3;
/** What the issue allows past --timeout, plus the process's own start (node, bundle load). */
const ALLOWED_MS = (TIMEOUT_SECONDS + 2) * 1000 + 1000;

let t: TestSandbox;
const servers: Server[] = [];
const sockets = new Set<Socket>();

const shown = (run: ConveyorRun) => `exit ${run.code} after ${Math.round(run.ms)} ms\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/** Listens, accepts, and never says a word. */
async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function kubeconfigFor(name: string, port: number, caPem?: string): string {
  const file = join(t.dir, `kubeconfig-${name}`);
  const cluster = caPem ? { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } : { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true };
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    clusters: [{ name, cluster }],
    users: [{ name, user: { token: 'silent-cluster-token-0000' } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'team-a' } }],
  };
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await t?.close();
});

describe('conveyor apply --timeout', () => {
  it.each([
    { name: 'a TCP listener that never starts TLS', start: async () => kubeconfigFor('tcp', await listen(createTcpServer())) },
    {
      name: 'a TLS server that never answers a request',
      start: async () => {
        const pki = loadOrCreatePki();
        return kubeconfigFor('tls', await listen(createTlsServer({ key: pki.server.keyPem, cert: pki.server.certPem })), pki.ca.certPem);
      },
    },
  ])('ends within the timeout plus 2 s with exit 3 against $name', async (c) => {
    // Prepare
    const kubeconfig = await c.start();

    // Act
    const run = await runConveyor(['apply', '-f', fixture('settings.yaml'), '--kubeconfig', kubeconfig, '--namespace', 'team-a', '--wait', '--timeout', String(TIMEOUT_SECONDS)]);

    // Assess
    expect(run.code, shown(run)).toBe(3);
    expect(run.stderr, shown(run)).toContain(`the deadline of ${TIMEOUT_SECONDS} s`);
    expect(run.stderr, shown(run)).not.toContain('unexpected error');
    expect(run.stderr).not.toContain('silent-cluster-token-0000');
    expect(run.ms, shown(run)).toBeLessThan(ALLOWED_MS);
  });

  it('ends within the timeout plus 2 s with exit 1 when the rollout does not finish', async () => {
    // Act
    const run = await runConveyor(['apply', '-f', fixture('rollout-slow.yaml'), '--kubeconfig', t.kubeconfigPath, '--namespace', 'deadline-slow', '--wait', '--timeout', String(TIMEOUT_SECONDS)]);

    // Assess
    expect(run.code, shown(run)).toBe(1);
    expect(run.stdout, shown(run)).toContain(`timeout: Deployment/slow: Timeout: step timed out after ${TIMEOUT_SECONDS}s`);
    expect(run.ms, shown(run)).toBeLessThan(ALLOWED_MS);
  });
});
