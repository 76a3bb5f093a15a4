/**
 * The data directory as a kill would leave it: snapshot plus change log, replayed on load;
 * torn and corrupt logs; every window of a compaction (files built the way a process killed
 * between two of its steps leaves them); and compaction itself. Real files in a temporary
 * directory, no network.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptLogError } from '#sandbox/errors.ts';
import { LOG_FILE, Persistence, readDurableState, SNAPSHOT_FILE } from '#sandbox/persistence.ts';
import { ObjectStore } from '#sandbox/store.ts';
import type { KubeObject } from '#sandbox/types.ts';
import { type ChangeRecord, decodeLog, encodeFrame } from '#sandbox/wal.ts';

const CONFIGMAPS = '/configmaps';
/** What a killed process with another pid leaves behind. */
const STRAY_PID = 999_999;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-wal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configMap(name: string, value: string, rv?: number): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...(rv ? { resourceVersion: String(rv) } : {}) }, data: { value } };
}

function written(rv: number, name: string, value: string): ChangeRecord {
  return { rv, resource: CONFIGMAPS, object: configMap(name, value, rv) };
}

function removed(rv: number, name: string): ChangeRecord {
  return { rv, resource: CONFIGMAPS, removed: { namespace: 'default', name } };
}

function writeSnapshot(rv: number, objects: KubeObject[]): void {
  writeFileSync(join(dir, SNAPSHOT_FILE), JSON.stringify({ format: 1, resourceVersion: rv, objects: objects.map((o) => [CONFIGMAPS, o]) }));
}

function writeLog(records: ChangeRecord[], file = LOG_FILE): Buffer {
  const data = Buffer.concat(records.map(encodeFrame));
  writeFileSync(join(dir, file), data);
  return data;
}

/** name -> data.value of the ConfigMaps in a store, and its resourceVersion. */
function contentOf(store: ObjectStore): { rv: number; values: Record<string, string> } {
  return { rv: store.resourceVersion, values: Object.fromEntries(store.list(CONFIGMAPS).map((o) => [o.metadata.name!, o.data.value])) };
}

function durableContent(): { rv: number; values: Record<string, string> } {
  const state = readDurableState(dir);
  return { rv: state.resourceVersion, values: Object.fromEntries(state.objects.map(([, o]) => [o.metadata.name!, o.data.value])) };
}

async function openStore(options: { compactAtBytes?: number; log?: (m: string) => void } = {}): Promise<{ store: ObjectStore; persistence: Persistence }> {
  const store = new ObjectStore();
  const persistence = await Persistence.open(dir, store, options);
  return { store, persistence };
}

describe('loading a data directory', () => {
  it('replays the log records newer than the snapshot (writes and removals)', async () => {
    // Prepare: the snapshot covers rv 3; the log still has rv 2 and 3 before the newer ones.
    writeSnapshot(3, [configMap('a', 'a1', 2), configMap('b', 'b1', 3)]);
    writeLog([written(2, 'a', 'stale'), written(3, 'b', 'stale'), written(4, 'c', 'c1'), written(5, 'b', 'b2'), removed(6, 'a')]);

    // Act
    const { store, persistence } = await openStore();

    // Assess
    expect(contentOf(store)).toEqual({ rv: 6, values: { b: 'b2', c: 'c1' } });
    expect(store.get(CONFIGMAPS, 'default', 'b')?.metadata.resourceVersion).toBe('5');
    await persistence.close();
  });

  it('journals every change in resourceVersion order, even one a subscriber makes from its callback', async () => {
    // Prepare: a subscriber that writes a mirror object for every ConfigMap written.
    const { store, persistence } = await openStore();
    store.subscribe((event) => {
      if (event.type !== 'DELETED' && !event.object.metadata.name!.startsWith('mirror-')) store.write(CONFIGMAPS, configMap(`mirror-${event.object.metadata.name}`, event.object.data.value));
    });

    // Act
    store.write(CONFIGMAPS, configMap('a', '1'));
    store.write(CONFIGMAPS, configMap('b', '2'));
    store.remove(CONFIGMAPS, 'default', 'a');
    await persistence.synced();

    // Assess: readable as is, as after a kill (no close, no snapshot).
    const log = decodeLog(readFileSync(join(dir, LOG_FILE)), LOG_FILE);
    expect(log.records.map((r) => r.record.rv)).toEqual([1, 2, 3, 4, 5]);
    expect(existsSync(join(dir, SNAPSHOT_FILE))).toBe(false);
    expect(durableContent()).toEqual({ rv: 5, values: { 'mirror-a': '1', b: '2', 'mirror-b': '2' } });
    await persistence.close();
  });

  it('ignores an incomplete last record and appends the next changes after the whole ones', async () => {
    // Prepare: a kill in the middle of writing rv 3.
    const whole = writeLog([written(1, 'a', 'a1'), written(2, 'b', 'b1')]);
    const torn = encodeFrame(written(3, 'c', 'never answered'));
    writeFileSync(join(dir, LOG_FILE), Buffer.concat([whole, torn.subarray(0, torn.length - 7)]));
    const messages: string[] = [];

    // Act
    const { store, persistence } = await openStore({ log: (m) => messages.push(m) });
    store.write(CONFIGMAPS, configMap('d', 'd1'));
    await persistence.synced();

    // Assess: rv 3 is reused by the next change, and the log reads back whole.
    expect(messages).toEqual([`${join(dir, LOG_FILE)}: ignoring an incomplete last record (${torn.length - 7} bytes), never acknowledged`]);
    expect(durableContent()).toEqual({ rv: 3, values: { a: 'a1', b: 'b1', d: 'd1' } });
    expect(decodeLog(readFileSync(join(dir, LOG_FILE)), LOG_FILE).tornBytes).toBe(0);
    await persistence.close();
  });

  it('refuses a log with a corrupt record before its end, naming the file and offset', async () => {
    // Prepare
    const first = encodeFrame(written(1, 'a', 'a1'));
    const data = writeLog([written(1, 'a', 'a1'), written(2, 'b', 'b1'), written(3, 'c', 'c1')]);
    data[first.length + 30] ^= 0x20;
    writeFileSync(join(dir, LOG_FILE), data);

    // Act
    const opening = openStore();

    // Assess
    await expect(opening).rejects.toThrow(CorruptLogError);
    await expect(opening).rejects.toThrow(`${join(dir, LOG_FILE)}: corrupt change log at byte offset ${first.length}: record checksum mismatch`);
  });

  it('refuses a log that skips resourceVersions after the snapshot', async () => {
    // Prepare: rv 3 is in neither file.
    writeSnapshot(2, [configMap('a', 'a1', 1), configMap('b', 'b1', 2)]);
    writeLog([written(4, 'c', 'c1'), written(5, 'd', 'd1')]);

    // Act / Assess
    await expect(openStore()).rejects.toThrow(`${join(dir, LOG_FILE)}: corrupt change log at byte offset 0: resourceVersion 4 follows 2: the changes in between are missing`);
  });
});

