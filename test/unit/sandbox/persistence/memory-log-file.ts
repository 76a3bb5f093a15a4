/**
 * A LogFile in memory, for tests of the write-ahead log: it records each write and fsync,
 * can hold fsyncs until released (to make records arrive while one is in progress), and can
 * fail them.
 */
import type { LogFile } from '#sandbox/wal.ts';

export class MemoryLogFile implements LogFile {
  /** Everything written, in file order. */
  data = Buffer.alloc(0);
  /** The prefix of `data` that an fsync has covered: what a crash would keep. */
  durableBytes = 0;
  /** Byte length of each write call, in order. */
  readonly writes: number[] = [];
  syncs = 0;
  closed = false;
  /** When set, fsyncs reject with it. */
  failSyncsWith: Error | undefined;
  private held: { promise: Promise<void>; release: () => void } | undefined;
  private syncStarted: (() => void)[] = [];

  constructor(readonly path = '/memory/state.log') {}

  /** Makes the following fsyncs wait until `release()`. */
  hold(): void {
    let release!: () => void;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.held = { promise, release };
  }

  release(): void {
    this.held?.release();
    this.held = undefined;
  }

  /** Resolves when the next fsync starts. */
  nextSync(): Promise<void> {
    return new Promise((resolve) => this.syncStarted.push(resolve));
  }

  async write(data: Buffer, position: number): Promise<void> {
    if (this.closed) throw new Error('write after close');
    if (position !== this.data.length) throw new Error(`write at ${position}, but the file has ${this.data.length} bytes`);
    this.data = Buffer.concat([this.data, data]);
    this.writes.push(data.length);
  }

  async sync(): Promise<void> {
    for (const started of this.syncStarted.splice(0)) started();
    if (this.held) await this.held.promise;
    if (this.failSyncsWith) throw this.failSyncsWith;
    this.syncs++;
    this.durableBytes = this.data.length;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
