/**
 * cli/apply/input.ts: what `conveyor apply` reads (-f FILE, -f DIR, -f -, --variables), bounded
 * all together: regular files refused from their size, streams read only one byte past the
 * limit, binary and invalid UTF-8 refused naming the file. No network; files in a temp dir,
 * devices from /dev and /proc.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyBudget, cannotRead, InputBudget, readApplyInput, readText, STDIN, UnreadableInputError } from '#cli/apply/input.ts';
import { UsageError } from '#cli/errors.ts';
import { MAX_INPUT_BYTES } from '#domain/render/limits.ts';

const MB = 1000 * 1000;

let dir: string;
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** This thread's count of bytes returned by read calls (Linux: /proc/thread-self/io, `rchar`). */
function bytesReadSoFar(): { rchar: number; reportBytes: number } {
  const report = readFileSync('/proc/thread-self/io', 'utf8');
  return { rchar: Number(/^rchar: (\d+)$/m.exec(report)![1]), reportBytes: Buffer.byteLength(report) };
}

/**
 * Bytes `work` read (it runs synchronously, so no other read of this thread is counted), and
 * what it threw. The count of the second report includes the first report's own bytes.
 */
function bytesReadBy(work: () => unknown): { bytes: number; error: unknown } {
  const before = bytesReadSoFar();
  let error: unknown;
  try {
    work();
  } catch (thrown) {
    error = thrown;
  }
  return { bytes: bytesReadSoFar().rchar - before.rchar - before.reportBytes, error };
}

/** The error `read` throws (fails the test when it returns). */
function refusal(read: () => unknown): UsageError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected the input to be refused');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-input-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readApplyInput', () => {
  it("reads -f files in order, a directory's manifests sorted (others skipped), and the variables file", () => {
    // Prepare
    const first = file('first.yaml', 'kind: A\n');
    const manifests = join(dir, 'manifests');
    mkdirSync(manifests);
    writeFileSync(join(manifests, 'b.json'), '{"kind":"B"}');
    writeFileSync(join(manifests, 'a.yml'), 'kind: C\n');
    writeFileSync(join(manifests, 'notes.txt'), 'not a manifest');
    const variables = file('variables.yaml', 'Greeting: grüß dich ✓\n');

    // Act
    const input = readApplyInput({ files: [first, manifests], variablesFile: variables });

    // Assess
    expect(input.manifests).toEqual([
      { name: first, content: 'kind: A\n' },
      { name: join(manifests, 'a.yml'), content: 'kind: C\n' },
      { name: join(manifests, 'b.json'), content: '{"kind":"B"}' },
    ]);
    expect(input.variables).toEqual({ file: variables, text: 'Greeting: grüß dich ✓\n' });
  });

  it('reads stdin for "-", named <stdin>', () => {
    // Prepare: a file's descriptor stands in for stdin.
    const fd = openSync(file('piped.yaml', 'kind: Piped\n'), 'r');

    // Act
    let input;
    try {
      input = readApplyInput({ files: [STDIN], stdinFd: fd });
    } finally {
      closeSync(fd);
    }

    // Assess
    expect(input.manifests).toEqual([{ name: '<stdin>', content: 'kind: Piped\n' }]);
  });

  it('refuses "-" twice before reading anything: stdin can be read once', () => {
    // Prepare: an endless stdin, which reading would take to the limit.
    const fd = openSync('/dev/zero', 'r');

    // Act
    const error = (() => {
      try {
        return refusal(() => readApplyInput({ files: [STDIN], variablesFile: STDIN, stdinFd: fd }));
      } finally {
        closeSync(fd);
      }
    })();

    // Assess
    expect(error.message).toBe("'-' (stdin) is given 2 times to -f and --variables: standard input can be read only once");
  });

  it('refuses a 50 MB regular file from its size, naming it and the limit', () => {
    // Prepare: sparse, so it costs no disk; read, it would be refused as binary (all NULs), not for its size.
    const big = join(dir, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, 50 * MB);

    // Act
    const { bytes, error } = bytesReadBy(() => readApplyInput({ files: [big] }));

    // Assess: refused from its size, without reading a byte of it.
    expect(error).toBeInstanceOf(UnreadableInputError);
    expect((error as Error).message).toBe(`${big}: too large: 47.7 MiB, over the limit of 16 MiB for all -f input and the --variables file together`);
    expect(bytes).toBe(0);
  });

  it('stops reading an endless device one byte past the limit', () => {
    // Act
    const { bytes, error } = bytesReadBy(() => readApplyInput({ files: ['/dev/zero'] }));

    // Assess: read exactly one byte more than the limit allows, which proves it too large.
    expect(error).toBeInstanceOf(UnreadableInputError);
    expect((error as Error).message).toBe('/dev/zero: too large: reading stopped at the limit of 16 MiB for all -f input and the --variables file together');
    expect(bytes).toBe(MAX_INPUT_BYTES + 1);
  });

  it('stops reading an endless stdin at the limit', () => {
    // Prepare
    const fd = openSync('/dev/zero', 'r');

    // Act
    let read: ReturnType<typeof bytesReadBy>;
    try {
      read = bytesReadBy(() => readApplyInput({ files: [STDIN], stdinFd: fd }, applyBudget(1024)));
    } finally {
      closeSync(fd);
    }

    // Assess
    expect(read.error).toBeInstanceOf(UnreadableInputError);
    expect((read.error as Error).message).toBe('<stdin>: too large: reading stopped at the limit of 1 KiB for all -f input and the --variables file together');
    expect(read.bytes).toBe(1024 + 1);
  });

  it('counts all inputs together and names the one that goes over, with what came before it', () => {
    // Prepare
    const a = file('a.yaml', 'x'.repeat(600));
    const b = file('b.yaml', 'y'.repeat(600));

    // Act
    const error = refusal(() => readApplyInput({ files: [a, b] }, applyBudget(1000)));

    // Assess
    expect(error.message).toBe(`${b}: too large: 600 bytes, over the limit of 1000 bytes for all -f input and the --variables file together; 600 bytes were read before it`);
  });

  it('counts the variables file in the same budget', () => {
    // Prepare
    const manifest = file('m.yaml', 'x'.repeat(600));
    const variables = file('v.yaml', 'y'.repeat(600));

    // Act
    const error = refusal(() => readApplyInput({ files: [manifest], variablesFile: variables }, applyBudget(1000)));

    // Assess: the variables file is read first, so the manifest goes over.
    expect((error as UnreadableInputError).file).toBe(manifest);
  });

  it('accepts input of exactly the limit', () => {
    // Prepare
    const exact = file('exact.yaml', 'z'.repeat(1000));

    // Act
    const input = readApplyInput({ files: [exact] }, applyBudget(1000));

    // Assess
    expect(input.manifests[0]!.content).toHaveLength(1000);
  });

  it('bounds a file whose size says nothing (/proc reports 0 bytes)', () => {
    // Act
    const error = refusal(() => readText('/proc/self/status', new InputBudget(10, 'the test')));

    // Assess
    expect(error.message).toBe('/proc/self/status: too large: reading stopped at the limit of 10 bytes for the test');
  });

  it('uses the real limit by default', () => {
    expect(applyBudget().limit).toBe(MAX_INPUT_BYTES);
  });
});

