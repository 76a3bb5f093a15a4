/**
 * `conveyor sandbox`: runs the sandbox cluster in the foreground until SIGINT/SIGTERM.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox } from '#sandbox/sandbox.ts';
import { parseFaultSpec, FaultSpecError } from '#sandbox/faults.ts';
import { UsageError } from '../errors.ts';

const HELP = `usage: conveyor sandbox [--port 6443] [--host 127.0.0.1] [--kubeconfig FILE] [--data DIR] [--faults SPEC]

Runs a Kubernetes API server with simulated controllers, for kubectl and Conveyor.
  --port        port to listen on (default 6443; 0 picks a free one)
  --host        address to bind (default 127.0.0.1)
  --kubeconfig  where to write the kubeconfig (default: .conveyor/sandbox/kubeconfig)
  --data        keep state, CA and credentials in DIR across restarts (default: in memory);
                a write is answered only once it is fsynced there, so it survives a kill
  --faults      inject faults, e.g. '503=0.2@create /api/v1/*;latency=50' (see local/sandbox/faults.ts)`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '6443' },
        host: { type: 'string', default: '127.0.0.1' },
        kubeconfig: { type: 'string', default: '.conveyor/sandbox/kubeconfig' },
        data: { type: 'string' },
        faults: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${HELP}`);
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number between 0 and 65535, got "${values.port}"`);
  let faults;
  try {
    faults = values.faults ? parseFaultSpec(values.faults) : [];
  } catch (error) {
    if (error instanceof FaultSpecError) throw new UsageError(`--faults: ${error.message}`);
    throw error;
  }

  const kubeconfigPath = resolve(values.kubeconfig!);
  const sandbox = await startSandbox({ port, host: values.host, dataDir: values.data ? resolve(values.data) : undefined, faults, kubeconfigPath });
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

