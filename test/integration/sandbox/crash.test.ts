/**
 * The sandbox keeps what it acknowledges: a `conveyor sandbox --data` process takes 200
 * server-side applies over HTTPS, IN_FLIGHT of them at any time, and is SIGKILLed once a set
 * number were answered, at the first moment its write-ahead log (state.log) holds an apply that
 * has not been answered yet: the kill lands between a write and its acknowledgement, with more
 * applies in flight. Restarted on the same data directory, every ConfigMap whose apply was answered 2xx
 * has the content it was given (or that of a later, unanswered apply, which may have reached the
 * store before the kill), and no half-written record shows. Three kill points, each on the state
 * the previous ones left, so the later rounds update objects the earlier ones made.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type FSWatcher, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LOG_FILE } from '#sandbox/persistence.ts';
import { decodeLog } from '#sandbox/wal.ts';
import { PROJECT_ROOT } from '../../support/conveyor.ts';
import { type RawResponse, rawRequest } from '../../support/https.ts';

const OBJECTS = 200;
/** Answers before each round's kill (one round per entry): early, middle and late in the burst. */
const ANSWERS_BEFORE_KILL = [10, 60, 120];
/**
 * Applies in flight at any time: each answer sends the next, so the server always has work
 * that is not written yet when the kill comes (all 200 at once, a busy client lags so far
 * behind the server that everything may be written and answered before it counts 120 answers).
 */
const IN_FLIGHT = 32;
const READY_TIMEOUT_MS = 30_000;
const NAMESPACE = 'default';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-crash-'));
const data = join(dir, 'data');
const logPath = join(data, LOG_FILE);
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
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(signal ?? code);
    }),
  );
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

/**
 * The ConfigMaps whose apply of `round` the log on disk holds while the test has no answer for
 * it: writes in progress (logged, not yet acknowledged). Undefined while a record is being
 * written and cannot be read yet.
 */
function loggedButUnanswered(round: number, answered: Set<string>): string[] | undefined {
  let records;
  try {
    records = decodeLog(readFileSync(logPath), logPath).records;
  } catch {
    return undefined;
  }
  return records.flatMap(({ record }) =>
    'object' in record && record.resource === '/configmaps' && record.object.data?.round === String(round) && !answered.has(record.object.data.nonce!) ? [record.object.metadata.name!] : [],
  );
}

/**
 * Fires all applies at once; after `ANSWERS_BEFORE_KILL[round - 1]` answers, SIGKILLs the
 * sandbox as soon as its log holds an apply that is not answered yet (looked at on every change
 * of the log file and every answer).
 */
async function applyAndKill(s: Sandbox, round: number): Promise<{ answeredAtKill: number; inFlightAtKill: number; caughtInLog: string[] }> {
  const killAfter = ANSWERS_BEFORE_KILL[round - 1]!;
  const answeredNonces = new Set<string>();
  let sent = 0;
  let answered = 0;
  let answeredAtKill = -1;
  let inFlightAtKill = 0;
  let caughtInLog: string[] = [];
  let watcher: FSWatcher | undefined;
  const killIfMidWrite = () => {
    if (answeredAtKill >= 0 || answered < killAfter) return;
    const inFlight = loggedButUnanswered(round, answeredNonces);
    if (!inFlight?.length) return;
    answeredAtKill = answered;
    inFlightAtKill = sent - answered;
    caughtInLog = inFlight;
    s.child.kill('SIGKILL');
  };
  const sendOne = async (i: number) => {
    const name = `cm-${i}`;
    const attempt: Attempt = { round, data: { round: String(round), index: String(i), nonce: `${round}-${i}` } };
    attempts.set(name, [...(attempts.get(name) ?? []), attempt]);
    sent++;
    try {
      const res = await apply(s, name, attempt.data);
      if (res.status !== 200 && res.status !== 201) throw new Error(`apply ${name}: ${res.status} ${res.text}`);
      attempt.answered = { rv: res.json.metadata.resourceVersion };
      answeredNonces.add(attempt.data.nonce!);
      if (++answered === killAfter) watcher = watch(logPath, killIfMidWrite);
      killIfMidWrite();
    } catch (error) {
      // The kill resets the connections of unanswered requests; anything else is a failure.
      if (!['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  };
  let next = 0;
  const lanes = Array.from({ length: IN_FLIGHT }, async () => {
    while (next < OBJECTS && answeredAtKill < 0) await sendOne(next++);
  });
  await Promise.all(lanes);
  watcher?.close();
  if (answeredAtKill < 0) {
    s.child.kill('SIGKILL');
    throw new Error(`round ${round}: every apply was answered before the log showed one in progress; a kill now would prove nothing`);
  }
  expect(await s.exited, `round ${round}: killed after ${answeredAtKill} answers`).toBe('SIGKILL');
  return { answeredAtKill, inFlightAtKill, caughtInLog };
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
  it('keeps every write it answered 2xx, killed between a logged write and its answer at three points', async () => {
    let sandbox = await startSandbox();
    for (let round = 1; round <= ANSWERS_BEFORE_KILL.length; round++) {
      // Act: a burst of applies, then SIGKILL while the log holds some not yet answered.
      const { answeredAtKill, inFlightAtKill, caughtInLog } = await applyAndKill(sandbox, round);
      sandbox = await startSandbox();

      // Assess: the kill landed mid-write (else the round proved nothing) with more requests in
      // flight, and nothing answered was lost or shows half-written (the restart read the log).
      expect(answeredAtKill, `round ${round}: answers when killed`).toBeGreaterThanOrEqual(ANSWERS_BEFORE_KILL[round - 1]!);
      expect(caughtInLog.length, `round ${round}: applies logged but unanswered at the kill`).toBeGreaterThan(0);
      // Every lane had one in flight, but the one whose answer set off the kill, if one did.
      expect(inFlightAtKill, `round ${round}: applies sent and unanswered at the kill`).toBeGreaterThanOrEqual(IN_FLIGHT - 1);
      const checked = await checkEverythingAnswered(sandbox, `after kill ${round}`);
      expect(checked).toBeGreaterThanOrEqual(answeredAtKill);
    }
    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exited).toBe(0);
  }, 60_000);
});
