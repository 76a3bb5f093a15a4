/** `conveyor sandbox`: the flags and help of the sandbox cluster's command (run by cli/commands/sandbox.ts). */
import { Command, Option } from 'commander';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS } from '#sandbox/http/request-log.ts';

export const SANDBOX_DEFAULTS = { port: '6443', host: '127.0.0.1', kubeconfig: '.conveyor/sandbox/kubeconfig' } as const;

export function sandboxCommand(): Command {
  return new Command('sandbox')
    .summary('run the sandbox Kubernetes cluster in the foreground')
    .description('Runs a Kubernetes API server with simulated controllers, for kubectl and Conveyor, until Ctrl-C (SIGINT) or SIGTERM.')
    .option('--port <port>', 'port to listen on (0 picks a free one)', SANDBOX_DEFAULTS.port)
    .option('--host <address>', 'address to bind', SANDBOX_DEFAULTS.host)
    .option('--kubeconfig <file>', 'where to write the kubeconfig', SANDBOX_DEFAULTS.kubeconfig)
    .option('--data <dir>', 'keep state, CA and credentials in DIR across restarts (default: in memory); a write is answered only once it is fsynced there, so it survives a kill')
    .option('--faults <spec>', "inject faults, e.g. '503=0.2@create /api/v1/*;latency=50' (see local/sandbox/faults.ts)")
    .addOption(
      new Option(
        '--log-level <level>',
        'what the sandbox log records: error (5xx with stacks), warn (also failed logins, controller failures), info (also a line per request: method, path, user, status, duration), debug; to DIR/sandbox.log with --data, else stderr',
      )
        .choices(LOG_LEVELS)
        .default(DEFAULT_LOG_LEVEL),
    );
}
