/**
 * The `run-script` task: a kubectl-script step on one target. The script's `#{Variable}`
 * references are substituted with the engine's own substitution (same syntax, filters, scopes and
 * system variables as manifests), then it runs with `sh`, kubectl on the PATH and an authenticated
 * kubeconfig in a private temporary file (ScriptRunner). Its output goes to the task log with
 * every secret masked: sensitive values in all their filter forms, the account's credentials,
 * and credential shapes. A script that exits non-zero, or runs past the step's timeout (or its
 * Lambda's remaining time), is a ScriptFailedError naming its last lines, masked.
 *
 * Scripts are not idempotent: a retried task whose script already succeeded does not run it again.
 */

import { sensitiveRedactor } from '#domain/engine/redaction.ts';
import { InvalidManifestError, MissingVariablesError } from '#domain/errors.ts';
import { accountSecretValues, type Variable } from '#domain/model.ts';
import { InvalidStateError } from '#domain/pipeline/errors.ts';
import { createVariableLookup } from '#domain/render/index.ts';
import { buildText, createPlanner, realValue, type SubstitutionProblems } from '#domain/render/substitute.ts';
import { ScriptFailedError } from './errors.ts';
import type { TargetTaskInput } from './inputs.ts';
import type { Invocation, ScriptRun, TaskDeps } from './ports.ts';
import { withLog } from './rollout.ts';
import { engineVariables, renderContext } from './step-request.ts';
import { loadStepWork, putResult, renewLock, resultOf, resumeAfterApproval, type StepWork } from './step-work.ts';
import { resolveTarget } from './targets.ts';
import { TaskLog } from './task-log.ts';

/** Lines of output a failure message ends with. */
export const FAILURE_TAIL_LINES = 20;
/** Output is logged in entries of at most this many characters (cut at line ends), well under a log line's limit. */
export const LOG_CHUNK_CHARS = 4_000;
const MS_PER_SECOND = 1000;
/** Account secrets shorter than this are not searched for in output (they would mask ordinary words). */
const MIN_ACCOUNT_SECRET_LENGTH = 6;

export type ScriptOutput = { status: 'succeeded' };

export async function runScript(deps: TaskDeps, input: TargetTaskInput, invocation: Invocation): Promise<ScriptOutput> {
  const work = await loadStepWork(deps, input.deploymentId, input.stepIndex);
  const { step } = work;
  if (step.kind !== 'kubectl-script') throw new InvalidStateError(`step ${input.stepIndex} of deployment ${input.deploymentId}`, `is a ${step.kind} step, not a kubectl-script step`);
  const log = new TaskLog(deps, input.deploymentId, { stepName: step.name, targetId: input.targetId });
  return withLog(log, async () => {
    if (resultOf(work.detail, input.stepIndex, input.targetId)?.state === 'Succeeded') {
      log.info('the script already ran to success in an earlier attempt: not run again');
      return { status: 'succeeded' };
    }
    await resumeAfterApproval(deps, work, log);
    await renewLock(deps, work.detail.deployment);
    const target = await resolveTarget(deps, input.targetId, work.deployment.environmentId);
    const variables = await engineVariables(deps, work.release.snapshot.variables);
    const script = substitute(step.script, step.name, variables, work, target.engine);
    const kubeconfig = await deps.clusters.kubeconfig(target.engine);
    const mask = sensitiveRedactor(variables)
      .add(kubeconfig.secrets)
      .add(accountSecretValues(target.engine.account).filter((s) => s.length >= MIN_ACCOUNT_SECRET_LENGTH));
    const startedAt = deps.clock().toISOString();
    const base = { deploymentId: input.deploymentId, stepIndex: input.stepIndex, stepName: step.name, targetId: input.targetId };
    await putResult(deps, work.detail, { ...base, state: 'Running', startedAt });
    const timeoutMs = Math.min(step.timeoutSeconds * MS_PER_SECOND, invocation.deadline.remainingMs());
    log.info(`running the script of step "${step.name}" on target ${input.targetId}`);
    const run = await deps.scripts.run(script, kubeconfig.text, timeoutMs);
    const output = mask.text(run.output);
    for (const chunk of chunks(output)) log.info(chunk);
    if (run.droppedBytes > 0) log.warn(`output cut: ${run.droppedBytes} more bytes were not kept`);
    const failure = failureOf(run, output, timeoutMs, step.timeoutSeconds);
    const finishedAt = deps.clock().toISOString();
    if (failure) {
      await putResult(deps, work.detail, { ...base, state: 'Failed', startedAt, finishedAt, message: failure });
      throw new ScriptFailedError(`step "${step.name}" on target ${input.targetId}: ${failure}`);
    }
    await putResult(deps, work.detail, { ...base, state: 'Succeeded', startedAt, finishedAt, message: 'the script exited 0' });
    return { status: 'succeeded' };
  });
}

/** The script with its `#{...}` references filled; the same errors as manifests for missing or malformed ones. */
function substitute(script: string, stepName: string, variables: Variable[], work: Pick<StepWork, 'deployment' | 'step'>, target: Parameters<typeof renderContext>[1]): string {
  const planner = createPlanner(createVariableLookup(variables, renderContext(work, target)));
  const found: SubstitutionProblems = { problems: [], missing: [] };
  const plan = planner(`script of step ${stepName}`, { document: 1, line: 1, text: script }, false, found);
  if (found.missing.length) throw new MissingVariablesError(found.missing);
  if (found.problems.length) throw new InvalidManifestError(found.problems);
  return buildText(plan, realValue);
}

/** Why the run failed (with its last lines), or undefined when it exited 0. */
function failureOf(run: ScriptRun, output: string, timeoutMs: number, stepTimeoutSeconds: number): string | undefined {
  const tail = output.trimEnd().split('\n').slice(-FAILURE_TAIL_LINES).join('\n');
  const last = tail ? `; last lines:\n${tail}` : '; it printed nothing';
  if (run.timedOut) {
    const limit =
      timeoutMs < stepTimeoutSeconds * MS_PER_SECOND
        ? `the time its Lambda had left (${Math.round(timeoutMs / MS_PER_SECOND)} s; the step allows ${stepTimeoutSeconds} s)`
        : `the step's timeout of ${stepTimeoutSeconds} s`;
    return `the script was stopped after ${limit}${last}`;
  }
  if (run.exitCode !== 0) return `the script exited with ${run.exitCode === null ? 'a signal' : `code ${run.exitCode}`}${last}`;
  return undefined;
}

/** Output in log entries of at most LOG_CHUNK_CHARS, cut at line ends where possible. */
export function chunks(output: string): string[] {
  const out: string[] = [];
  let rest = output.replace(/\n+$/, '');
  while (rest.length > LOG_CHUNK_CHARS) {
    const cut = rest.lastIndexOf('\n', LOG_CHUNK_CHARS);
    const at = cut > 0 ? cut : LOG_CHUNK_CHARS;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest) out.push(rest);
  return out;
}
