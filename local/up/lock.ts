/**
 * One stack per data directory: two would share DynamoDB Local's database file, the sandbox's
 * journal and the executions on disk, and the second would end the first's java as a leftover.
 * The owner's pid and command line sit in `up.pid`; a start refuses while that process is still
 * the one that wrote it, and takes the file over from a process that is gone (killed, crashed).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.ts';

const LOCK_FILE = 'up.pid';

export class DataDirectoryBusyError extends Error {
  constructor(dataDir: string, pid: number) {
    super(`another conveyor up (pid ${pid}) runs on ${dataDir}: stop it (Ctrl-C in its terminal) or give this one another --data directory`);
    this.name = 'DataDirectoryBusyError';
  }
}

/** The command line of a live process, as /proc has it; undefined when it is gone (or there is no /proc). */
function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return undefined;
  }
}

const ownCommandLine = () => commandLineOf(process.pid) ?? process.argv.join(' ');

/** Takes the data directory for this process; `release()` gives it back. */
export function lockDataDirectory(dataDir: string): { release(): void } {
  const file = join(dataDir, LOCK_FILE);
  if (existsSync(file)) {
    const [pidText = '', ...rest] = readFileSync(file, 'utf8').split('\n');
    const pid = Number(pidText);
    const owner = rest.join('\n').trim();
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && commandLineOf(pid) === owner) throw new DataDirectoryBusyError(dataDir, pid);
  }
  writeFileAtomic(file, `${process.pid}\n${ownCommandLine()}\n`);
  return {
    release() {
      const current = existsSync(file) ? readFileSync(file, 'utf8').split('\n')[0] : undefined;
      if (current === String(process.pid)) rmSync(file, { force: true });
    },
  };
}
