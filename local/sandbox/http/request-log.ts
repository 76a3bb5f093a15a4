/**
 * The sandbox's own log: one line per request (at `info`; health probes at `debug`), every
 * 5xx with its stack (at `error`), and operational messages such as failed authentications,
 * injected faults and controller sync failures (at `warn`). Lines go to `sandbox.log` in the
 * data directory when the sandbox has one, else to stderr. The default level, `error`,
 * prints only 5xx answers.
 *
 * Never logged: request or response bodies, headers (so no Authorization header, bearer
 * token, client certificate or cookie) and query strings, which may carry secrets a
 * client put there. A request is described by its method, path, user, status and duration.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Only the server's own failures: quiet unless something is wrong. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'error';
/** The log's file name inside the sandbox's data directory. */
export const LOG_FILE_NAME = 'sandbox.log';

const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Where lines go; `close` flushes a file. */
export type LogSink = { write(line: string): void; close(): Promise<void> };

export class SandboxLogger {
  constructor(
    readonly level: LogLevel,
    private readonly sink: LogSink,
    private readonly clock: () => number = Date.now,
  ) {}

  enabled(level: LogLevel): boolean {
    return SEVERITY[level] <= SEVERITY[this.level];
  }

  /** `detail` (a stack) follows on indented lines of its own. */
  error(message: string, fields?: LogFields, detail?: string): void {
    this.write('error', message, fields, detail);
  }

  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }

  close(): Promise<void> {
    return this.sink.close();
  }

  private write(level: LogLevel, message: string, fields?: LogFields, detail?: string): void {
    if (!this.enabled(level)) return;
    const extra = detail ? `\n${indent(detail)}` : '';
    this.sink.write(`${new Date(this.clock()).toISOString()} ${level.toUpperCase()} ${message}${fields ? ` ${formatFields(fields)}` : ''}${extra}\n`);
  }
}

export type LogFields = Record<string, string | number | undefined>;

/** logfmt: key=value, values quoted when they hold spaces, quotes or `=`. */
function formatFields(fields: LogFields): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'number' || /^[^\s"=]+$/.test(v!) ? v : JSON.stringify(v)}`)
    .join(' ');
}

/** `DIR/sandbox.log` (appended to) with a data directory, else stderr. */
export function openLogSink(dataDir: string | undefined): LogSink {
  if (!dataDir) return { write: (line) => void process.stderr.write(line), close: async () => {} };
  mkdirSync(dataDir, { recursive: true });
  const stream: WriteStream = createWriteStream(join(dataDir, LOG_FILE_NAME), { flags: 'a', mode: 0o600 });
  // A full disk must not take the API down with it: the log is best effort.
  stream.on('error', () => {});
  return {
    write: (line) => void stream.write(line),
    close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
  };
}

/**
 * What the pipeline learns about a request while handling it, for its log line: who sent
 * it, and whether its failure was injected on purpose (--faults).
 */
export type RequestTrace = { start: number; user?: string; impersonated?: string; injected?: boolean };

export function startTrace(): RequestTrace {
  return { start: performance.now() };
}

/** Health probes, which pollers send every few hundred milliseconds: logged at `debug` only. */
const PROBE_PATH = /^\/(healthz|livez|readyz)(\/|$|\?)/;

/** The request's line, written when its response is finished (or its connection dropped). */
export function logRequest(logger: SandboxLogger, req: IncomingMessage, res: ServerResponse, trace: RequestTrace): void {
  const durationMs = Math.round((performance.now() - trace.start) * 10) / 10;
  const level = PROBE_PATH.test(req.url ?? '') ? 'debug' : 'info';
  logger[level]('request', {
    method: req.method,
    path: pathOf(req),
    user: trace.user ?? '-',
    as: trace.impersonated,
    status: res.headersSent ? res.statusCode : 'dropped',
    durationMs,
  });
}

/** A 5xx answer: the error's stack for errors of the server itself; injected faults are warnings. */
export function logServerError(logger: SandboxLogger, req: IncomingMessage, trace: RequestTrace, error: unknown, status: number): void {
  const fields = { method: req.method, path: pathOf(req), user: trace.user ?? '-', status };
  if (trace.injected) return logger.warn(`injected fault: ${(error as Error)?.message ?? String(error)}`, fields);
  const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  logger.error('server error', fields, stack);
}

/** The path without the query string (which is never logged). */
function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l.trimStart()}`)
    .join('\n');
}
