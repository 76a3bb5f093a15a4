/**
 * How a command that failed says so: one line naming the command and what went wrong, the
 * problems one per line, then what to do; with `--output json`, the same as an
 * `{"error": ...}` document on stdout too, for scripts. The exit code comes from the error
 * (exit.ts). An error nobody classified is shown as unexpected, with its message only.
 */
import type { Command } from 'commander';
import { ApiError, ConnectionError, CredentialsError, hintFor } from './api/errors.ts';
import { UsageError } from './errors.ts';
import { EXIT } from './exit.ts';
import type { Output } from './output.ts';

/** `conveyor env show`: the command's full name. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The command listing each kind of thing a NotFoundError names (its message starts with the kind). */
const LIST_COMMANDS: [RegExp, (match: RegExpExecArray) => string][] = [
  [/^release \S+ of project (\S+) does not exist/, (m) => `conveyor release list ${m[1]}`],
  [/^environment /, () => 'conveyor env list'],
  [/^(lifecycle|project|account|target) /, (m) => `conveyor ${m[1]} list`],
  [/^role binding /, () => 'conveyor roles list'],
];

/** For a name that does not exist: the command that lists what does. */
function listHint(message: string, command: Command): string | undefined {
  for (const [pattern, list] of LIST_COMMANDS) {
    const match = pattern.exec(message);
    if (match) return `\`${list(match)}\` shows what exists`;
  }
  // Otherwise the list command of the same group, when there is one.
  const list = command.parent?.commands.find((c) => c.name() === 'list');
  return list && list !== command ? `\`${commandPath(list)}\` shows what exists` : undefined;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.badInput;
  if (error instanceof ApiError || error instanceof ConnectionError || error instanceof CredentialsError) return error.exitCode;
  return EXIT.unavailable;
}

/** Prints `error` for `command` and returns the exit code it ends with. */
export function report(error: unknown, command: Command, out: Output): number {
  const code = exitCodeOf(error);
  const known = error instanceof UsageError || error instanceof ApiError || error instanceof ConnectionError || error instanceof CredentialsError;
  const message = error instanceof Error ? error.message : String(error);
  const lines = [`${commandPath(command)}: ${known ? message : `unexpected error: ${message}`}`];
  let hint: string | undefined;
  if (error instanceof ApiError) {
    // A ValidationError's message joins its problems; one per line reads better.
    if (error.problems.length > 1) lines.splice(0, 1, `${commandPath(command)}: the API refused the request:`, ...error.problems.map((p) => `  ${p}`));
    hint = hintFor(error) ?? (error.code === 'NotFoundError' ? listHint(error.message, command) : undefined);
  }
  if (hint) lines.push(`  (${hint})`);
  out.note(lines.join('\n'));
  if (out.json) {
    const body =
      error instanceof ApiError
        ? { status: error.status, code: error.code, message: error.message, ...(Object.keys(error.details).length ? { details: error.details } : {}) }
        : { code: error instanceof Error ? error.name : 'Error', message };
    out.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
  }
  return code;
}
