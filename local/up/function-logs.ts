/**
 * Where the functions' logs go: a file, as CloudWatch Logs would hold them, not the terminal the
 * person watching `conveyor up` reads. The functions run in this process (local/aws/lambda), and
 * Powertools writes to a Console of its own on the process's stdout and stderr — unless
 * POWERTOOLS_DEV is set, when it uses the global `console` (its documented switch for local
 * runs and tests). So the stack sets POWERTOOLS_DEV for the functions and, while it runs, points
 * the global console at the log file. Everything the stack itself prints goes to
 * process.stdout/stderr directly, never through `console`.
 */
import { Console } from 'node:console';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type FunctionLogs = { path: string; close(): Promise<void> };

/** Sends `console` to `path` (rewritten at each start, mode 0600) until `close()`. */
export function routeFunctionLogs(path: string): FunctionLogs {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const stream = createWriteStream(path, { flags: 'w', mode: 0o600 });
  const previous = globalThis.console;
  const routed = new Console({ stdout: stream, stderr: stream });
  globalThis.console = routed;
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        if (globalThis.console === routed) globalThis.console = previous;
        stream.end(() => resolve());
      }),
  };
}
