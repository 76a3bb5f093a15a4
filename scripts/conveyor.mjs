// Runs the `conveyor` CLI from an esbuild bundle of cli/main.ts. A long-running command such
// as `conveyor sandbox` then carries no TypeScript loader (tsx costs ~50 MB of resident
// memory in every process); bundling takes a fraction of a second and happens only when a
// source file is newer than the bundle.
import { readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { build } from 'esbuild';

// The sandbox holds many small objects for hours; V8's size-optimized heuristics keep its
// heap (and so its resident memory) close to what is live instead of growing with bursts.
setFlagsFromString('--optimize-for-size');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, '.tools', 'dist', 'conveyor.mjs');
const SOURCES = ['cli', 'local', 'functions', 'package.json'];

function newestMtime(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) if (entry !== 'node_modules' && entry !== 'data') newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

let bundleMtime = 0;
try {
  bundleMtime = statSync(bundle).mtimeMs;
} catch {
  // not built yet
}
if (SOURCES.some((s) => newestMtime(join(root, s)) > bundleMtime)) {
  await build({
    absWorkingDir: root,
    entryPoints: ['cli/main.ts'],
    // Built aside and renamed: a CLI started meanwhile never reads a half-written bundle.
    outfile: `${bundle}.${process.pid}.tmp.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  renameSync(`${bundle}.${process.pid}.tmp.mjs`, bundle);
}
await import(pathToFileURL(bundle).href);
