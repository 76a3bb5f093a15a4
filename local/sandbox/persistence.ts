/**
 * Keeps the store on disk when the sandbox runs with --data DIR. The whole state is written
 * as one snapshot to a temporary file, flushed, then renamed over the previous one: a kill
 * at any moment leaves either the old or the new snapshot, never a half-written file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectStore } from './store.ts';
import type { KubeObject } from './types.ts';

const SNAPSHOT_FILE = 'state.json';
const SNAPSHOT_FORMAT = 1;
/** Writes are batched: a burst of changes costs one snapshot. */
const SAVE_DELAY_MS = 100;

type Snapshot = { format: number; resourceVersion: number; objects: [string, KubeObject][] };

export class SnapshotPersistence {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Loads the last snapshot into the store; returns false when there is none. */
  load(store: ObjectStore): boolean {
    const file = join(this.dir, SNAPSHOT_FILE);
    if (!existsSync(file)) return false;
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    if (snapshot.format !== SNAPSHOT_FORMAT) throw new Error(`${file}: unsupported snapshot format ${snapshot.format}`);
    store.restore(snapshot.resourceVersion, snapshot.objects);
    return true;
  }

  /** Saves after every burst of changes until `stop`. */
  follow(store: ObjectStore): void {
    this.unsubscribe = store.subscribe(() => {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.save(store);
      }, SAVE_DELAY_MS);
    });
  }

  /** Stops following and writes the final state (used on SIGINT/SIGTERM). */
  stop(store: ObjectStore): void {
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.save(store);
  }

  save(store: ObjectStore): void {
    const snapshot: Snapshot = { format: SNAPSHOT_FORMAT, resourceVersion: store.resourceVersion, objects: [...store.entries()] };
    writeFileAtomic(join(this.dir, SNAPSHOT_FILE), JSON.stringify(snapshot));
  }
}

/** tmp file + fsync + rename + directory fsync: the file is either the old or the new one. */
export function writeFileAtomic(file: string, content: string | Uint8Array, mode = 0o644): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(join(file, '..'), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