describe('readText refuses what is not UTF-8 text, naming the file', () => {
  it.each([
    ['a NUL byte', Buffer.from('kind: A\n\0\n'), 'not a text file: it holds a NUL byte (at byte 8); expected UTF-8 text'],
    ['a PNG header', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]), 'not a text file: it holds a NUL byte (at byte 8)'],
    ['UTF-16 (a BOM and NULs)', Buffer.from('\ufeffkind: A\n', 'utf16le'), 'not a text file: it holds a NUL byte (at byte 3)'],
    ['Latin-1 (invalid UTF-8)', Buffer.from('name: caf\xe9\n', 'latin1'), 'not a text file: it is not valid UTF-8; expected UTF-8 text'],
    ['a truncated UTF-8 sequence', Buffer.from([0x6b, 0x3a, 0x20, 0xe2, 0x9c]), 'not a text file: it is not valid UTF-8'],
  ])('%s', (what, bytes, reason) => {
    // Prepare
    const path = file(`${what.replace(/\W+/g, '-')}.yaml`, bytes);

    // Act
    const error = refusal(() => readApplyInput({ files: [path] }));

    // Assess
    expect(error.message).toContain(`${path}: ${reason}`);
  });
});

describe('paths that cannot be read', () => {
  it('a -f path that does not exist', () => {
    const missing = join(dir, 'missing.yaml');

    expect(refusal(() => readApplyInput({ files: [missing] })).message).toBe(`${missing}: no such file or directory`);
  });

  it('a directory without manifests', () => {
    // Prepare
    const empty = join(dir, 'empty');
    mkdirSync(empty);

    // Act
    const error = refusal(() => readApplyInput({ files: [empty] }));

    // Assess
    expect(error.message).toBe(`${empty}: the directory holds no .yaml, .yml or .json file`);
  });

  it('a --variables path that is a directory, or missing', () => {
    expect(refusal(() => readApplyInput({ files: [], variablesFile: dir })).message).toBe(`${dir}: cannot read: EISDIR (a directory)`);
    expect(refusal(() => readApplyInput({ files: [], variablesFile: join(dir, 'nope') })).message).toBe(`${join(dir, 'nope')}: cannot read: ENOENT (no such file or directory)`);
  });

  it('says what an error code means, and falls back to the message', () => {
    expect(cannotRead(Object.assign(new Error('x'), { code: 'EACCES' }))).toBe('cannot read: EACCES (permission denied)');
    expect(cannotRead(Object.assign(new Error('x'), { code: 'EIO' }))).toBe('cannot read: EIO');
    expect(cannotRead(new Error('odd'))).toBe('cannot read: odd');
  });
});
