/**
 * The write-ahead log on its own: the frame format (torn tails ignored, corruption reported
 * with file and offset), group commit (records arriving during an fsync share the next one),
 * strict order, failures, and the switch to a new file on compaction.
 */
import { describe, expect, it } from 'vitest';
import { CorruptLogError, LogWriteError } from '#sandbox/errors.ts';
import { type ChangeRecord, decodeLog, encodeFrame, type LogFile, WriteAheadLog } from '#sandbox/wal.ts';
import { MemoryLogFile } from './memory-log-file.ts';

const FILE = '/data/state.log';
const NEVER = Number.MAX_SAFE_INTEGER;

function change(rv: number, name = `cm-${rv}`): ChangeRecord {
  return { rv, resource: '/configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: String(rv) }, data: { value: `v${rv}` } } };
}

function logOf(...records: ChangeRecord[]): Buffer {
  return Buffer.concat(records.map(encodeFrame));
}

function rvsIn(data: Buffer): number[] {
  return decodeLog(data, FILE).records.map(({ record }) => record.rv);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Tracks whether a promise has settled yet. */
function track(promise: Promise<void>): { settled: () => boolean; promise: Promise<void> } {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  return { settled: () => settled, promise: tracked };
}

describe('the log frame format', () => {
  it('reads back every record in order, with the offset of its frame', () => {
    // Prepare
    const records = [change(1), { rv: 2, resource: '/configmaps', removed: { namespace: 'default', name: 'cm-1' } } as ChangeRecord, change(3)];
    const data = logOf(...records);

    // Act
    const decoded = decodeLog(data, FILE);

    // Assess
    expect(decoded.records.map((r) => r.record)).toEqual(records);
    expect(decoded.records.map((r) => r.offset)).toEqual([0, encodeFrame(records[0]!).length, encodeFrame(records[0]!).length + encodeFrame(records[1]!).length]);
    expect(decoded).toMatchObject({ validBytes: data.length, tornBytes: 0 });
  });

  it('ignores a last record cut short at any byte, as a kill mid-write leaves it', () => {
    // Prepare
    const whole = logOf(change(1), change(2));
    const last = encodeFrame(change(3));

    for (let cut = 1; cut < last.length; cut++) {
      // Act
      const decoded = decodeLog(Buffer.concat([whole, last.subarray(0, cut)]), FILE);

      // Assess
      expect(
        decoded.records.map((r) => r.record.rv),
        `cut after ${cut} bytes`,
      ).toEqual([1, 2]);
      expect(decoded).toMatchObject({ validBytes: whole.length, tornBytes: cut });
    }
  });

  it('ignores a zero-filled tail and a last record whose payload never fully reached the disk', () => {
    // Prepare
    const whole = logOf(change(1));
    const last = encodeFrame(change(2));
    last[last.length - 3] ^= 0xff;

    // Act
    const zeros = decodeLog(Buffer.concat([whole, Buffer.alloc(4096)]), FILE);
    const garbled = decodeLog(Buffer.concat([whole, last]), FILE);

    // Assess
    expect(zeros).toMatchObject({ validBytes: whole.length, tornBytes: 4096 });
    expect(zeros.records).toHaveLength(1);
    expect(garbled).toMatchObject({ validBytes: whole.length, tornBytes: last.length });
  });

  it('reports a damaged record before the end with the file and its offset', () => {
    // Prepare
    const first = encodeFrame(change(1));
    const badPayload = Buffer.concat([first, encodeFrame(change(2)), encodeFrame(change(3))]);
    badPayload[first.length + 20] ^= 0x01;
    const badLength = Buffer.concat([first, encodeFrame(change(2)), encodeFrame(change(3))]);
    badLength[first.length + 1] ^= 0x01;

    // Act / Assess
    expect(() => decodeLog(badPayload, FILE)).toThrow(CorruptLogError);
    expect(() => decodeLog(badPayload, FILE)).toThrow(`${FILE}: corrupt change log at byte offset ${first.length}: record checksum mismatch`);
    // A damaged length must not pass for a record running past the end (a torn tail).
    expect(() => decodeLog(badLength, FILE)).toThrow(`${FILE}: corrupt change log at byte offset ${first.length}: record header checksum mismatch`);
  });
});

describe('the write-ahead log', () => {
  const noCompaction = { compactAtBytes: NEVER, compact: () => Promise.reject(new Error('no compaction expected')) };

  it('answers at once when nothing is waiting for the disk', async () => {
    // Prepare
    const file = new MemoryLogFile();
    const wal = new WriteAheadLog(file, 0, noCompaction);

    // Act
    await wal.durable();

    // Assess
    expect(file.syncs).toBe(0);
  });

  it('writes the changes of one event-loop turn with one write and one fsync', async () => {
    // Prepare
    const file = new MemoryLogFile();
    const wal = new WriteAheadLog(file, 0, noCompaction);

    // Act
    const waits = Array.from({ length: 50 }, (_, i) => {
      wal.append(change(i + 1));
      return wal.durable();
    });
    await Promise.all(waits);

    // Assess
    expect(file.writes).toHaveLength(1);
    expect(file.syncs).toBe(1);
    expect(rvsIn(file.data)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('holds back answers until the fsync, and batches records arriving during one into the next', async () => {
    // Prepare: the first record's fsync is in progress and held.
    const file = new MemoryLogFile();
    const wal = new WriteAheadLog(file, 0, noCompaction);
    file.hold();
    const syncing = file.nextSync();
    wal.append(change(1));
    const first = track(wal.durable());
    await syncing;

    // Act: 49 more records, each in its own event-loop turn (as concurrent requests arrive).
    const later = [];
    for (let rv = 2; rv <= 50; rv++) {
      wal.append(change(rv));
      later.push(track(wal.durable()));
      await nextTurn();
    }
    const answeredWhileHeld = [first, ...later].filter((w) => w.settled()).length;
    file.release();
    await Promise.all([first.promise, ...later.map((w) => w.promise)]);

    // Assess: two fsyncs in all, the second covering all 49 records in one write.
    expect(answeredWhileHeld).toBe(0);
    expect(file.syncs).toBe(2);
    expect(file.writes).toEqual([encodeFrame(change(1)).length, logOf(...Array.from({ length: 49 }, (_, i) => change(i + 2))).length]);
    expect(rvsIn(file.data)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(file.durableBytes).toBe(file.data.length);
  });

  it('fails every waiting and later write once an fsync fails, naming the file', async () => {
    // Prepare
    const file = new MemoryLogFile();
    const wal = new WriteAheadLog(file, 0, noCompaction);
    file.failSyncsWith = new Error('EIO: i/o error, fdatasync');

    // Act
    wal.append(change(1));
    const waiting = wal.durable();
    await expect(waiting).rejects.toThrow(LogWriteError);
    file.failSyncsWith = undefined;
    wal.append(change(2));
    const later = wal.durable();

    // Assess
    await expect(waiting).rejects.toThrow(`writing the change log ${file.path} failed: EIO: i/o error, fdatasync`);
    await expect(later).rejects.toThrow(LogWriteError);
    expect(file.syncs).toBe(0);
  });

  it('switches to the file compaction returns after the round that crosses the threshold, in order', async () => {
    // Prepare: every round crosses the threshold; records 2 and 3 arrive during the first fsync.
    const files = [new MemoryLogFile('/data/log-0')];
    const compactedAfter: number[] = [];
    let appended = 0;
    const wal = new WriteAheadLog(files[0]!, 0, {
      compactAtBytes: 1,
      compact: async () => {
        compactedAfter.push(appended);
        files.push(new MemoryLogFile(`/data/log-${files.length}`));
        return files.at(-1)! as LogFile;
      },
    });
    files[0]!.hold();
    const syncing = files[0]!.nextSync();
    wal.append(change(++appended));
    await syncing;

    // Act
    wal.append(change(++appended));
    wal.append(change(++appended));
    const done = wal.durable();
    files[0]!.release();
    await done;
    await wal.close(false);

    // Assess
    expect(rvsIn(files[0]!.data)).toEqual([1]);
    expect(rvsIn(files[1]!.data)).toEqual([2, 3]);
    expect(files[2]!.data).toHaveLength(0);
    expect(compactedAfter).toEqual([3, 3]);
    expect(files.map((f) => f.closed)).toEqual([true, true, true]);
  });

  it('on close, waits for pending records, compacts once more and closes the file', async () => {
    // Prepare
    const file = new MemoryLogFile();
    const next = new MemoryLogFile('/data/next');
    let compactions = 0;
    const wal = new WriteAheadLog(file, 0, {
      compactAtBytes: NEVER,
      compact: async () => {
        compactions++;
        return next;
      },
    });
    wal.append(change(1));

    // Act
    await wal.close(true);

    // Assess
    expect(rvsIn(file.data)).toEqual([1]);
    expect(file.durableBytes).toBe(file.data.length);
    expect(compactions).toBe(1);
    expect([file.closed, next.closed]).toEqual([true, true]);
  });
});
