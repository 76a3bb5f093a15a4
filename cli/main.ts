/**
 * `conveyor` — the command-line entry point. Each subcommand lives in commands/ and
 * exports a `run(argv)` that resolves to the process exit code.
 */
import { UsageError } from './errors.ts';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  apply: { summary: 'render, apply and wait for Kubernetes manifests (the deploy engine)', load: () => import('./commands/apply.ts') },
  sandbox: { summary: 'run the sandbox Kubernetes cluster in the foreground', load: () => import('./commands/sandbox.ts') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: conveyor <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'conveyor <command> --help' for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`conveyor: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`conveyor ${name}: ${error.message}`);
      return 2;
    }
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
  finish(3);
});
