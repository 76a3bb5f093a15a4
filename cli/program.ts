/**
 * The `conveyor` command tree: every command's name, arguments, options and help, with
 * actions that load their code only when they run (see cli/tree/shared.ts). main.ts parses
 * with it; `conveyor completion` generates shell completion from it.
 */
import { Command } from 'commander';
import { applyCommand } from './tree/apply.ts';
import { addCompletionCommand } from './tree/completion.ts';
import { addConfigCommands } from './tree/config.ts';
import { configureTree } from './tree/configure.ts';
import { addReleaseCommands } from './tree/releases.ts';
import { sandboxCommand } from './tree/sandbox.ts';
import { action, type Outcome } from './tree/shared.ts';
import { upCommand } from './tree/up.ts';

const DESCRIPTION = [
  'Conveyor: release promotion for Kubernetes. Every command that talks to the API signs its requests with AWS SigV4 (credentials from the standard AWS chain: AWS_PROFILE, the shared credentials file, environment variables), against AWS and the local stack alike.',
  'Exit codes: 0 done; 1 a rollout or deployment failed, was cancelled or timed out; 2 bad input (flags, files, unknown names: nothing changed); 3 credentials refused, API or cluster unreachable.',
].join('\n\n');

export function buildProgram(outcome: Outcome): Command {
  const program = new Command('conveyor').description(DESCRIPTION).usage('<command> [options]');
  program.addCommand(
    applyCommand()
      .helpGroup('Deploy engine and sandbox:')
      .action(action(outcome, async (command) => (await import('./commands/apply.ts')).runParsed(command.opts()))),
  );
  program.addCommand(
    sandboxCommand()
      .helpGroup('Deploy engine and sandbox:')
      .action(action(outcome, async (command) => (await import('./commands/sandbox.ts')).runSandbox(command.opts() as never))),
  );
  program.addCommand(
    upCommand()
      .helpGroup('Local stack:')
      .action(action(outcome, async (command) => (await import('./commands/up.ts')).runUp(command.opts() as never))),
  );
  addConfigCommands(program, outcome);
  addReleaseCommands(program, outcome);
  addCompletionCommand(program, outcome);
  return configureTree(program);
}
