/**
 * `conveyor apply`: the flags and help of the deploy engine's command. The values are checked
 * by cli/apply/args.ts (every problem a UsageError naming the flag, exit 2), which parses with
 * this same definition.
 */
import { Command } from 'commander';
import { formatBytes, MAX_INPUT_BYTES } from '#domain/render/limits.ts';
import { collect } from './shared.ts';

const DESCRIPTION =
  'Renders manifests (variables, images), checks them against the target\'s namespace, applies them with server-side apply (field manager "conveyor") and, with --wait, waits for the rollout.';

const EXIT_CODES = '\nExit codes: 0 done; 1 rollout failed or timed out; 2 bad input (nothing applied); 3 cluster or authentication error.';

export function applyCommand(): Command {
  return new Command('apply')
    .summary('render, apply and wait for Kubernetes manifests (the deploy engine)')
    .description(DESCRIPTION)
    .usage('-f FILE [-f FILE ...] --kubeconfig PATH [options]')
    .option(
      '-f, --filename <file>',
      `manifest file (YAML or JSON, multi-document, Lists; a DeployContainers spec runs the deploy-containers step), or a directory of .yaml, .yml and .json files; '-' reads stdin; repeatable. All -f input and the --variables file together may be at most ${formatBytes(MAX_INPUT_BYTES)} of UTF-8 text`,
      collect,
    )
    .option('--kubeconfig <path>', 'kubeconfig to use (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: its current context)')
    .option(
      '-n, --namespace <ns>',
      'confine every object to NS: objects naming another namespace, and cluster-scoped kinds, are rejected (default: the context\'s namespace, else "default"; objects are always confined unless --admin is given)',
    )
    .option('--admin', 'an admin target: any namespace and cluster-scoped kinds are allowed; cannot be combined with --namespace')
    .option('--default-namespace <ns>', 'with --admin: where objects that name no namespace go (default: the context\'s namespace, else "default")')
    .option('--var <name=value>', 'a variable for #{NAME}; repeatable', collect)
    .option('--sensitive-var <name=value>', 'a variable whose value is masked in all output; repeatable', collect)
    .option('--variables <file>', "variables file (YAML/JSON; '-' reads stdin): {NAME: VALUE} or a list of {name, values: [{value, sensitive, scope}]}")
    .option(
      '--image <image>',
      'set the image of every container whose image is REPO (docker.io/library/ spellings match: nginx = docker.io/nginx = docker.io/library/nginx): REPO=TAG, REPO=@sha256:..., REPO:TAG, REPO@sha256:..., or REPO=NEWREPO[:TAG][@sha256:...] to move it (e.g. to a private mirror); repeatable. An image that matches no container is an error',
      collect,
    )
    .option('--allow-unused-images', 'let an --image match no container (by default that is an error: a typo must not deploy the old image)')
    .option('--strategy <strategy>', 'deploy-containers strategy: Recreate, RollingUpdate or BlueGreen')
    .option('--environment <name>', '#{Conveyor.Environment.Name}', 'local')
    .option('--deployment-id <id>', '#{Conveyor.Deployment.Id} (default: generated)')
    .option('--force', 'take fields owned by other field managers')
    .option('--wait', 'wait until every object is ready (rollout rules per kind)')
    .option('--timeout <seconds>', "the whole command's deadline (default 300): reading, connecting, dry run, apply (every request retried on 429/5xx/resets until then) and the wait all end by it")
    .option('--dry-run', 'validate on the server, change nothing')
    .option('-o, --output <format>', 'text: progress as it happens; json: the final result', 'text')
    .addHelpText('after', EXIT_CODES);
}
