/**
 * An ExecutionStore on disk, so that executions outlive the service: one append-only file per
 * execution (`executions/<hash of its ARN>.jsonl`), one JSON line per change:
 * - `{"put": {...}}`: the record's fields that changed since the last line (the first line is
 *   the whole record), so a transition appends a few bytes, not the 256 KiB input again;
 * - `{"event": {...}}`: one history event.
 * Appending never rewrites what was written, so a crash at any moment leaves every earlier line
 * intact; a last line cut short by a crash is ignored when the file is read. The file is
 * fsynced when an execution starts and when its status changes (which also makes every line
 * before durable): after a power cut an execution is never lost, at most the last events of a
 * running one. Files are created owner-only: histories carry task tokens by design.
 *
 * Records stay in memory (they are small); the history of a running execution too, while a
 * closed one's is read from its file when asked for. Executions closed longer ago than the
 * retention (90 days, as on AWS) are removed when the store opens.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutionStore } from './store.ts';
import type { ExecutionRecord, HistoryEvent } from './types.ts';

const EXECUTIONS_DIR = 'executions';
const FILE_SUFFIX = '.jsonl';
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** File names: the first 32 hex digits of the ARN's SHA-256 (names may hold any character ARNs allow). */
const NAME_HEX_DIGITS = 32;
/** How long closed executions are kept, as Step Functions keeps Standard executions. */
export const DEFAULT_RETENTION_DAYS = 90;
const MS_PER_DAY = 86_400_000;
const DATE_FIELDS = ['startDate', 'stopDate'] as const;

/** `seq` (first line only): the order executions were created in, which start dates cannot tell within a millisecond. */
type Line = { put: Partial<SerializedRecord>; seq?: number } | { event: SerializedEvent };
type SerializedRecord = Omit<ExecutionRecord, 'startDate' | 'stopDate'> & { startDate: string; stopDate?: string };
type SerializedEvent = Omit<HistoryEvent, 'timestamp'> & { timestamp: string };

export class ExecutionFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionFileError';
  }
}

export type DiskExecutionStoreOptions = { retentionDays?: number; now?: () => number };

export class DiskExecutionStore implements ExecutionStore {
  private readonly records = new Map<string, ExecutionRecord>();
  /** What the file says of each record, to write only what changed. */
  private readonly written = new Map<string, SerializedRecord>();
  /** Histories of executions written by this process while they run. */
  private readonly histories = new Map<string, HistoryEvent[]>();
  private readonly dir: string;
  private closed = false;
  private nextSeq = 0;

