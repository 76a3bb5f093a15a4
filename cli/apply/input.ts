/**
 * Reads what `conveyor apply` renders: `-f FILE`, `-f DIR`, `-f -` (stdin) and `--variables
 * FILE`, all bounded together. Files are read in chunks and reading stops one byte past the
 * limit, so `-f /dev/zero` or an endless stdin ends in a bad-input error within seconds and
 * with bounded memory; a regular file larger than what is left is refused from its size,
 * without reading it. Input must be UTF-8 text: a NUL byte or an invalid sequence means the
 * wrong file was given, and is refused before YAML parsing turns it into a confusing error.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes, MAX_INPUT_BYTES } from '#domain/render/limits.ts';
import { UsageError } from '../errors.ts';

/** The path that means standard input, for -f and --variables. */
export const STDIN = '-';
/** How stdin is named in messages and in the engine's source locations. */
export const STDIN_NAME = '<stdin>';
const STDIN_FD = 0;
export const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;
/** Bytes per read: large enough to read 16 MiB in a few hundred calls, small enough to waste nothing. */
const CHUNK_BYTES = 64 * 1024;
/** How long to wait when a non-blocking stdin has no data yet (EAGAIN). */
const EAGAIN_WAIT_MS = 10;
const NUL = 0;

/** One manifest file's text, under the name messages and source locations use. */
export type ManifestFile = { name: string; content: string };

/** Everything `conveyor apply` reads before it renders. */
export type ApplyInput = { manifests: ManifestFile[]; variables?: { file: string; text: string } };

/** Where to read: the -f paths in order, the --variables path, and (for tests) stdin's descriptor. */
export type InputRequest = { files: string[]; variablesFile?: string; stdinFd?: number };

/** A file that could not be read as text; `reason` is what follows the name in the message. */
export class UnreadableInputError extends UsageError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'UnreadableInputError';
  }
}

/**
 * Bytes still allowed, shared by every input one command reads. `scope` says what the limit
 * covers, for the message of whichever file goes over it.
 */
export class InputBudget {
  private used = 0;
  constructor(
    readonly limit: number,
    readonly scope: string,
  ) {}

  get remaining(): number {
    return this.limit - this.used;
  }

  take(bytes: number): void {
    this.used += bytes;
  }

  /** The reason a file is refused; `size` when it is known (a regular file's size). */
  exceeded(size?: number): string {
    const found = size === undefined ? `reading stopped at the limit of ${formatBytes(this.limit)}` : `${formatBytes(size)}, over the limit of ${formatBytes(this.limit)}`;
    const before = this.used > 0 ? `; ${formatBytes(this.used)} were read before it` : '';
    return `too large: ${found} for ${this.scope}${before}`;
  }
}

/** The budget of one `conveyor apply`: manifests and variables together, as the engine limits them. */
export const applyBudget = (limit = MAX_INPUT_BYTES) => new InputBudget(limit, 'all -f input and the --variables file together');

/**
 * Reads every manifest (in command-line order, directories sorted) and the variables file.
 * Throws UsageError (UnreadableInputError for a file) naming the file; nothing is parsed here.
 */
export function readApplyInput(request: InputRequest, budget = applyBudget()): ApplyInput {
  const stdinUses = [...request.files, request.variablesFile].filter((p) => p === STDIN).length;
  if (stdinUses > 1) throw new UsageError(`'-' (stdin) is given ${stdinUses} times to -f and --variables: standard input can be read only once`);
  const nameOf = (path: string) => (path === STDIN ? STDIN_NAME : path);
  const read = (path: string) => readText(path === STDIN ? (request.stdinFd ?? STDIN_FD) : path, budget, nameOf(path));
  const variables = request.variablesFile === undefined ? undefined : { file: nameOf(request.variablesFile), text: read(request.variablesFile) };
  const manifests = request.files.flatMap((path) => manifestPaths(path).map((file) => ({ name: nameOf(file), content: read(file) })));
  return { manifests, ...(variables ? { variables } : {}) };
}

