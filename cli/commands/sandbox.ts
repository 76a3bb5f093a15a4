/**
 * `conveyor sandbox`: runs the sandbox cluster in the foreground until SIGINT/SIGTERM. Its
 * flags are declared in cli/tree/sandbox.ts; this module loads the sandbox and nothing of the
 * deploy engine or the AWS SDK.
 */
import { resolve } from 'node:path';
import { FaultSpecError, parseFaultSpec } from '#sandbox/faults.ts';
import { DEFAULT_LOG_LEVEL, isLogLevel, LOG_LEVELS } from '#sandbox/http/request-log.ts';
import { startSandbox } from '#sandbox/sandbox.ts';
import { UsageError } from '../errors.ts';

export type SandboxOptions = { port: string; host: string; kubeconfig: string; data?: string; faults?: string; logLevel?: string };

const MAX_PORT = 65535;

export async function runSandbox(options: SandboxOptions): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new UsageError(`--port must be a number between 0 and ${MAX_PORT}, got "${options.port}"`);
  let faults;
  try {
    faults = options.faults ? parseFaultSpec(options.faults) : [];
  } catch (error) {
    if (error instanceof FaultSpecError) throw new UsageError(`--faults: ${error.message}`);
    throw error;
  }

  const logLevel = options.logLevel ?? DEFAULT_LOG_LEVEL;
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const kubeconfigPath = resolve(options.kubeconfig);
  const sandbox = await startSandbox({ port, host: options.host, dataDir: options.data ? resolve(options.data) : undefined, faults, kubeconfigPath, logLevel });
  console.log(`sandbox ready at ${sandbox.url}`);
  console.error(`kubeconfig written to ${kubeconfigPath}; try: KUBECONFIG=${kubeconfigPath} kubectl get namespaces`);

  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      console.error(`${signal} received, shutting down`);
      sandbox.close().then(done, (error) => {
        console.error(`shutdown failed: ${(error as Error).message}`);
        done();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
