/**
 * Runs a kubectl-script step's script: `sh <script>` in a fresh private directory (mode 0700)
 * that holds the script and an authenticated kubeconfig (both 0600) and is removed afterwards,
 * whatever happens. The script gets a minimal environment — PATH with the kubectl binary's
 * directory first (the kubectl Lambda layer's /opt/kubectl on AWS), HOME and KUBECONFIG in that
 * directory — and never the Lambda's own environment, which holds its AWS credentials. stdin is
 * closed, so a command that reads it does not wait.
 *
 * Output (stdout and stderr interleaved, as a terminal shows them) is kept up to a bound; the
 * rest is counted, not kept, and the kept part ends at a line end so that no secret is cut in
 * half (a half is not recognised by the masking that follows). A script past its time is killed
 * with its whole process group.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ScriptRun, ScriptRunner } from '#functions/app/tasks/ports.ts';

/** 256 KiB of output is kept: a task log's worth; the rest is dropped with a note. */
export const MAX_SCRIPT_OUTPUT_BYTES = 256 * 1024;
/** Besides kubectl's directory: where `sh` and the usual tools are. */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
const PRIVATE_FILE = 0o600;
const NEWLINE = 0x0a;

export type ShellScriptRunnerOptions = {
  /** The kubectl binary: /opt/kubectl/kubectl from the layer on AWS, the repository's .tools/bin/kubectl locally. */
  kubectlPath: string;
  /** More directories for the PATH (the layer's /opt/helm). */
  extraPaths?: string[];
  maxOutputBytes?: number;
};

export class ShellScriptRunner implements ScriptRunner {
  constructor(private readonly options: ShellScriptRunnerOptions) {}

  async run(script: string, kubeconfig: string, timeoutMs: number): Promise<ScriptRun> {
    const dir = await mkdtemp(join(tmpdir(), 'conveyor-script-'));
    try {
      const kubeconfigPath = join(dir, 'kubeconfig');
      const scriptPath = join(dir, 'script.sh');
      await writeFile(kubeconfigPath, kubeconfig, { mode: PRIVATE_FILE, flag: 'wx' });
      await writeFile(scriptPath, script, { mode: PRIVATE_FILE, flag: 'wx' });
      const path = [dirname(this.options.kubectlPath), ...(this.options.extraPaths ?? []), SYSTEM_PATH].join(':');
      return await this.#spawn(scriptPath, { PATH: path, HOME: dir, KUBECONFIG: kubeconfigPath, LANG: 'C.UTF-8' }, dir, timeoutMs);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  #spawn(scriptPath: string, env: Record<string, string>, cwd: string, timeoutMs: number): Promise<ScriptRun> {
    const max = this.options.maxOutputBytes ?? MAX_SCRIPT_OUTPUT_BYTES;
    return new Promise((resolve, reject) => {
      const kept: Buffer[] = [];
      let keptBytes = 0;
      let dropped = 0;
      let timedOut = false;
      // Its own process group, so a timeout kills what the script started too.
      const child = spawn('sh', [scriptPath], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const collect = (chunk: Buffer) => {
        const room = max - keptBytes;
        if (room > 0) {
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          kept.push(part);
          keptBytes += part.length;
        }
        dropped += Math.max(0, chunk.length - Math.max(0, room));
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const timer = setTimeout(
        () => {
          timedOut = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        },
        Math.max(0, timeoutMs),
      );
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        let output = Buffer.concat(kept);
        if (dropped > 0) {
          // End at a line end: a secret cut in half would not be recognised by the masking.
          const end = output.lastIndexOf(NEWLINE);
          const cut = end >= 0 ? end + 1 : 0;
          dropped += output.length - cut;
          output = output.subarray(0, cut);
        }
        resolve({ exitCode: timedOut ? null : code, timedOut, output: output.toString('utf8'), droppedBytes: dropped });
      });
    });
  }
}
