/**
 * What one target deployment costs on AWS (issue target: at most $0.001 for a rollout that takes
 * 2 minutes), computed the way docs/cost.md explains it:
 *
 *   cost = transitions × P_transition
 *        + Σ_invocations (duration_s × memory_GB) × P_GBs + invocations × P_request
 *        + write_units × P_write
 *
 * Transitions are counted, not estimated: the deployment state machine runs from
 * statemachines/deployment.asl.json on the local runner, with stand-in Lambdas that answer as the
 * real tasks do (plan, apply, check-rollout with the real wait rule, finalize) and simulate a
 * rollout that is done `rollout` seconds after it was applied. Each check watches for the
 * configured seconds (returning early when the rollout is done), as the real check-rollout does.
 * Durations, memory sizes and write units are the ones docs/cost.md gives (memory from the catalog).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRST_WAIT_SECONDS, MAX_WAIT_SECONDS, waitSecondsAfter } from '#functions/app/tasks/rollout.ts';
import { PART } from '#functions/catalog/pipeline.ts';
import { DEFAULT_TASK_CONFIG } from '#functions/handlers/tasks/config.ts';
import { ExecutionRunner, lambdaFunctionName } from '#local/aws/sfn/index.ts';
import { verdict } from './support.ts';

/** Published prices, us-east-1 (docs/cost.md says where each comes from). */
export const PRICES = {
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  transition: 0.025 / 1_000,
  /** Lambda on arm64: $0.0000133334 per GB-second. */
  gbSecond: 0.0000133334,
  /** Lambda: $0.20 per million requests. */
  request: 0.2 / 1_000_000,
  /** DynamoDB on-demand: $0.625 per million write request units (since November 2024). */
  writeUnit: 0.625 / 1_000_000,
};

/** Seconds each invocation takes besides watching (docs/cost.md: measured locally, rounded up for Lambda). */
export const BUSY_SECONDS = { plan: 0.3, apply: 1.5, check: 0.4, finalize: 0.3 };
/** DynamoDB write request units per invocation (docs/cost.md itemizes them). */
export const WRITE_UNITS = { plan: 24, apply: 14, check: 5, lastCheck: 12, finalize: 20 };
const TARGET_DOLLARS = 0.001;
const TARGET_ROLLOUT_SECONDS = 120;
const LONG_ROLLOUT_SECONDS = 600;
/** Done while apply watches: no Wait, no check. */
const FAST_ROLLOUT_SECONDS = 1;
/** 1 ms of real time per 10 s of state-machine time: a 10-minute rollout runs in about 0.1 s. */
const TIME_SCALE = 1 / 10_000;
const MB_PER_GB = 1024;
const DEFAULT_MEMORY_MB = 256;
/** What every deployment costs besides its rollout loops: Plan, MayStart, Steps, StepKind, ManifestTargets, Apply, Progress, TargetDone, Succeeded, Finalize, Outcome, Done. */
export const FIXED_TRANSITIONS = 12;
export const TRANSITIONS_PER_CHECK = 3;

type Rollout = { elapsed: number; watched: number[] };
export type Simulation = { rolloutSeconds: number; watchSeconds: number; checks: number; transitions: number; watched: number[]; applyWatched: number };
export type Cost = { transitions: number; lambda: number; requests: number; writes: number; total: number };

function memoryGb(name: string): number {
  return (PART.functions.find((f) => f.name === name)?.memoryMb ?? DEFAULT_MEMORY_MB) / MB_PER_GB;
}

function deploymentDefinition(): string {
  const spec = PART.stateMachines.find((m) => m.name === 'deployment')!;
  const text = readFileSync(join(import.meta.dirname, '..', spec.file), 'utf8');
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => spec.functions[name]!);
}

/** The wait rule with another cap, for the trade-off (the real one is waitSecondsAfter: capped at MAX_WAIT_SECONDS). */
const cappedAt = (cap: number) => (checks: number) => Math.min(FIRST_WAIT_SECONDS * 2 ** Math.min(checks, 30), cap);

/** Runs the deployment state machine over a simulated rollout and counts what it did. */
export async function simulate(
  rolloutSeconds: number,
  watchSeconds: number,
  wait: (checks: number) => number = waitSecondsAfter,
  applyWatchSeconds = DEFAULT_TASK_CONFIG.applyWatchSeconds,
): Promise<Simulation> {
  const target = { deploymentId: 'bench', stepIndex: 0, targetId: 'web' };
  // Apply watches the rollout it started for applyWatchSeconds, returning early when it is done.
  const applyWatched = Math.min(rolloutSeconds, applyWatchSeconds);
  let last: Rollout = { elapsed: applyWatched, watched: [] };
  const functions: Record<string, (payload: any) => unknown> = {
    plan: () => ({ queued: false, steps: [{ index: 0, name: 'web', kind: 'apply-manifests', targets: ['web'], maxConcurrency: 4, timeoutSeconds: 3_600 }] }),
    apply: () => ({ ...target, status: rolloutSeconds <= applyWatchSeconds ? 'done' : 'progressing', checks: 0, waitSeconds: wait(0), rollout: last }),
    'check-rollout': (p: { checks: number; rollout: Rollout }) => {
      // The check starts after the wait the previous answer asked for, and watches until done or its time is up.
      const start = p.rollout.elapsed + wait(p.checks);
      const done = start + watchSeconds >= rolloutSeconds;
      const watched = done ? Math.max(0, rolloutSeconds - start) : watchSeconds;
      last = { elapsed: start + watched, watched: [...p.rollout.watched, watched] };
      const checks = p.checks + 1;
      return { ...target, status: done ? 'done' : 'progressing', checks, waitSeconds: wait(checks), rollout: last };
    },
    finalize: () => ({ state: 'Succeeded' }),
  };
  const runner = new ExecutionRunner({ invoker: async (name, payload) => (functions[lambdaFunctionName(name)]!(payload) ?? null) as never, timeScale: TIME_SCALE });
  const { stateMachineArn } = runner.register({ name: 'deployment', definition: deploymentDefinition() });
  const { executionArn } = await runner.start(stateMachineArn, JSON.stringify({ deploymentId: 'bench' }));
  const result = await runner.waitForCompletion(executionArn);
  if (result.status !== 'SUCCEEDED') throw new Error(`the simulated deployment ended ${result.status}: ${result.error} ${result.cause}`);
  return { rolloutSeconds, watchSeconds, checks: last.watched.length, transitions: runner.transitions(executionArn), watched: last.watched, applyWatched };
}

