/**
 * The write-ahead log of the store (with --data): every change is appended as one framed
 * record, and a change counts as durable only once written and fsynced. Group commit: while
 * one round writes and fsyncs, new records queue up; the next round writes and fsyncs all of
 * them together, so N concurrent requests cost one or two fsyncs, not N. Rounds run one after
 * another, so records reach the file in the order they were appended.
 *
 * A frame is a 12-byte header and a JSON payload (one ChangeRecord):
 *   [payload length, u32 BE] [CRC-32 of the payload] [CRC-32 of the first 8 header bytes]
 * The header checksum tells a damaged length (corruption, an error) from a record that a kill
 * cut short at the end of the file (whole header, payload running past the end: ignored).
 */
import { crc32 } from 'node:zlib';
import { CorruptLogError, LogWriteError } from './errors.ts';
import type { KubeObject } from './types.ts';

/** One store change: the object as written (carrying its resourceVersion), or the key of a removed one. */
export type ChangeRecord = { rv: number; resource: string; object: KubeObject } | { rv: number; resource: string; removed: { namespace?: string; name: string } };

/** A record read back from a log file, with the byte offset its frame starts at. */
export type LoggedRecord = { record: ChangeRecord; offset: number };

export type DecodedLog = {
  records: LoggedRecord[];
  /** Length of the whole, valid frames from the start of the file: where the next one goes. */
  validBytes: number;
  /** Bytes after them: an incomplete last frame that a kill mid-write left (0 normally). */
  tornBytes: number;
};

const HEADER_BYTES = 12;
const LENGTH_AT = 0;
const PAYLOAD_CRC_AT = 4;
const HEADER_CRC_AT = 8;

export function encodeFrame(record: ChangeRecord): Buffer {
  const payload = Buffer.from(JSON.stringify(record));
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, LENGTH_AT);
  frame.writeUInt32BE(crc32(payload), PAYLOAD_CRC_AT);
  frame.writeUInt32BE(crc32(frame.subarray(0, HEADER_CRC_AT)), HEADER_CRC_AT);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

/**
 * Reads every record of a log file's content. An incomplete frame at the end (what a kill
 * mid-write leaves, or the zeros a crash leaves in a file extended but not written) ends the
 * log; any other damage throws CorruptLogError naming `file` and the frame's offset.
 */
export function decodeLog(data: Buffer, file: string): DecodedLog {
  const records: LoggedRecord[] = [];
  let offset = 0;
  while (data.length - offset >= HEADER_BYTES) {
    const header = data.subarray(offset, offset + HEADER_BYTES);
    if (header.readUInt32BE(HEADER_CRC_AT) !== crc32(header.subarray(0, HEADER_CRC_AT))) {
      if (isZeroFilled(data.subarray(offset))) break;
      throw new CorruptLogError(file, offset, 'record header checksum mismatch');
    }
    const end = offset + HEADER_BYTES + header.readUInt32BE(LENGTH_AT);
    if (end > data.length) break;
    const payload = data.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload) !== header.readUInt32BE(PAYLOAD_CRC_AT)) {
      // The last frame, cut short or never fully written: it was never acknowledged.
      if (end === data.length) break;
      throw new CorruptLogError(file, offset, 'record checksum mismatch');
    }
    records.push({ record: parseRecord(payload, file, offset), offset });
    offset = end;
  }
  return { records, validBytes: offset, tornBytes: data.length - offset };
}

function parseRecord(payload: Buffer, file: string, offset: number): ChangeRecord {
  let record: any;
  try {
    record = JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new CorruptLogError(file, offset, `record is not JSON (${(error as Error).message})`);
  }
  const wellFormed =
    Number.isSafeInteger(record?.rv) && record.rv > 0 && typeof record.resource === 'string' && (typeof record.object?.metadata?.name === 'string' || typeof record.removed?.name === 'string');
  if (!wellFormed) throw new CorruptLogError(file, offset, 'record is not a store change');
  return record as ChangeRecord;
}

function isZeroFilled(bytes: Buffer): boolean {
  return bytes.every((b) => b === 0);
}

/** Where the log's frames go: a file on disk, or a fake in tests. */
export interface LogFile {
  /** Shown in error messages. */
  readonly path: string;
  /** Writes all of `data` at byte `position`. */
  write(data: Buffer, position: number): Promise<void>;
  /** Flushes what was written to stable storage (fdatasync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export type WriteAheadLogOptions = {
  /** File size in bytes past which the log is compacted, after the round that crossed it. */
  compactAtBytes: number;
  /**
   * Makes everything logged so far redundant (writes a snapshot) and returns a new, empty log
   * file. Called between rounds, never while one writes.
   */
  compact: () => Promise<LogFile>;
};

type Waiter = { upTo: number; resolve: () => void; reject: (error: Error) => void };

export class WriteAheadLog {
  /** Frames appended but not yet handed to a round. */
  private pending: Buffer[] = [];
  /** Records appended, and how many of them are on disk: a waiter needs `synced >= upTo`. */
  private appended = 0;
  private synced = 0;
  private readonly waiters: Waiter[] = [];
  /** The running sequence of rounds, while there is one. */
  private rounds: Promise<void> | undefined;
  private failure: LogWriteError | undefined;

  /** `size`: bytes already in `file`; new frames go after them. */
  constructor(
    private file: LogFile,
    private size: number,
    private readonly options: WriteAheadLogOptions,
  ) {}

  /** Queues one record; it goes to disk with the next round. */
  append(record: ChangeRecord): void {
    // After a failure nothing becomes durable again; durable() reports it to every caller.
    if (this.failure) return;
    this.pending.push(encodeFrame(record));
    this.appended++;
    this.rounds ??= this.run();
  }

  /** Resolves once every record appended so far is on disk; rejects once writing has failed. */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.synced >= this.appended) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.appended, resolve, reject }));
  }

  /** Waits until every appended record is on disk, compacts once more if asked, closes the file. */
  async close(compact: boolean): Promise<void> {
    while (this.rounds) await this.rounds;
    try {
      if (this.failure) throw this.failure;
      if (compact) await this.compact();
    } finally {
      await this.file.close();
    }
  }

  private async run(): Promise<void> {
    // Lets the rest of this event-loop turn append too: all its changes share one fsync.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
        const upTo = this.appended;
        this.pending = [];
        await this.file.write(batch, this.size);
        this.size += batch.length;
        await this.file.sync();
        this.synced = upTo;
        this.release();
        if (this.size >= this.options.compactAtBytes) await this.compact();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.rounds = undefined;
    }
  }

  private async compact(): Promise<void> {
    const next = await this.options.compact();
    const previous = this.file;
    this.file = next;
    this.size = 0;
    await previous.close();
  }

  private release(): void {
    // Waiters are in append order, so the satisfied ones are a prefix.
    let done = 0;
    while (done < this.waiters.length && this.waiters[done]!.upTo <= this.synced) this.waiters[done++]!.resolve();
    this.waiters.splice(0, done);
  }

  private fail(cause: unknown): void {
    this.failure = new LogWriteError(this.file.path, cause);
    this.pending = [];
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }
}
