/**
 * Settings every command of the tree gets, applied once the tree is built (commander copies
 * settings only to subcommands made with `.command()`): parse errors are thrown to main.ts
 * rather than exiting, printed as `conveyor <command>: <problem>` followed by the command's
 * help, and help titles are lower-case (`usage:`), as the CLI has always printed them.
 */
import type { Command } from 'commander';
import { commandPath } from '../report.ts';

/** commander's `error: unknown option '--x'` as the CLI words it: `Unknown option '--x'`. */
export function commanderMessage(message: string): string {
  const text = message.replace(/^error: /, '').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function configureTree(command: Command): Command {
  command
    .exitOverride()
    .showHelpAfterError(true)
    .configureHelp({ styleTitle: (title) => title.toLowerCase(), sortSubcommands: false })
    .configureOutput({ outputError: (text, write) => write(`${commandPath(command)}: ${commanderMessage(text)}\n`) });
  for (const sub of command.commands) configureTree(sub);
  return command;
}
