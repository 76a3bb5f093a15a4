/**
 * Runs the `conveyor` CLI as a process, the way `npm run conveyor -- ARGS` does but without
 * npm in between (npm would take the signals), with KUBECONFIG unset so only the flags count.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export type ConveyorRun = { code: number | null; stdout: string; stderr: string; ms: number };

/**
 * `stdin`: text for the process's standard input; `stdinFile`: a file (or device) streamed to it;
 * `env`: the whole environment instead of this process's (KUBECONFIG still left out); `cwd`: where
 * it runs (the project root by default).
 */
export type ConveyorInput = { stdin?: string; stdinFile?: string; env?: NodeJS.ProcessEnv; cwd?: string };

export function runConveyor(args: string[], input: ConveyorInput = {}): Promise<ConveyorRun> {
  const started = performance.now();
  const { KUBECONFIG: _ignored, ...env } = input.env ?? process.env;
  const piped = input.stdin !== undefined || input.stdinFile !== undefined;
  const script = join(PROJECT_ROOT, 'scripts', 'conveyor.mjs');
  const child = spawn(process.execPath, [script, ...args], { cwd: input.cwd ?? PROJECT_ROOT, env, stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (input.stdin !== undefined) child.stdin!.end(input.stdin);
  else if (input.stdinFile !== undefined) {
    const source = createReadStream(input.stdinFile);
    // The CLI stops reading at its input limit and exits: an endless source must not fail the run.
    child.stdin!.on('error', () => source.destroy());
    source.on('error', () => child.stdin!.destroy());
    source.pipe(child.stdin!);
    child.once('close', () => source.destroy());
  }
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}
