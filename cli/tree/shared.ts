/**
 * What every command definition shares. Definitions (cli/tree/) hold only names, arguments,
 * options and help, so the whole tree — for help and shell completion — loads without any
 * command's code; an action loads its module (cli/commands/) when it runs, and an API command
 * the API client with it, so `conveyor sandbox` never loads the AWS SDK and `conveyor --help`
 * loads nothing but commander.
 */
import { type Command, Option } from 'commander';
import type { ApiClient } from '../api/client.ts';
import { OUTPUT_FORMATS, Output, type OutputFormat } from '../output.ts';
import { report } from '../report.ts';

/** The exit code of the action that ran, for main.ts. */
export type Outcome = { code: number };

export type ApiContext = {
  api: ApiClient;
  out: Output;
  /** The command's arguments, in order (a variadic one as an array). */
  args: any[];
  /** The command's options (the connection options included). */
  options: Record<string, any>;
  command: Command;
};

/** An API command's work; resolves to its exit code (0 when nothing is returned). */
export type ApiAction = (context: ApiContext) => Promise<number | void>;

/** For repeatable options: `--tag a --tag b` → ['a', 'b']. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const CONNECTION_GROUP = 'Connection options:';

/** `-o, --output text|json`. */
export function outputOption(): Option {
  return new Option('-o, --output <format>', "text for people, json for scripts (the API's own JSON)").choices(OUTPUT_FORMATS).default('text');
}

/** A leaf command that talks to the API: its own options, then where the API is and how to sign. */
export function apiCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent
    .command(nameAndArgs)
    .description(description)
    .addOption(outputOption())
    .addOption(new Option('--endpoint <url>', 'the Conveyor API (default: $CONVEYOR_API_URL, then CONVEYOR_API_URL in .conveyor/local.env)').helpGroup(CONNECTION_GROUP))
    .addOption(new Option('--region <region>', 'the AWS region to sign for (default: from an execute-api endpoint, $AWS_REGION, .conveyor/local.env)').helpGroup(CONNECTION_GROUP))
    .addOption(new Option('--profile <name>', 'the AWS profile to sign with (default: $AWS_PROFILE, then the standard AWS credential chain)').helpGroup(CONNECTION_GROUP));
}

/** A commander action that runs `work` with the command, keeps its exit code, and reports what it throws. */
export function action(outcome: Outcome, work: (command: Command, out: Output) => Promise<number | void>): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const command = params.at(-1) as Command;
    const format = (command.opts().output as OutputFormat | undefined) ?? 'text';
    const out = new Output(OUTPUT_FORMATS.includes(format) ? format : 'text');
    try {
      outcome.code = (await work(command, out)) ?? 0;
    } catch (error) {
      outcome.code = report(error, command, out);
    }
  };
}

/** The action of an API command: loads its module and the API client, then runs `pick(module)`. */
export function apiAction<M>(outcome: Outcome, load: () => Promise<M>, pick: (module: M) => ApiAction) {
  return action(outcome, async (command, out) => {
    const [{ connect }, module] = await Promise.all([import('../api/session.ts'), load()]);
    const options = command.opts();
    const api = connect({ endpoint: options.endpoint, region: options.region, profile: options.profile });
    return pick(module)({ api, out, args: command.processedArgs, options, command });
  });
}
