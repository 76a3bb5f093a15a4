/**
 * No access pattern reads the whole table. By construction: the adapter's sources send no Scan
 * (every other file of this folder also records the commands its stores send and checks them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ADAPTER_DIR = join(import.meta.dirname, '../../../functions/adapters/dynamodb');

describe('the DynamoDB adapter', () => {
  it('never imports a Scan command', () => {
    // Prepare
    const files = readdirSync(ADAPTER_DIR).filter((name) => name.endsWith('.ts'));

    // Act
    const scanning = files.filter((name) => /\b(Scan|ParallelScan)Command\b|\bpaginateScan\b/.test(readFileSync(join(ADAPTER_DIR, name), 'utf8')));

    // Assess
    expect(files.length).toBeGreaterThan(5);
    expect(scanning).toEqual([]);
  });
});
