/**
 * `.conveyor/local.env`: what a shell, the AWS CLI, the SDK, kubectl and the `conveyor` CLI need
 * to talk to the local stack, as `export NAME=value` lines, so `source .conveyor/local.env`
 * works in sh, bash and zsh. The CLI also reads it without sourcing (cli/api/local-env.ts). It
 * holds endpoints, names and paths only: the access keys stay in the credentials file it names.
 */
import { writeFileAtomic } from '../files.ts';

/** The values, by variable; see `localEnvironment` in stack.ts for what each one is. */
export type LocalEnvValues = Record<string, string>;

/** Characters a value may have unquoted; anything else is single-quoted. */
const PLAIN_VALUE = /^[A-Za-z0-9_./:@%+=,-]*$/;

/** `'it'\''s'`: single quotes keep everything literal in every POSIX shell. */
export function shellQuote(value: string): string {
  return PLAIN_VALUE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function localEnvText(values: LocalEnvValues): string {
  const header = ['# The local Conveyor stack on this machine, written by `conveyor up` at each start (ports may change).', '# Use it with: source .conveyor/local.env'];
  return `${[...header, ...Object.entries(values).map(([name, value]) => `export ${name}=${shellQuote(value)}`)].join('\n')}\n`;
}

/** Writes the file atomically: a shell sourcing it meanwhile reads the old or the new one, never half. */
export function writeLocalEnv(path: string, values: LocalEnvValues): string {
  const text = localEnvText(values);
  writeFileAtomic(path, text, 0o644);
  return text;
}