/** '-', a file, or the .yaml/.yml/.json files of a directory (sorted, not recursive). */
function manifestPaths(path: string): string[] {
  if (path === STDIN) return [STDIN];
  let files: string[];
  try {
    if (!statSync(path).isDirectory()) return [path];
    files = readdirSync(path)
      .filter((f) => MANIFEST_EXTENSIONS.test(f))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${path}: no such file or directory`);
    throw new UnreadableInputError(path, cannotRead(error));
  }
  if (!files.length) throw new UsageError(`${path}: the directory holds no .yaml, .yml or .json file`);
  return files.map((f) => join(path, f));
}

/** Node's error code with what it means, for messages ("EISDIR (a directory)"). */
const ERRNO_MEANING: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many symbolic links',
  ENOTDIR: 'a path component is not a directory',
};

/** "cannot read: ENOENT (no such file or directory)", from what fs threw. */
export function cannotRead(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return `cannot read: ${(error as Error | undefined)?.message ?? String(error)}`;
  return `cannot read: ${code}${ERRNO_MEANING[code] ? ` (${ERRNO_MEANING[code]})` : ''}`;
}

/**
 * A path's (or an open descriptor's) content as UTF-8 text, taken from `budget`. `name` is
 * how messages call it. Throws UnreadableInputError when it cannot be read, is over budget or
 * is not text.
 */
export function readText(source: string | number, budget: InputBudget, name = String(source)): string {
  const bytes = readBounded(source, budget, name);
  const nul = bytes.indexOf(NUL);
  if (nul >= 0) throw new UnreadableInputError(name, `not a text file: it holds a NUL byte (at byte ${nul}); expected UTF-8 text`);
  if (!isUtf8(bytes)) throw new UnreadableInputError(name, 'not a text file: it is not valid UTF-8; expected UTF-8 text');
  return bytes.toString('utf8');
}

function readBounded(source: string | number, budget: InputBudget, name: string): Buffer {
  let fd: number;
  try {
    fd = typeof source === 'number' ? source : openSync(source, 'r');
  } catch (error) {
    throw new UnreadableInputError(name, cannotRead(error));
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new UnreadableInputError(name, cannotRead({ code: 'EISDIR' }));
    // A regular file's size is known: refuse it before reading a byte. Other files (devices,
    // pipes, /proc) report no useful size and are read until the limit.
    if (stat.isFile() && stat.size > budget.remaining) throw new UnreadableInputError(name, budget.exceeded(stat.size));
    return readChunks(fd, budget, name);
  } finally {
    if (typeof source !== 'number') closeSync(fd);
  }
}

/** Reads to end of file, at most one byte past the budget (which proves the input is too large). */
function readChunks(fd: number, budget: InputBudget, name: string): Buffer {
  const chunks: Buffer[] = [];
  const scratch = Buffer.allocUnsafe(CHUNK_BYTES);
  let total = 0;
  const cap = budget.remaining + 1;
  while (total < cap) {
    let read: number;
    try {
      read = readSync(fd, scratch, 0, Math.min(scratch.length, cap - total), null);
    } catch (error) {
      // A non-blocking stdin (inherited from a parent that set O_NONBLOCK) says EAGAIN
      // until data arrives: wait briefly instead of taking it for the end.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)), 0, 0, EAGAIN_WAIT_MS);
        continue;
      }
      throw new UnreadableInputError(name, cannotRead(error));
    }
    if (read === 0) break;
    // Copied, so that many short reads (a slow pipe) hold only what they read.
    chunks.push(Buffer.from(scratch.subarray(0, read)));
    total += read;
  }
  if (total > budget.remaining) throw new UnreadableInputError(name, budget.exceeded());
  budget.take(total);
  return Buffer.concat(chunks, total);
}
