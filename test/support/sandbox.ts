/**
 * Starts an in-process sandbox for one test file, with a kubeconfig on disk and a private
 * kubectl cache directory, and removes both afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultRule } from '#sandbox/faults.ts';
import { type SandboxHandle, type SandboxOptions, startSandbox } from '#sandbox/sandbox.ts';
import { type KubectlResult, kubectl } from './kubectl.ts';

export type TestSandbox = {
  sandbox: SandboxHandle;
  dir: string;
  kubeconfigPath: string;
  /** kubectl as the admin (or another context), failing the test on a non-zero exit unless `allowFailure`. */
  kubectl(args: string[], options?: { input?: string; context?: string; allowFailure?: boolean; kubeconfig?: string }): Promise<KubectlResult>;
  /** `kubectl get ARGS -o json`, parsed. */
  getJson(args: string[]): Promise<any>;
  close(): Promise<void>;
};

export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-sandbox-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ port: 0, kubeconfigPath, ...options });
  const cacheDir = join(dir, 'kube-cache');
  const t: TestSandbox = {
    sandbox,
    dir,
    kubeconfigPath,
    async kubectl(args, o = {}) {
      const result = await kubectl(args, { kubeconfig: o.kubeconfig ?? kubeconfigPath, cacheDir, input: o.input, context: o.context });
      if (result.code !== 0 && !o.allowFailure) {
        throw new Error(`kubectl ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
      }
      return result;
    },
    async getJson(args) {
      return JSON.parse((await t.kubectl(['get', ...args, '-o', 'json'])).stdout);
    },
    async close() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Writes a kubeconfig for one user (token, or basic) of the sandbox's cluster. */
export function writeUserKubeconfig(t: TestSandbox, name: string, user: Record<string, string>, namespace = 'default'): string {
  const file = join(t.dir, `kubeconfig-${name}`);
  const ca = Buffer.from(t.sandbox.caPem).toString('base64');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      clusters: [{ name: 'sandbox', cluster: { server: t.sandbox.url, 'certificate-authority-data': ca } }],
      users: [{ name, user }],
      contexts: [{ name, context: { cluster: 'sandbox', user: name, namespace } }],
    }),
    { mode: 0o600 },
  );
  return file;
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Fault rules that make `rate` of every request fail, split evenly between 500, 503 (with
 * Retry-After), 429 (with Retry-After) and a dropped connection. The sandbox rolls each rule
 * in turn, so each gets 1 - (1 - rate)^(1/4) for the total to be `rate`.
 */
export function faultMix(rate: number): FaultRule[] {
  const each = 1 - (1 - rate) ** (1 / 4);
  return [
    { status: 500, rate: each },
    { status: 503, rate: each },
    { status: 429, rate: each },
    { drop: true, rate: each },
  ];
}
