/** `conveyor up`: the flags and help of the local stack's command (run by cli/commands/up.ts). */
import { Command } from 'commander';

export const UP_DEFAULTS = { data: '.conveyor' } as const;

export function upCommand(): Command {
  return new Command('up')
    .summary('run the whole pipeline on this machine until Ctrl-C (npm start runs `up --demo`)')
    .description(
      [
        "Starts the local stack in the foreground: DynamoDB Local (Java 17), the sandbox cluster (https://127.0.0.1:6443, or $CONVEYOR_SANDBOX_PORT), Secrets Manager, Lambda, Step Functions, EventBridge and the HTTP API, each checked for health; writes the demo users' credentials and local.env (`source` it to use the AWS CLI, the SDK, kubectl and conveyor on the stack). Everything is kept in the data directory, so a restart carries on where the last one stopped.",
        "Ctrl-C (SIGINT) or SIGTERM stops every service, DynamoDB Local's java included; a second Ctrl-C stops at once.",
      ].join('\n\n'),
    )
    .option(
      '--demo',
      "then run the demo: Octopus's Kubernetes walkthrough (environments, an admin project that makes namespaces and deployers, httpd pushed, released, promoted, approved, and a release that fails while the previous version keeps serving)",
    )
    .option('--data <dir>', 'where the stack keeps its data, credentials and local.env', UP_DEFAULTS.data);
}
