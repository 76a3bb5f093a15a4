/**
 * The kubectl-script runner, with a stand-in kubectl (a shell script) in a directory of its own:
 * the script finds kubectl on its PATH and a private kubeconfig (0600, in a 0700 directory that
 * is gone afterwards), gets none of the Lambda's environment, has its output bounded at a line
 * end, and is killed with what it started when its time is up.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShellScriptRunner } from '#adapters/kubernetes/script-runner.ts';

let tools: string;
let runner: ShellScriptRunner;

/**
 * Whether a process still runs: it is listed and not a zombie (a killed process whose parent
 * has not collected it yet is dead, though still listed). Linux's /proc.
 */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

beforeAll(() => {
  tools = mkdtempSync(join(tmpdir(), 'script-runner-test-'));
  const kubectl = join(tools, 'kubectl');
  writeFileSync(kubectl, '#!/bin/sh\necho "kubectl $* with $(cat "$KUBECONFIG")"\n');
  chmodSync(kubectl, 0o755);
  runner = new ShellScriptRunner({ kubectlPath: kubectl, maxOutputBytes: 1_000 });
});

afterAll(() => {
  rmSync(tools, { recursive: true, force: true });
});

describe('ShellScriptRunner', () => {
  it('runs the script with kubectl on the PATH and a private kubeconfig, removed afterwards', async () => {
    // Prepare
    const script = 'kubectl get pods\nstat -c "%a" "$KUBECONFIG"\nstat -c "%a" "$HOME"\necho "home=$HOME"';

    // Act
    const run = await runner.run(script, 'the-config', 5_000);

    // Assess
    const lines = run.output.trim().split('\n');
    expect(run).toMatchObject({ exitCode: 0, timedOut: false, droppedBytes: 0 });
    expect(lines.slice(0, 3)).toEqual(['kubectl get pods with the-config', '600', '700']);
    expect(existsSync(lines[3]!.slice('home='.length))).toBe(false);
  });

  it('gives the script none of its own environment', async () => {
    // Prepare
    process.env.AWS_SECRET_ACCESS_KEY = 'lambda-role-secret';

    // Act
    const run = await runner.run('echo "key=${AWS_SECRET_ACCESS_KEY:-none}"; env | cut -d= -f1 | sort | tr "\\n" " "', 'c', 5_000);
    delete process.env.AWS_SECRET_ACCESS_KEY;

    // Assess
    expect(run.output).toContain('key=none');
    expect(run.output).not.toContain('lambda-role-secret');
  });

  it('reports a non-zero exit', async () => {
    const run = await runner.run('echo failing >&2; exit 3', 'c', 5_000);
    expect(run).toMatchObject({ exitCode: 3, timedOut: false, output: 'failing\n' });
  });

  it('keeps output up to its bound, ending at a line end, and counts the rest', async () => {
    // Act
    const run = await runner.run('i=0; while [ $i -lt 200 ]; do echo "line $i of the output"; i=$((i+1)); done', 'c', 5_000);

    // Assess
    expect(run.output.length).toBeLessThanOrEqual(1_000);
    expect(run.output.endsWith('of the output\n')).toBe(true);
    expect(run.output.length + run.droppedBytes).toBe(Array.from({ length: 200 }, (_, i) => `line ${i} of the output\n`).join('').length);
  });

  it('kills a script past its time, with what it started', async () => {
    // Act: the script names the process it leaves running in the background.
    const run = await runner.run('sleep 30 & echo "background=$!"; sleep 30; echo never', 'c', 200);

    // Assess: by the time the run returns, the background process is gone too.
    expect(run).toMatchObject({ timedOut: true, exitCode: null });
    expect(run.output).not.toContain('never');
    const background = Number(/^background=(\d+)$/m.exec(run.output)?.[1]);
    expect(background).toBeGreaterThan(0);
    expect(alive(background)).toBe(false);
  });
});
