/**
 * The sandbox keeps what it acknowledges: a `conveyor sandbox --data` process takes 200
 * concurrent server-side applies over HTTPS and is SIGKILLed at a random moment after some
 * were answered, with others still in flight. Restarted on the same data directory, every
 * ConfigMap whose apply was answered 2xx has the content it was given (or that of a later,
 * unanswered apply, which may have reached the store before the kill). Three kill points, each
 * on the state the previous ones left, so the later rounds update objects the earlier ones made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../support/conveyor.ts';
import { rawRequest, type RawResponse } from '../../support/https.ts';

const OBJECTS = 200;
const ROUNDS = 3;
/** The kill comes right after a random number of answers in this range. */
const MIN_ANSWERS_BEFORE_KILL = 10;
const MAX_ANSWERS_BEFORE_KILL = 120;
const READY_TIMEOUT_MS = 30_000;
const NAMESPACE = 'default';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-crash-'));
const data = join(dir, 'data');
const kubeconfig = join(dir, 'kubeconfig');
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

type Sandbox = { child: ChildProcess; url: string; caPem: string; token: string; exited: Promise<NodeJS.Signals | number | null> };

async function startSandbox(): Promise<Sandbox> {
  const { KUBECONFIG: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ['scripts/conveyor.mjs', 'sandbox', '--port', '0', '--kubeconfig', kubeconfig, '--data', data], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => (children.delete(child), resolve(signal ?? code))));
  let output = '';
  child.stderr!.on('data', (c) => (output += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    child.stdout!.on('data', (c) => {
      output += c;
      const ready = /^sandbox ready at (https:\/\/\S+)$/m.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve(ready[1]!);
      }
    });
    void exited.then((how) => reject(new Error(`sandbox exited (${how}) before it was ready:\n${output}`)));
  });
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const token = config.users.find((u: any) => u.user.token).user.token as string;
  const caPem = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
  return { child, url, caPem, token, exited };
}

/** Every apply sent for one ConfigMap, in order, and whether it was answered 2xx. */
type Attempt = { round: number; data: Record<string, string>; answered?: { rv: string } };
const attempts = new Map<string, Attempt[]>();

function apply(s: Sandbox, name: string, content: Record<string, string>): Promise<RawResponse> {
  return rawRequest(s, {
    method: 'PATCH',
    path: `/api/v1/namespaces/${NAMESPACE}/configmaps/${name}?fieldManager=crash-test&force=true`,
    token: s.token,
    headers: { 'Content-Type': 'application/apply-patch+yaml' },
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NAMESPACE }, data: content },
  });
}

/** Fires all applies at once and SIGKILLs the sandbox at a random moment after some answers. */
async function applyAndKill(s: Sandbox, round: number): Promise<{ answeredAtKill: number; answered: number }> {
  const killAfter = MIN_ANSWERS_BEFORE_KILL + Math.floor(Math.random() * (MAX_ANSWERS_BEFORE_KILL - MIN_ANSWERS_BEFORE_KILL));
  let answered = 0;
  let answeredAtKill = -1;
  const kill = () => {
    answeredAtKill = answered;
    s.child.kill('SIGKILL');
  };
  const requests = Array.from({ length: OBJECTS }, async (_, i) => {
    const name = `cm-${i}`;
    const attempt: Attempt = { round, data: { round: String(round), index: String(i), nonce: Math.random().toString(36).slice(2) } };
    attempts.set(name, [...(attempts.get(name) ?? []), attempt]);
    try {
      const res = await apply(s, name, attempt.data);
      if (res.status !== 200 && res.status !== 201) throw new Error(`apply ${name}: ${res.status} ${res.text}`);
      attempt.answered = { rv: res.json.metadata.resourceVersion };
      // At once: a timer could fire after every request was answered on a busy machine.
      if (++answered === killAfter) kill();
    } catch (error) {
      // The kill resets the connections of unanswered requests; anything else is a failure.
      if (!['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  });
  await Promise.all(requests);
  expect(await s.exited, `round ${round}: killed after ${killAfter} answers`).toBe('SIGKILL');
  return { answeredAtKill, answered };
}

/** What each ConfigMap may hold now: the last answered apply's content, or a later one's. */
function allowed(history: Attempt[]): { mustExist: boolean; contents: Record<string, string>[]; exactRv?: string } {
  const lastAnswered = history.findLastIndex((a) => a.answered);
  const candidates = history.slice(Math.max(lastAnswered, 0));
  const onlyTheAnswered = lastAnswered >= 0 && lastAnswered === history.length - 1;
  return { mustExist: lastAnswered >= 0, contents: candidates.map((a) => a.data), exactRv: onlyTheAnswered ? history[lastAnswered]!.answered!.rv : undefined };
}

async function checkEverythingAnswered(s: Sandbox, after: string): Promise<number> {
  const list = await rawRequest(s, { path: `/api/v1/namespaces/${NAMESPACE}/configmaps`, token: s.token });
  expect(list.status).toBe(200);
  const stored = new Map<string, any>(list.json.items.map((o: any) => [o.metadata.name, o]));
  let checked = 0;
  for (const [name, history] of attempts) {
    const { mustExist, contents, exactRv } = allowed(history);
    const object = stored.get(name);
    if (mustExist) expect(object, `${name} was answered 2xx (${after})`).toBeDefined();
    if (!object) continue;
    expect(contents, `${name}: content ${JSON.stringify(object.data)} (${after})`).toContainEqual(object.data);
    if (exactRv) expect(object.metadata.resourceVersion, `${name}: resourceVersion (${after})`).toBe(exactRv);
    checked++;
  }
  return checked;
}

describe('a sandbox killed while answering writes', () => {
  it('keeps every write it answered 2xx, at three random kill points', async () => {
    let sandbox = await startSandbox();
    let unanswered = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      // Act: a burst of applies, then SIGKILL while some are still in flight.
      const { answeredAtKill, answered } = await applyAndKill(sandbox, round);
      sandbox = await startSandbox();

      // Assess: the kill came with requests in flight, and nothing answered was lost.
      expect(answeredAtKill, `round ${round}: answers when killed`).toBeGreaterThanOrEqual(MIN_ANSWERS_BEFORE_KILL);
      expect(answeredAtKill, `round ${round}: killed before the last answer`).toBeLessThan(OBJECTS);
      unanswered += OBJECTS - answered;
      const checked = await checkEverythingAnswered(sandbox, `after kill ${round}`);
      expect(checked).toBeGreaterThanOrEqual(answered);
    }
    // The kills caught requests in flight (else the test proved nothing).
    expect(unanswered, 'applies left unanswered by the kills').toBeGreaterThan(0);
    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exited).toBe(0);
  }, 60_000);
});
