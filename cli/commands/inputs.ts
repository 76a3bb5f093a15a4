/**
 * What API commands read besides flags: YAML/JSON definition files (`project apply -f`),
 * secrets from a file or stdin (never from argv, where every process on the machine can read
 * them), and numbers from flags. Files are read bounded and must be UTF-8 text (the same reader
 * as `conveyor apply`); every problem is a UsageError (exit 2) naming the file or flag, never
 * quoting a secret.
 */
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { InputBudget, readText, STDIN, STDIN_NAME, UnreadableInputError } from '../apply/input.ts';
import { UsageError } from '../errors.ts';

/** Definitions (a project with its manifests) are at most a few MiB; the API takes ~4.5 MiB. */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;
/** A token, password or private key with its chain: far less. */
export const MAX_SECRET_BYTES = 64 * 1024;
const STDIN_FD = 0;

/** A file's (or stdin's, for '-') text, bounded. */
export function readInput(path: string, limit: number, what: string): string {
  const name = path === STDIN ? STDIN_NAME : path;
  try {
    return readText(path === STDIN ? STDIN_FD : path, new InputBudget(limit, what), name);
  } catch (error) {
    if (error instanceof UnreadableInputError) throw new UsageError(error.message);
    throw error;
  }
}

/** A YAML or JSON document (JSON is YAML); `dir` resolves the paths it names. */
export function readDocument(path: string, what: string): { value: Record<string, unknown>; dir: string; name: string } {
  const name = path === STDIN ? STDIN_NAME : path;
  const text = readInput(path, MAX_DOCUMENT_BYTES, what);
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    // The parser's first line says where; the rest quotes the source, which may hold a secret.
    throw new UsageError(`${name}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${name}: expected a mapping (YAML) or an object (JSON) at the top`);
  return { value: value as Record<string, unknown>, dir: path === STDIN ? process.cwd() : dirname(resolve(path)), name };
}

export type SecretFlags = { secretFile?: string; secretStdin?: boolean };

/**
 * The secret of `--secret-file PATH` or `--secret-stdin`; undefined when neither is given.
 * `trim`: tokens and passwords lose the line end an editor or `echo` adds; keys keep theirs.
 */
export function readSecret(flags: SecretFlags, what: string, trim: 'line' | 'none'): string | undefined {
  if (flags.secretFile !== undefined && flags.secretStdin) throw new UsageError('give the secret one way: --secret-file PATH or --secret-stdin, not both');
  const path = flags.secretStdin ? STDIN : flags.secretFile;
  if (path === undefined) return undefined;
  const text = readInput(path, MAX_SECRET_BYTES, what);
  const value = trim === 'line' ? text.replace(/\r?\n$/, '') : text;
  if (value.trim() === '') throw new UsageError(`${path === STDIN ? STDIN_NAME : path}: the ${what} is empty`);
  return value;
}

/** A whole number flag within bounds (the API checks its own bounds too, and names them). */
export function integerFlag(flag: string, value: string | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be a whole number ${range}, got "${value}"`);
  }
  return number;
}

/** `--timeout SECONDS` as milliseconds. */
export function secondsFlag(flag: string, value: string | undefined, fallbackSeconds: number): number {
  const seconds = value === undefined ? fallbackSeconds : Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`${flag} must be a positive number of seconds, got "${value}"`);
  return seconds * 1000;
}

/** `NAME=VALUE` flags (`--image repo=ref`) as a record. */
export function pairs(flag: string, values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of values) {
    const index = text.indexOf('=');
    if (index <= 0 || index === text.length - 1) throw new UsageError(`${flag} expects NAME=VALUE, got "${text}"`);
    out[text.slice(0, index)] = text.slice(index + 1);
  }
  return out;
}
