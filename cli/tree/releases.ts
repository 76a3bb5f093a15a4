/**
 * The release flow's commands: `conveyor release`, `deploy`, `deployment`, `approve`,
 * `reject`, `approvals`, `audit`, `dashboard`, and `image push` for the local stack.
 * Definitions only (see shared.ts); the work is in cli/commands/.
 */
import { type Command, Option } from 'commander';
import { action, apiAction, apiCommand, collect, type Outcome, outputOption } from './shared.ts';

const RELEASES = 'Releases and deployments:';
const REVIEW = 'Review:';
const RELEASE_ARGUMENT = '<release>';
const RELEASE_HELP = '\nA release is written PROJECT@VERSION: web@1.4.2.';
/** An approval can wait for a person; an hour is `--wait`'s patience unless told otherwise. */
export const DEFAULT_WAIT_SECONDS = 3600;
const WAIT_HELP = 'follow it to its end, showing steps × targets, object status, the approval it waits for; exit 0 Succeeded, 1 Failed/Cancelled/timed out, 3 Errored';

const waitOptions = (command: Command) => command.option('--wait', WAIT_HELP).option('--timeout <seconds>', `with --wait: how long to follow it (default ${DEFAULT_WAIT_SECONDS})`);

export function addReleaseCommands(program: Command, outcome: Outcome): void {
  const releases = () => import('../commands/releases.ts');
  const release = program.command('release').helpGroup(RELEASES).description('releases: a version of a project with its images, process and variables as they were');
  apiCommand(release, 'create <project>', 'create a release: the images given, else the latest each channel accepts (ReleaseManager)')
    .requiredOption('--version <version>', 'the release version (1.4.2)')
    .option('--channel <name>', "the channel (default: the project's default channel)")
    .option('--image <repo=ref>', 'an image version: repository=tag, digest or tag@digest; repeatable', collect)
    .option('--notes <text>', 'release notes')
    .action(apiAction(outcome, releases, (m) => m.create));
  apiCommand(release, 'list <project>', "a project's releases, newest first")
    .option('--limit <n>', 'at most this many (1-100)')
    .option('--cursor <cursor>', 'the next page, as a previous answer gave it')
    .action(apiAction(outcome, releases, (m) => m.list));
  apiCommand(release, `show ${RELEASE_ARGUMENT}`, 'a release: its images, deployments and lifecycle progress')
    .addHelpText('after', RELEASE_HELP)
    .action(apiAction(outcome, releases, (m) => m.show));

  const deployments = () => import('../commands/deployments.ts');
  waitOptions(
    apiCommand(program, `deploy ${RELEASE_ARGUMENT}`, 'deploy a release to an environment its lifecycle has opened').helpGroup(RELEASES).requiredOption('--to <environment>', 'the environment'),
  )
    .addHelpText('after', RELEASE_HELP)
    .action(apiAction(outcome, deployments, (m) => m.deploy));
  const deployment = program.command('deployment').helpGroup(RELEASES).description('deployments: one release to one environment');
  waitOptions(apiCommand(deployment, 'show <id>', 'a deployment: steps × targets, task log, approvals')).action(apiAction(outcome, deployments, (m) => m.show));
  apiCommand(deployment, 'list <project> <environment>', "a project's deployments to an environment, newest first")
    .option('--limit <n>', 'at most this many (1-100)')
    .option('--cursor <cursor>', 'the next page')
    .action(apiAction(outcome, deployments, (m) => m.list));
  apiCommand(deployment, 'cancel <id>', 'cancel a deployment that has not finished; the previous version stays live').action(apiAction(outcome, deployments, (m) => m.cancel));
  waitOptions(apiCommand(deployment, 'redeploy <id>', "deploy a deployment's release to its environment again")).action(apiAction(outcome, deployments, (m) => m.redeploy));

  for (const [verb, description] of [
    ['approve', 'approve the step a deployment waits at (never one you started)'],
    ['reject', 'reject the step a deployment waits at: the deployment fails with your comment'],
  ] as const) {
    apiCommand(program, `${verb} <deployment> [step]`, description)
      .helpGroup(RELEASES)
      .option('--comment <text>', 'why; shown in the deployment and the audit trail')
      .addHelpText('after', "\nSTEP is the approval step's position; without it, the one approval the deployment waits for.")
      .action(apiAction(outcome, deployments, (m) => m[verb]));
  }
  const approvals = program.command('approvals').helpGroup(RELEASES).description('approvals waiting for a decision you may take');
  apiCommand(approvals, 'list', 'what waits for your approval').action(apiAction(outcome, deployments, (m) => m.pending));

  addReviewCommands(program, outcome);
  addImageCommands(program, outcome);
}

function addReviewCommands(program: Command, outcome: Outcome): void {
  const audit = () => import('../commands/audit.ts');
  const range = (command: Command) => command.option('--from <time>', 'from this time on (ISO 8601: 2026-01-31T12:00:00Z)').option('--to <time>', 'up to this time');
  const trail = program.command('audit').helpGroup(REVIEW).description('the audit trail: who did what, where, when (Admin, Auditor)');
  range(apiCommand(trail, 'list', 'audit events, oldest first, by time or subject'))
    .option('--subject <subject>', 'only about this: project/web, deployment/ID, release/web/7...')
    .option('--limit <n>', 'at most this many (1-100)')
    .option('--cursor <cursor>', 'the next page')
    .action(apiAction(outcome, audit, (m) => m.list));
  range(apiCommand(trail, 'export', 'every event of a time range as NDJSON (to stdout, or --file)'))
    .option('--file <path>', 'write the export here (mode 0600) instead of stdout')
    .action(apiAction(outcome, audit, (m) => m.exportEvents));
  apiCommand(trail, 'verify', 'check the hash chain: exit 0 intact, 1 broken (naming the first bad event)').action(apiAction(outcome, audit, (m) => m.verify));
  apiCommand(program, 'dashboard', 'projects × environments: the latest deployment of each')
    .helpGroup(REVIEW)
    .action(apiAction(outcome, audit, (m) => m.dashboard));
}

function addImageCommands(program: Command, outcome: Outcome): void {
  const image = program.command('image').helpGroup('Local stack:').description('images on the local stack (there is no ECR: pushes are announced as ECR does)');
  image
    .command('push <image>')
    .description('announce REPOSITORY:TAG as pushed: the ECR event goes through the local EventBridge to the image-push rule, which makes releases')
    .option('--digest <digest>', 'the image digest, sha256:... (default: a new one, as new content has)')
    .addOption(outputOption())
    .addOption(new Option('--region <region>', 'the region (default: $AWS_REGION, then .conveyor/local.env)'))
    .addOption(new Option('--profile <name>', 'the AWS profile to sign with'))
    .action(
      action(outcome, async (command, out) => {
        const { push } = await import('../commands/image.ts');
        await push(command.processedArgs[0] as string, command.opts(), out);
      }),
    );
}