describe('a kill during compaction', () => {
  // Before every window: rv 1..4 are in the log; compaction captured the store at rv 5, when
  // rv 5 was still waiting for its round (so it is in no log).
  const logged = [written(1, 'a', 'a1'), written(2, 'b', 'b1'), written(3, 'a', 'a2'), removed(4, 'b')];
  const atFive = [configMap('a', 'a2', 3), configMap('c', 'c1', 5)];

  it('while writing the snapshot: the old snapshot and the log hold everything', async () => {
    // Prepare: an old snapshot at rv 1, a half-written temporary snapshot, the log.
    writeSnapshot(1, [configMap('a', 'a1', 1)]);
    writeFileSync(join(dir, `${SNAPSHOT_FILE}.${STRAY_PID}.tmp`), '{"format":1,"resourceVersion":5,"objects":[["/configmaps",{"api');
    writeLog(logged);

    // Act
    const { store, persistence } = await openStore();

    // Assess
    expect(contentOf(store)).toEqual({ rv: 4, values: { a: 'a2' } });
    await persistence.close();
  });

  it('after the snapshot, before the new log (with or without its temporary file): old records are skipped', async () => {
    for (const strayLog of [false, true]) {
      // Prepare
      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), 'conveyor-wal-'));
      writeSnapshot(5, atFive);
      writeLog(logged);
      if (strayLog) writeFileSync(join(dir, `${LOG_FILE}.${STRAY_PID}.tmp`), '');

      // Act: load, then a new change goes to the old log after its skipped records.
      const { store, persistence } = await openStore();
      const loaded = contentOf(store);
      store.write(CONFIGMAPS, configMap('d', 'd1'));
      await persistence.synced();

      // Assess
      expect(loaded, `stray log: ${strayLog}`).toEqual({ rv: 5, values: { a: 'a2', c: 'c1' } });
      expect(durableContent()).toEqual({ rv: 6, values: { a: 'a2', c: 'c1', d: 'd1' } });
      await persistence.close();
    }
  });

  it('after the new log replaced the old: the snapshot, then the records above it', async () => {
    // Prepare: the new log starts with rv 5 (appended before the capture), then rv 6.
    writeSnapshot(5, atFive);
    writeLog([written(5, 'c', 'c1'), written(6, 'a', 'a3')]);

    // Act
    const { store, persistence } = await openStore();

    // Assess
    expect(contentOf(store)).toEqual({ rv: 6, values: { a: 'a3', c: 'c1' } });
    await persistence.close();
  });
});

describe('compaction', () => {
  it('past the threshold, writes a snapshot and starts an empty log; the state reads back the same', async () => {
    // Prepare: a threshold a few records cross.
    const { store, persistence } = await openStore({ compactAtBytes: 2_000 });

    // Act: changes in separate turns, each waited for, as requests would.
    for (let i = 0; i < 30; i++) {
      store.write(CONFIGMAPS, configMap(`cm-${i % 12}`, `${i}-${'x'.repeat(100)}`));
      if (i % 7 === 6) store.remove(CONFIGMAPS, 'default', `cm-${i % 12}`);
      await persistence.synced();
    }

    // Assess
    const snapshot = JSON.parse(readFileSync(join(dir, SNAPSHOT_FILE), 'utf8'));
    expect(snapshot.resourceVersion).toBeGreaterThan(0);
    expect(statSync(join(dir, LOG_FILE)).size).toBeLessThan(2_000 + 1_000);
    expect(durableContent()).toEqual(contentOf(store));
    await persistence.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('on close, leaves a snapshot at the last resourceVersion and an empty log', async () => {
    // Prepare
    const { store, persistence } = await openStore();
    store.write(CONFIGMAPS, configMap('a', 'a1'));
    store.write(CONFIGMAPS, configMap('b', 'b1'));

    // Act
    await persistence.close();

    // Assess
    const snapshot = JSON.parse(readFileSync(join(dir, SNAPSHOT_FILE), 'utf8'));
    expect(snapshot).toMatchObject({ format: 1, resourceVersion: 2 });
    expect(statSync(join(dir, LOG_FILE)).size).toBe(0);
    const reopened = await openStore();
    expect(contentOf(reopened.store)).toEqual({ rv: 2, values: { a: 'a1', b: 'b1' } });
    await reopened.persistence.close();
  });
});
