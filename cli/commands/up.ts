/**
 * `conveyor up [--demo] [--data DIR]`: the local stack in the foreground (local/up/stack.ts),
 * each service printed with its URL and health as it comes up, then where the API, the
 * credentials, local.env and the kubeconfig are; with `--demo`, the walkthrough
 * (local/demo/). It runs until SIGINT or SIGTERM, then stops every service — DynamoDB Local's
 * java included — and exits 0 (1 when the demo failed: the stack stayed up to be looked at). A
 * second signal while stopping kills java and exits at once.
 *
 * Everything here writes to process.stdout/stderr directly: while the stack runs, the global
 * `console` carries the functions' logs to their file (local/up/function-logs.ts).
 */
import { relative, resolve, sep } from 'node:path';
import { DEMO_PROFILES } from '#local/aws/api-gateway/credentials.ts';
import { LOCAL_KUBECTL_PATH } from '#local/aws/lambda/environment.ts';
import { DemoFailedError, runDemo } from '#local/demo/index.ts';
import { JavaMissingError } from '#local/up/java.ts';
import { DataDirectoryBusyError } from '#local/up/lock.ts';
import { DEFAULT_SANDBOX_PORT, type LocalStack, type ServiceStatus, startLocalStack } from '#local/up/stack.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit.ts';

export type UpOptions = { demo?: boolean; data: string };

const SANDBOX_PORT_VARIABLE = 'CONVEYOR_SANDBOX_PORT';
const MAX_PORT = 65535;
/** Exit code of a process ended by a second Ctrl-C (128 + SIGINT), as shells report it. */
const FORCED_EXIT = 130;
const NAME_WIDTH = 15;
const URL_WIDTH = 26;
const MS_PER_SECOND = 1000;

const stdout = (line = '') => process.stdout.write(`${line}\n`);
const stderr = (line: string) => process.stderr.write(`${line}\n`);

/** A path as the person typed it would be: relative to the working directory when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : path;
}

function sandboxPort(env = process.env): number {
  const text = env[SANDBOX_PORT_VARIABLE];
  if (text === undefined || text === '') return DEFAULT_SANDBOX_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new UsageError(`${SANDBOX_PORT_VARIABLE} must be a port number (0 picks a free one), got "${text}"`);
  return port;
}

const serviceLine = (status: ServiceStatus) => `  ✓ ${status.name.padEnd(NAME_WIDTH)}${status.url.padEnd(URL_WIDTH)} healthy: ${status.detail} (at ${(status.ms / MS_PER_SECOND).toFixed(1)} s)`;

/** The signals that stop the stack: the first one resolves `requested`; a second one ends the process at once. */
function stopSignals(force: () => void): { requested: Promise<string>; dispose(): void } {
  let signalled = false;
  let resolveRequested: (signal: string) => void = () => {};
  const requested = new Promise<string>((resolvePromise) => (resolveRequested = resolvePromise));
  const onSignal = (signal: string) => {
    if (signalled) return force();
    signalled = true;
    resolveRequested(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    requested,
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

function printStack(stack: LocalStack): void {
  stdout();
  stdout(`Conveyor API:   ${stack.urls.api}  (SigV4, region ${stack.region})`);
  stdout(`credentials:    ${shown(stack.credentialsFile)}  (mode 0600; profiles ${DEMO_PROFILES.join(', ')})`);
  stdout(`local.env:      ${shown(stack.localEnvFile)}  (source it: the AWS CLI, the SDK, kubectl and conveyor then use this stack)`);
  stdout(`kubeconfig:     ${shown(stack.kubeconfig)}`);
  if (stack.functionLogFile) stdout(`function logs:  ${shown(stack.functionLogFile)}`);
}

function printTryIt(stack: LocalStack): void {
  const env = shown(stack.localEnvFile);
  stdout();
  stdout('Try it in another terminal (README.md, "Everyday flows"):');
  stdout(`  source ${env}`);
  stdout('  npm run conveyor -- release list httpd');
  stdout('  npm run conveyor -- dashboard');
  stdout('  aws stepfunctions list-executions --state-machine-arn "$CONVEYOR_DEPLOYMENT_STATE_MACHINE_ARN"');
  stdout('  .tools/bin/kubectl -n httpd-development get service,pods');
}

export async function runUp(options: UpOptions): Promise<number> {
  const port = sandboxPort();
  const dataDir = resolve(options.data);
  const signals = stopSignals(() => {
    stderr('second signal: stopping at once');
    // DynamoDB Local's java goes with this process (its exit hook, local/up/dynamodb.ts); the rest lives in it.
    process.exit(FORCED_EXIT);
  });
  try {
    stdout(`conveyor up: starting the local stack, data in ${shown(dataDir)}`);
    let stack: LocalStack;
    try {
      stack = await startLocalStack({ dataDir, ports: { sandbox: port }, onService: (status) => stdout(serviceLine(status)), log: stderr });
    } catch (error) {
      return startFailure(error, port);
    }
    printStack(stack);
    const demo = options.demo ? await demoUnlessStopped(stack, signals.requested) : 'not run';
    if (demo !== 'stopped') {
      if (demo !== 'failed') printTryIt(stack);
      stdout();
      stdout('The stack runs until Ctrl-C.');
    }
    const signal = await signals.requested;
    stdout(`${signal}: stopping the local stack`);
    await stack.close();
    stdout(`stopped; the data stays in ${shown(dataDir)} for the next start`);
    return demo === 'failed' ? EXIT.failed : EXIT.done;
  } finally {
    signals.dispose();
  }
}

/**
 * Runs the demo unless a signal comes first; a signal stops the stack under it, and the demo's
 * failures are then not news. A failed demo leaves the stack up to be looked at.
 */
async function demoUnlessStopped(stack: LocalStack, stopRequested: Promise<string>): Promise<'done' | 'failed' | 'stopped'> {
  stdout();
  const demo = runDemo({
    apiUrl: stack.urls.api,
    eventsUrl: stack.urls.eventbridge,
    region: stack.region,
    accountId: stack.accountId,
    users: stack.users,
    kubeconfig: stack.kubeconfig,
    kubectlPath: LOCAL_KUBECTL_PATH,
    out: process.stdout,
  });
  const ended = await Promise.race([
    demo.then(
      () => 'done' as const,
      (error: unknown) => error,
    ),
    stopRequested.then(() => 'stopped' as const),
  ]);
  if (ended === 'done') return 'done';
  if (ended === 'stopped') {
    demo.catch(() => undefined);
    return 'stopped';
  }
  stderr(`demo failed: ${ended instanceof DemoFailedError ? ended.message : `unexpected error: ${(ended as Error).message}`}`);
  stderr(`the stack keeps running so you can look${stack.functionLogFile ? ` (function logs: ${shown(stack.functionLogFile)})` : ''}`);
  return 'failed';
}

/** What to do about a stack that did not start: install Java, free the port, stop the other stack. */
function startFailure(error: unknown, port: number): number {
  if (error instanceof JavaMissingError || error instanceof DataDirectoryBusyError) {
    stderr(`conveyor up: ${error.message}`);
    return EXIT.badInput;
  }
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    stderr(`conveyor up: ${(error as Error).message}: is another \`npm start\` or \`conveyor sandbox\` running? ${SANDBOX_PORT_VARIABLE} picks another sandbox port (now ${port})`);
    return EXIT.unavailable;
  }
  throw error;
}
