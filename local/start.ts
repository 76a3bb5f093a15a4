/**
 * `npm start`: the embedded default. Today the pipeline's foundation runs here: the sandbox
 * cluster, and a demo release rolled out by the deploy engine, until Ctrl-C.
 */
import { resolve } from 'node:path';
import { startSandbox } from '#sandbox/sandbox.ts';
import { Reporter } from '#cli/apply/reporter.ts';
import { runDemo } from './demo.ts';

const DEFAULT_PORT = 6443;
const KUBECONFIG = resolve('.conveyor/sandbox/kubeconfig');

async function main(): Promise<void> {
  const port = Number(process.env.CONVEYOR_SANDBOX_PORT ?? DEFAULT_PORT);
  const sandbox = await startSandbox({ port, kubeconfigPath: KUBECONFIG, dataDir: resolve('.conveyor/sandbox/data') });
  console.log(`sandbox ready at ${sandbox.url}`);
  console.log(`kubeconfig: ${KUBECONFIG}`);
  const reporter = new Reporter(process.stdout, 'text');
  await runDemo(sandbox, (event) => reporter.event(event), (line) => console.log(line));
  console.log(`\nTry it:\n  export KUBECONFIG=${KUBECONFIG}\n  .tools/bin/kubectl get deployments,pods -n conveyor-demo\n  .tools/bin/kubectl auth can-i --list -n conveyor-demo --as=system:serviceaccount:conveyor-demo:deployer\n\nCtrl-C stops the sandbox; its state is kept in .conveyor/sandbox/data.`);
  const stop = () => {
    console.log('\nshutting down');
    sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(`conveyor: ${(error as Error).message}`);
  process.exit(1);
});
