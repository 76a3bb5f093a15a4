/**
 * `.conveyor/local.env`, the file `conveyor up` writes for the local stack: `KEY=value` lines
 * (`export KEY=value` too, values optionally quoted) that a shell can `source`. The CLI reads it
 * when the environment does not say where the API is, so commands work in the project directory
 * without sourcing anything. It is looked for in the working directory and each parent.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export const LOCAL_ENV_FILE = join('.conveyor', 'local.env');
/** A generous bound: the file is a dozen lines. */
const MAX_LOCAL_ENV_BYTES = 64 * 1024;
const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

export type LocalEnv = {
  /** Where the file is. */
  path: string;
  values: Record<string, string>;
  /** A path value of the file, relative ones taken from the project directory (the file's grandparent). */
  pathValue(key: string): string | undefined;
};

/** `'a b'` → `a b`, `"a b"` → `a b`, `a # note` → `a`. */
function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) return value.slice(1, -1);
  return value.replace(/\s+#.*$/, '');
}

export function parseLocalEnv(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (match) values[match[1]!] = unquote(match[2]!);
  }
  return values;
}

/** The nearest `.conveyor/local.env` from `cwd` up, if any. */
export function findLocalEnv(cwd: string): LocalEnv | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const path = join(dir, LOCAL_ENV_FILE);
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined && text.length <= MAX_LOCAL_ENV_BYTES) {
      const values = parseLocalEnv(text);
      return { path, values, pathValue: (key) => (values[key] ? (isAbsolute(values[key]) ? values[key] : join(dir, values[key])) : undefined) };
    }
    if (dirname(dir) === dir) return undefined;
  }
}
