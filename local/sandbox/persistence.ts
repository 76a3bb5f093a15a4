/**
 * Keeps the store on disk when the sandbox runs with --data DIR, and durable before the API
 * acknowledges it (as kube-apiserver answers only after etcd commits):
 *  - state.log: the write-ahead log (wal.ts) of every store change, fsynced in group commits;
 *  - state.json: a snapshot of the whole store and the resourceVersion it covers, written when
 *    the log passes COMPACT_AT_BYTES and on clean shutdown; a new, empty log then replaces the old.
 * Loading reads the snapshot, then replays the log records newer than it.
 *
 * Compaction steps, each safe to be killed after: (1) capture the store at resourceVersion R;
 * (2) write state.json atomically; (3) create an empty log as a temporary file, fsync it,
 * rename it over state.log, fsync the directory. Killed before (2) completes: the old snapshot
 * and the old log still hold everything. Between (2) and (3): the old log's records are all at
 * or below R and replay skips them. After (3): snapshot and new log. Records appended while
 * compacting go to the new log; those at or below R are skipped on replay too.
 * Stray temporary files of a killed process are never read.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syncDirectory, temporaryName, writeFileAtomicAsync } from '../files.ts';
import { CorruptLogError } from './errors.ts';
import type { DurabilityPort } from './http/ports.ts';
import type { ObjectStore, StoreEvent } from './store.ts';
import type { KubeObject } from './types.ts';
import { type ChangeRecord, decodeLog, type LogFile, WriteAheadLog } from './wal.ts';

export const SNAPSHOT_FILE = 'state.json';
export const LOG_FILE = 'state.log';
const SNAPSHOT_FORMAT = 1;
/** The state holds Secrets (service-account tokens, the demo's): readable by its owner only. */
const STATE_FILE_MODE = 0o600;
/** Log size that triggers compaction: snapshots stay rare, and a restart replays little. */
export const COMPACT_AT_BYTES = 4 * 1024 * 1024;

type Snapshot = { format: number; resourceVersion: number; objects: [string, KubeObject][] };

/** The store as the data directory holds it: as of its last durable change. */
export type DurableState = {
  resourceVersion: number;
  objects: [string, KubeObject][];
  /** The log file, when there is one: bytes of whole records, and of an incomplete tail after them. */
  log?: { validBytes: number; tornBytes: number };
};

/** Reads the snapshot and replays the log's newer records; changes nothing on disk. */
export function readDurableState(dir: string): DurableState {
  const snapshot = readSnapshot(join(dir, SNAPSHOT_FILE));
  const covered = snapshot?.resourceVersion ?? 0;
  const objects = new Map<string, [string, KubeObject]>();
  for (const entry of snapshot?.objects ?? []) objects.set(entryKey(entry[0], entry[1].metadata.namespace, entry[1].metadata.name!), entry);
  const logPath = join(dir, LOG_FILE);
  if (!existsSync(logPath)) return { resourceVersion: covered, objects: [...objects.values()] };

  const decoded = decodeLog(readFileSync(logPath), logPath);
  let rv = covered;
  for (const { record, offset } of decoded.records) {
    if (record.rv <= covered) continue;
    // Every change gets the next resourceVersion, so a gap means lost records.
    if (record.rv !== rv + 1) throw new CorruptLogError(logPath, offset, `resourceVersion ${record.rv} follows ${rv}: the changes in between are missing`);
    rv = record.rv;
    if ('object' in record) objects.set(entryKey(record.resource, record.object.metadata.namespace, record.object.metadata.name!), [record.resource, record.object]);
    else objects.delete(entryKey(record.resource, record.removed.namespace, record.removed.name));
  }
  return { resourceVersion: rv, objects: [...objects.values()], log: { validBytes: decoded.validBytes, tornBytes: decoded.tornBytes } };
}

