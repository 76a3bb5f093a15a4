/**
 * `conveyor` — the command-line entry point: parses with the command tree (program.ts), runs
 * the one action it names, and exits with that action's code. Parse errors (an unknown flag, a
 * missing argument) have been printed by then and end in exit 2.
 */
import { CommanderError } from 'commander';
import { EXIT } from './exit.ts';
import { buildProgram } from './program.ts';
import type { Outcome } from './tree/shared.ts';

/** commander's codes that mean "help or version was asked for": not an error. */
const ASKED_FOR = new Set(['commander.helpDisplayed', 'commander.version']);

async function main(argv: string[]): Promise<number> {
  const outcome: Outcome = { code: EXIT.done };
  try {
    await buildProgram(outcome).parseAsync(argv, { from: 'user' });
    return outcome.code;
  } catch (error) {
    if (error instanceof CommanderError) return ASKED_FOR.has(error.code) ? EXIT.done : EXIT.badInput;
    throw error;
  }
}

/**
 * Once a command is over, the process ends: normally as soon as nothing is pending, and at the
 * latest after this grace, so that a socket still opening to a cluster that never answered
 * cannot keep a finished command alive past its --timeout.
 */
const EXIT_GRACE_MS = 200;

function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}

main(process.argv.slice(2)).then(finish, (error) => {
  console.error(`conveyor: ${(error as Error).message}`);
  finish(EXIT.unavailable);
});
