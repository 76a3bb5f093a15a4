/**
 * Files the local services keep (the sandbox's state and credentials, the local Secrets
 * Manager's secrets) are written so that a crash at any moment leaves either the old or the
 * new content, never half of it: a temporary file, fsync, rename over the old one, fsync of the
 * directory (so the rename itself survives a power cut).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Named per process: two processes never share one, and a restarted one overwrites its own. */
export function temporaryName(file: string): string {
  return `${file}.${process.pid}.tmp`;
}

/** Writes `content` to `file` atomically (see the file comment), creating it with `mode`. */
export function writeFileAtomic(file: string, content: string | Uint8Array, mode = 0o644): void {
  const tmp = temporaryName(file);
  // A leftover from a crash would keep its old mode: start from a new file.
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dirFd = openSync(dirname(file), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** writeFileAtomic without blocking the event loop while the disk works. */
export async function writeFileAtomicAsync(file: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = temporaryName(file);
  // As above: a leftover from a crash would keep its old mode.
  await rm(tmp, { force: true });
  const handle = await open(tmp, 'w', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await syncDirectory(dirname(file));
}

/** fsync of a directory: makes a rename (or a new file) in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