function readSnapshot(file: string): Snapshot | undefined {
  if (!existsSync(file)) return undefined;
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  if (snapshot.format !== SNAPSHOT_FORMAT) throw new Error(`${file}: unsupported snapshot format ${snapshot.format}`);
  return snapshot;
}

function entryKey(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}\n${namespace ?? ''}/${name}`;
}

export type PersistenceOptions = {
  /** Overrides COMPACT_AT_BYTES (tests). */
  compactAtBytes?: number;
  log?: (message: string) => void;
};

export class Persistence implements DurabilityPort {
  private constructor(
    private readonly store: ObjectStore,
    private readonly wal: WriteAheadLog,
  ) {}

  /**
   * Loads the data directory into the store, then journals every later change of the store.
   * Open it before anything writes to the store, so that no change escapes the log.
   */
  static async open(dir: string, store: ObjectStore, options: PersistenceOptions = {}): Promise<Persistence> {
    mkdirSync(dir, { recursive: true });
    const state = readDurableState(dir);
    store.restore(state.resourceVersion, state.objects);
    const logPath = join(dir, LOG_FILE);
    if (state.log?.tornBytes) options.log?.(`${logPath}: ignoring an incomplete last record (${state.log.tornBytes} bytes), never acknowledged`);
    const file = state.log ? await DiskLogFile.reopen(logPath, state.log.validBytes) : await DiskLogFile.create(logPath);
    const wal = new WriteAheadLog(file, state.log?.validBytes ?? 0, {
      compactAtBytes: options.compactAtBytes ?? COMPACT_AT_BYTES,
      compact: () => compact(dir, store),
    });
    store.setJournal((event) => wal.append(changeRecord(event)));
    return new Persistence(store, wal);
  }

  /** Resolves once every store change made so far is on disk. */
  synced(): Promise<void> {
    return this.wal.durable();
  }

  /** Stops journaling, waits for the log, writes the final snapshot and starts an empty log. */
  async close(): Promise<void> {
    this.store.setJournal(undefined);
    await this.wal.close(true);
  }
}

function changeRecord(event: StoreEvent): ChangeRecord {
  const { rv, resource, object } = event;
  if (event.type === 'DELETED') return { rv, resource, removed: { namespace: object.metadata.namespace, name: object.metadata.name! } };
  return { rv, resource, object };
}

/** Steps (1) to (3) of the header comment; returns the new, empty log. */
async function compact(dir: string, store: ObjectStore): Promise<LogFile> {
  // Serialized before the first await: the snapshot is the store at exactly one resourceVersion.
  const snapshot: Snapshot = { format: SNAPSHOT_FORMAT, resourceVersion: store.resourceVersion, objects: [...store.entries()] };
  await writeFileAtomicAsync(join(dir, SNAPSHOT_FILE), JSON.stringify(snapshot), STATE_FILE_MODE);
  return DiskLogFile.create(join(dir, LOG_FILE));
}

/** A log file on disk, written at explicit offsets (the log keeps its own size). */
class DiskLogFile implements LogFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens an existing log to append after its whole records, cutting off an incomplete tail. */
  static async reopen(path: string, validBytes: number): Promise<DiskLogFile> {
    const handle = await open(path, 'r+');
    const { size } = await handle.stat();
    if (size > validBytes) {
      // Else the next records would land before leftover bytes that read as corruption later.
      await handle.truncate(validBytes);
      await handle.datasync();
    }
    return new DiskLogFile(path, handle);
  }

  /** Creates an empty log that replaces `path` whole: temporary file, fsync, rename, directory fsync. */
  static async create(path: string): Promise<DiskLogFile> {
    const tmp = temporaryName(path);
    const handle = await open(tmp, 'w', STATE_FILE_MODE);
    try {
      await handle.sync();
      await rename(tmp, path);
      await syncDirectory(dirname(path));
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new DiskLogFile(path, handle);
  }

  async write(data: Buffer, position: number): Promise<void> {
    for (let done = 0; done < data.length; ) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this.handle.datasync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