  constructor(dataDir: string, options: DiskExecutionStoreOptions = {}) {
    this.dir = join(dataDir, EXECUTIONS_DIR);
    mkdirSync(this.dir, { recursive: true, mode: DIR_MODE });
    this.load((options.now ?? Date.now)() - (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * MS_PER_DAY);
  }

  put(record: ExecutionRecord): void {
    if (this.closed) return;
    const serialized = serializeRecord(record);
    const before = this.written.get(record.executionArn);
    const changed = before ? changedFields(before, serialized) : serialized;
    if (Object.keys(changed).length === 0) return;
    const file = this.file(record.executionArn);
    this.append(file, before ? { put: changed } : { put: changed, seq: this.nextSeq++ });
    // Durable at the start and at each change of status (the end): see the file comment.
    if (!before || before.status !== serialized.status) syncFile(file);
    this.written.set(record.executionArn, serialized);
    this.records.set(record.executionArn, { ...record });
    if (record.status !== 'RUNNING') this.histories.delete(record.executionArn);
  }

  get(executionArn: string): ExecutionRecord | undefined {
    const record = this.records.get(executionArn);
    return record && { ...record };
  }

  list(stateMachineArn: string): ExecutionRecord[] {
    return [...this.records.values()].filter((r) => r.stateMachineArn === stateMachineArn).map((r) => ({ ...r }));
  }

  /** Every execution, in the order they were started (oldest first). */
  all(): ExecutionRecord[] {
    return [...this.records.values()].map((r) => ({ ...r }));
  }

  appendEvent(executionArn: string, event: HistoryEvent): void {
    if (this.closed) return;
    this.append(this.file(executionArn), { event: { ...event, timestamp: toDate(event.timestamp).toISOString() } });
    if (this.records.get(executionArn)?.status === 'RUNNING') {
      const history = this.histories.get(executionArn) ?? [];
      history.push(event);
      this.histories.set(executionArn, history);
    }
  }

  events(executionArn: string): HistoryEvent[] {
    const cached = this.histories.get(executionArn);
    if (cached) return [...cached];
    if (!this.records.has(executionArn)) return [];
    return readLines(this.file(executionArn)).flatMap((line) => ('event' in line ? [deserializeEvent(line.event)] : []));
  }

  /** Later writes are ignored: what a stopped service's still-unwinding executions do is not recorded. */
  close(): void {
    this.closed = true;
  }

  private file(executionArn: string): string {
    return join(this.dir, `${createHash('sha256').update(executionArn).digest('hex').slice(0, NAME_HEX_DIGITS)}${FILE_SUFFIX}`);
  }

  private append(file: string, line: Line): void {
    appendFileSync(file, `${JSON.stringify(line)}\n`, { mode: FILE_MODE });
  }

  private load(keepClosedAfter: number): void {
    const loaded: { record: ExecutionRecord; seq: number }[] = [];
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith(FILE_SUFFIX))) {
      const file = join(this.dir, name);
      let serialized: Partial<SerializedRecord> = {};
      let seq = 0;
      const history: HistoryEvent[] = [];
      for (const line of readLines(file, true)) {
        if ('put' in line) {
          serialized = { ...serialized, ...line.put };
          seq = line.seq ?? seq;
        } else history.push(deserializeEvent(line.event));
      }
      if (!serialized.executionArn || !serialized.startDate) throw new ExecutionFileError(`${file} does not begin with an execution record; remove it to forget that execution`);
      const record = deserializeRecord(serialized as SerializedRecord);
      if (record.stopDate && record.stopDate.getTime() < keepClosedAfter) {
        rmSync(file, { force: true });
        continue;
      }
      this.written.set(record.executionArn, serialized as SerializedRecord);
      if (record.status === 'RUNNING') this.histories.set(record.executionArn, history);
      loaded.push({ record, seq });
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
    }
    // The order they were created in: what ListExecutions' "newest first" is sorted from.
    for (const { record } of loaded.sort((a, b) => a.seq - b.seq)) this.records.set(record.executionArn, record);
  }
}

/**
 * The lines of an execution file. A last line cut short by a crash is left out, and with
 * `repair` also cut from the file, so that the next line appended does not continue it.
 */
function readLines(file: string, repair = false): Line[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  // What follows the last newline: nothing, or a line cut short.
  const torn = lines.pop()!;
  if (torn !== '' && repair) truncateSync(file, Buffer.byteLength(text, 'utf8') - Buffer.byteLength(torn, 'utf8'));
  return lines.flatMap((line, index) => {
    try {
      return [JSON.parse(line) as Line];
    } catch {
      throw new ExecutionFileError(`${file}: line ${index + 1} is not JSON; the file was changed by something other than the service`);
    }
  });
}

function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function serializeRecord(record: ExecutionRecord): SerializedRecord {
  return JSON.parse(JSON.stringify(record)) as SerializedRecord;
}

function deserializeRecord(serialized: SerializedRecord): ExecutionRecord {
  const record = { ...serialized } as unknown as ExecutionRecord;
  for (const field of DATE_FIELDS) if (serialized[field] !== undefined) record[field] = new Date(serialized[field]);
  return record;
}

function deserializeEvent(serialized: SerializedEvent): HistoryEvent {
  return { ...serialized, timestamp: new Date(serialized.timestamp) };
}

function toDate(value: Date | string | number | undefined): Date {
  return value instanceof Date ? value : new Date(value ?? 0);
}

/** The fields of `after` whose JSON differs from `before`'s. */
function changedFields(before: SerializedRecord, after: SerializedRecord): Partial<SerializedRecord> {
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(value) !== JSON.stringify((before as Record<string, unknown>)[key])) changed[key] = value;
  }
  return changed as Partial<SerializedRecord>;
}
