/**
 * `conveyor sandbox` as a user runs it: a foreground process that prints its
 * ready line, writes a kubeconfig kubectl can use, keeps state in --data across a restart,
 * rejects bad flags with exit code 2, and shuts down cleanly on SIGTERM and SIGINT.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubectl } from '../../support/kubectl.ts';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-cli-'));
const kubeconfig = join(dir, 'kubeconfig');
const data = join(dir, 'data');
const cacheDir = join(dir, 'cache');

type Running = { child: ChildProcess; url: string; output: () => string };

/** What `npm run conveyor -- ARGS` runs, without npm in between (npm would take the signals). */
function runConveyor(args: string[]): ChildProcess {
  return spawn(process.execPath, ['scripts/conveyor.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function startSandboxProcess(): Promise<Running> {
  const child = runConveyor(['sandbox', '--port', '0', '--kubeconfig', kubeconfig, '--data', data]);
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 30 s; output:\n${output}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /^sandbox ready at (https:\/\/\S+)$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ready:\n${output}`)));
  });
  return { child, url, output: () => output };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('conveyor sandbox', () => {
  it('serves kubectl, keeps its state in --data across a SIGTERM restart, and exits 0 on SIGINT', async () => {
    // Prepare: first run, create something through kubectl.
    const first = await startSandboxProcess();
    expect(existsSync(kubeconfig)).toBe(true);
    const created = await kubectl(['create', 'configmap', 'kept', '--from-literal=answer=42'], { kubeconfig, cacheDir });
    expect(created.code).toBe(0);
    const caBefore = readFileSync(join(data, 'ca.crt'), 'utf8');

    // Act: SIGTERM, then start again on the same data directory.
    first.child.kill('SIGTERM');
    expect(await exitOf(first.child)).toBe(0);
    expect(first.output()).toContain('SIGTERM received, shutting down');
    const second = await startSandboxProcess();

    // Assess: same CA, same object, same credentials in the rewritten kubeconfig.
    expect(readFileSync(join(data, 'ca.crt'), 'utf8')).toBe(caBefore);
    const read = await kubectl(['get', 'configmap', 'kept', '-o', 'jsonpath={.data.answer}'], { kubeconfig, cacheDir });
    expect(read).toMatchObject({ code: 0, stdout: '42' });
    second.child.kill('SIGINT');
    expect(await exitOf(second.child)).toBe(0);
  }, 90_000);

  it('rejects bad flags with exit code 2 and a message naming the flag', async () => {
    const child = runConveyor(['sandbox', '--port', 'http']);
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    expect(await exitOf(child)).toBe(2);
    expect(stderr).toContain('--port must be a number between 0 and 65535, got "http"');

    const faults = runConveyor(['sandbox', '--faults', '418=0.5']);
    let faultsErr = '';
    faults.stderr!.on('data', (c) => (faultsErr += c));
    expect(await exitOf(faults)).toBe(2);
    expect(faultsErr).toContain('invalid fault rule "418=0.5"');
  }, 60_000);
});