/** The formula of docs/cost.md over a simulation. */
export function costOf(run: Simulation, memory: { apply?: number; check?: number } = {}): Cost {
  const checkGb = memory.check ?? memoryGb('check-rollout');
  const gbSeconds =
    BUSY_SECONDS.plan * memoryGb('plan') +
    (BUSY_SECONDS.apply + run.applyWatched) * (memory.apply ?? memoryGb('apply')) +
    run.watched.reduce((sum, watched) => sum + (BUSY_SECONDS.check + watched) * checkGb, 0) +
    BUSY_SECONDS.finalize * memoryGb('finalize');
  const invocations = 3 + run.checks;
  // The target's last write (the result done, the rollout state dropped) is apply's when no check ran.
  const writeUnits = WRITE_UNITS.plan + WRITE_UNITS.apply + WRITE_UNITS.check * Math.max(0, run.checks - 1) + WRITE_UNITS.lastCheck + WRITE_UNITS.finalize;
  const cost = { transitions: run.transitions * PRICES.transition, lambda: gbSeconds * PRICES.gbSecond, requests: invocations * PRICES.request, writes: writeUnits * PRICES.writeUnit };
  return { ...cost, total: cost.transitions + cost.lambda + cost.requests + cost.writes };
}

const dollars = (n: number) => `$${n.toFixed(6)}`;

function line(run: Simulation, cost: Cost): string {
  const length = run.rolloutSeconds < 60 ? `${run.rolloutSeconds}-second` : `${run.rolloutSeconds / 60}-minute`;
  return (
    `${length} rollout, checks watching ${run.watchSeconds} s: ${run.checks} checks, ${run.transitions} transitions ` +
    `(${dollars(cost.transitions)}), Lambda ${dollars(cost.lambda)} + requests ${dollars(cost.requests)}, DynamoDB writes ${dollars(cost.writes)}: ${dollars(cost.total)}`
  );
}

export async function runPipelineBench(): Promise<boolean> {
  const watch = DEFAULT_TASK_CONFIG.checkWatchSeconds;
  console.log(
    `one deployment of one manifest step to one target; memory: apply ${memoryGb('apply') * MB_PER_GB} MB, check-rollout ${memoryGb('check-rollout') * MB_PER_GB} MB, others ${DEFAULT_MEMORY_MB} MB`,
  );
  const results: boolean[] = [];
  for (const rolloutSeconds of [FAST_ROLLOUT_SECONDS, TARGET_ROLLOUT_SECONDS, LONG_ROLLOUT_SECONDS]) {
    const run = await simulate(rolloutSeconds, watch);
    console.log(line(run, costOf(run)));
    results.push(
      verdict(
        `transitions of a ${rolloutSeconds}-second rollout`,
        run.transitions === FIXED_TRANSITIONS + TRANSITIONS_PER_CHECK * run.checks,
        `${run.transitions}`,
        `${FIXED_TRANSITIONS} + ${TRANSITIONS_PER_CHECK} × ${run.checks} checks`,
      ),
    );
  }
  console.log('trade-off (watch length × check-rollout memory):');
  for (const watchSeconds of [0, 5, 10, 20]) {
    for (const rolloutSeconds of [TARGET_ROLLOUT_SECONDS, LONG_ROLLOUT_SECONDS]) {
      const run = await simulate(rolloutSeconds, watchSeconds);
      const costs = [128, 192, 256].map((mb) => `${mb} MB ${dollars(costOf(run, { check: mb / MB_PER_GB }).total)}`);
      console.log(`  watch ${String(watchSeconds).padStart(2)} s, ${rolloutSeconds / 60}-minute rollout: ${run.checks} checks, ${run.transitions} transitions; ${costs.join(', ')}`);
    }
  }
  console.log(`trade-off (wait cap, checks watching ${watch} s):`);
  for (const cap of [MAX_WAIT_SECONDS, 2 * MAX_WAIT_SECONDS]) {
    for (const rolloutSeconds of [TARGET_ROLLOUT_SECONDS, LONG_ROLLOUT_SECONDS]) {
      const run = await simulate(rolloutSeconds, watch, cappedAt(cap));
      console.log(`  waits capped at ${cap} s, ${rolloutSeconds / 60}-minute rollout: ${run.checks} checks, ${run.transitions} transitions; ${dollars(costOf(run).total)}`);
    }
  }
  const target = costOf(await simulate(TARGET_ROLLOUT_SECONDS, watch));
  results.push(verdict('cost of a target deployment with a 2-minute rollout', target.total <= TARGET_DOLLARS, dollars(target.total), `<= ${dollars(TARGET_DOLLARS)}`));
  return results.every(Boolean);
}
