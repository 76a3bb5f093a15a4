/**
 * Bounded input: every -f file, stdin and the --variables file together may be at most
 * MAX_INPUT_BYTES. Endless sources (/dev/zero, an endless stdin) end within seconds, a 50 MB
 * file is refused from its size, and the message names the file and the limit. Binary data
 * and invalid UTF-8 are refused naming the file.
 */
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes, MAX_INPUT_BYTES } from '#domain/render/limits.ts';
import { type BadInput, fixture, inTeamA, env as shared } from './context.ts';

const settings = fixture('settings.yaml');
const F = ['-f', settings];
const MiB = 1024 * 1024;
const MB = 1000 * 1000;
/** Each under the limit, together over it. */
const PART_BYTES = 9 * MiB;
const LIMIT = formatBytes(MAX_INPUT_BYTES);
const SCOPE = `for all -f input and the --variables file together`;
const STOPPED = `too large: reading stopped at the limit of ${LIMIT} ${SCOPE}`;

const env = shared as typeof shared & { inputDir: string };
const file = (name: string) => join(env.inputDir, name);

/** YAML comment lines up to `bytes`: valid text, so only the size can be refused. */
function commentText(bytes: number): Buffer {
  const line = `# ${'x'.repeat(77)}\n`;
  return Buffer.from(line.repeat(Math.ceil(bytes / line.length))).subarray(0, bytes);
}

export async function setup(): Promise<void> {
  env.inputDir = join(env.dir, 'input');
  mkdirSync(join(env.inputDir, 'parts'), { recursive: true });
  mkdirSync(join(env.inputDir, 'mixed'));
  // Sparse: 50 MB of nothing on disk. Read, it would be refused as binary; it must be refused for its size, unread.
  writeFileSync(file('big.yaml'), '');
  truncateSync(file('big.yaml'), 50 * MB);
  writeFileSync(file('big-variables.yaml'), '');
  truncateSync(file('big-variables.yaml'), 20 * MB);
  const part = commentText(PART_BYTES);
  writeFileSync(file('parts/a.yaml'), part);
  writeFileSync(file('parts/b.yaml'), part);
  writeFileSync(file('binary.yaml'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
  writeFileSync(file('latin1.yaml'), Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n', 'latin1'));
  writeFileSync(file('utf16.yaml'), Buffer.from('\ufeffapiVersion: v1\nkind: ConfigMap\n', 'utf16le'));
  writeFileSync(file('binary-variables.yaml'), Buffer.from('Greeting: hi\n\0\0\0'));
  writeFileSync(file('mixed/a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n');
  writeFileSync(file('mixed/b.yaml'), Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: na\xefve\n', 'latin1'));
}

export const cases: BadInput[] = [
  // Endless sources end at the limit
  { name: '-f /dev/zero (endless)', process: true, args: () => ['-f', '/dev/zero', ...inTeamA], expect: [`/dev/zero: ${STOPPED}`] },
  { name: '-f /dev/urandom (endless, random bytes)', args: () => ['-f', '/dev/urandom', ...inTeamA], expect: [`/dev/urandom: ${STOPPED}`] },
  { name: '-f - with an endless stdin', process: true, stdinFile: '/dev/zero', args: () => ['-f', '-', ...inTeamA], expect: [`<stdin>: ${STOPPED}`] },
  { name: '--variables /dev/zero', process: true, args: () => [...F, ...inTeamA, '--variables', '/dev/zero'], expect: [`/dev/zero: ${STOPPED}`] },
  { name: '--variables - with an endless stdin', process: true, stdinFile: '/dev/zero', args: () => [...F, ...inTeamA, '--variables', '-'], expect: [`<stdin>: ${STOPPED}`] },
  // Regular files refused from their size, before reading
  { name: 'a 50 MB manifest file', process: true, args: () => ['-f', file('big.yaml'), ...inTeamA], expect: () => [`${file('big.yaml')}: too large: 47.7 MiB, over the limit of ${LIMIT} ${SCOPE}`] },
  {
    name: 'a 20 MB --variables file',
    args: () => [...F, ...inTeamA, '--variables', file('big-variables.yaml')],
    expect: () => [`${file('big-variables.yaml')}: too large: 19.1 MiB, over the limit of ${LIMIT}`],
  },
  {
    name: 'two -f files under the limit each, over it together',
    args: () => ['-f', file('parts/a.yaml'), '-f', file('parts/b.yaml'), ...inTeamA],
    expect: () => [`${file('parts/b.yaml')}: too large: 9 MiB, over the limit of ${LIMIT} ${SCOPE}; 9 MiB were read before it`],
  },
  {
    name: 'a -f directory whose files are over the limit together',
    args: () => ['-f', file('parts'), ...inTeamA],
    expect: () => [`${file('parts/b.yaml')}: too large: 9 MiB, over the limit of ${LIMIT}`],
  },
  // Not text
  { name: 'a binary manifest (PNG)', args: () => ['-f', file('binary.yaml'), ...inTeamA], expect: () => [`${file('binary.yaml')}: not a text file: it holds a NUL byte (at byte 8)`] },
  {
    name: 'a manifest in Latin-1 (invalid UTF-8)',
    process: true,
    args: () => ['-f', file('latin1.yaml'), ...inTeamA],
    expect: () => [`${file('latin1.yaml')}: not a text file: it is not valid UTF-8`],
  },
  { name: 'a manifest in UTF-16', args: () => ['-f', file('utf16.yaml'), ...inTeamA], expect: () => [`${file('utf16.yaml')}: not a text file: it holds a NUL byte`] },
  {
    name: 'a binary --variables file',
    args: () => [...F, ...inTeamA, '--variables', file('binary-variables.yaml')],
    expect: () => [`${file('binary-variables.yaml')}: not a text file: it holds a NUL byte (at byte 13)`],
  },
  {
    name: 'binary data on stdin',
    process: true,
    stdin: 'apiVersion: v1\n\0kind: ConfigMap\n',
    args: () => ['-f', '-', ...inTeamA],
    expect: ['<stdin>: not a text file: it holds a NUL byte (at byte 15)'],
  },
  { name: 'a -f directory with one file in Latin-1', args: () => ['-f', file('mixed'), ...inTeamA], expect: () => [`${file('mixed/b.yaml')}: not a text file: it is not valid UTF-8`] },
  // Stdin once
  {
    name: '-f - twice',
    process: true,
    stdin: 'kind: A\n',
    args: () => ['-f', '-', '-f', '-', ...inTeamA],
    expect: ["'-' (stdin) is given 2 times to -f and --variables: standard input can be read only once"],
  },
  { name: '-f - with --variables -', process: true, stdin: 'kind: A\n', args: () => ['-f', '-', ...inTeamA, '--variables', '-'], expect: ["'-' (stdin) is given 2 times"] },
];
