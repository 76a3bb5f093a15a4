/**
 * Benchmark runner: `npm run bench -- <name>`. Benchmarks print their numbers and one
 * PASS/FAIL line per target; the process exits non-zero when a target is missed.
 */
import { spawn } from 'node:child_process';

const BENCHMARKS: Record<string, () => Promise<boolean>> = {
  sandbox: async () => (await import('./sandbox.bench.ts')).run(),
  apply: async () => (await import('./apply.bench.ts')).runApplyBench(),
  hardening: async () => (await import('./hardening.bench.ts')).runHardeningBench(),
  pipeline: async () => {
    const cost = await (await import('./pipeline.bench.ts')).runPipelineBench();
    const stack = await (await import('./pipeline-stack.ts')).runPipelineStackBench();
    return cost && stack;
  },
  synth: () => runSynthCheck(),
};

/** `cdk synth` offline with every function bundled, timed against its limit (infra/synth-check.ts). */
function runSynthCheck(): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'infra/synth-check.ts', '--enforce-time'], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code === 0));
  });
}

async function main(): Promise<number> {
  const names = process.argv.slice(2);
  if (names.length === 0 || names.some((n) => !BENCHMARKS[n])) {
    console.error(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}>`);
    return 2;
  }
  let ok = true;
  for (const name of names) ok = (await BENCHMARKS[name]!()) && ok;
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code));
