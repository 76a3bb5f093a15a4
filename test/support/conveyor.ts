/**
 * Runs the `conveyor` CLI as a process, the way `npm run conveyor -- ARGS` does but without
 * npm in between (npm would take the signals), with KUBECONFIG unset so only the flags count.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export type ConveyorRun = { code: number | null; stdout: string; stderr: string; ms: number };

export function runConveyor(args: string[]): Promise<ConveyorRun> {
  const started = performance.now();
  const { KUBECONFIG: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ['scripts/conveyor.mjs', ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}
