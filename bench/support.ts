/**
 * Shared pieces of the benchmarks: a sandbox in its own process (so its memory and CPU are
 * its own), an HTTPS client with keep-alive, and result lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

export type ExternalSandbox = { url: string; token: string; ca: string; pid: number; kubeconfig: string; stop(): Promise<void> };

/** `data`: run with `--data` in a temporary directory (removed on stop), so writes are fsynced. */
export async function spawnSandbox(options: { data?: boolean } = {}): Promise<ExternalSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const args = ['scripts/conveyor.mjs', 'sandbox', '--port', '0', '--kubeconfig', kubeconfig, ...(options.data ? ['--data', join(dir, 'data')] : [])];
  const child: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const m = /sandbox ready at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code} before it was ready`)));
  });
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const token = config.users.find((u: any) => u.user.token).user.token as string;
  const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
  return {
    url,
    token,
    ca,
    pid: child.pid!,
    kubeconfig,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Resident set size of a process, from /proc, in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]);
  return kb / 1024;
}

export type HttpClient = { call(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>; close(): void };

export function httpClient(sandbox: ExternalSandbox, maxSockets = 8): HttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets, ca: sandbox.ca });
  const base = new URL(sandbox.url);
  return {
    call(method, path, body, contentType = 'application/json') {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: base.hostname,
            port: base.port,
            method,
            path,
            agent,
            headers: { Authorization: `Bearer ${sandbox.token}`, Accept: 'application/json', ...(payload ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({ status: res.statusCode ?? 0, body: text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text });
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

export function verdict(name: string, ok: boolean, measured: string, target: string): boolean {
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${measured} (target ${target})`);
  return ok;
}
