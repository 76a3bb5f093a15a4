// Runs the `conveyor` CLI from an esbuild bundle of cli/main.ts. A long-running command such
// as `conveyor sandbox` then carries no TypeScript loader (tsx costs ~50 MB of resident
// memory in every process). Commands are split into chunks loaded on demand, so the sandbox
// does not load the deploy engine's AWS and Kubernetes clients. A bundle is built only when a
// source file is newer than every existing build.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { build } from 'esbuild';

// The sandbox holds many small objects for hours; V8's size-optimized heuristics keep its
// heap (and so its resident memory) close to what is live instead of growing with bursts.
setFlagsFromString('--optimize-for-size');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const builds = join(root, '.tools', 'dist');
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

// One directory per source state; built aside and renamed into place, so a CLI started
// meanwhile never reads a half-written build.
const buildId = String(Math.floor(SOURCES.reduce((n, s) => Math.max(n, newestMtime(join(root, s))), 0)));
const current = join(builds, buildId);
if (!existsSync(join(current, 'conveyor.mjs'))) {
  const staging = join(builds, `${buildId}.${process.pid}.tmp`);
  await build({
    absWorkingDir: root,
    entryPoints: { conveyor: 'cli/main.ts' },
    outdir: staging,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  mkdirSync(builds, { recursive: true });
  try {
    renameSync(staging, current);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another process won the race
  }
  for (const old of readdirSync(builds)) if (old !== buildId && !old.endsWith('.tmp')) rmSync(join(builds, old), { recursive: true, force: true });
}
await import(pathToFileURL(join(current, 'conveyor.mjs')).href);
