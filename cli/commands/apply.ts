/**
 * `conveyor apply`: the deploy engine as a command. Renders, validates, applies and (with
 * --wait) waits, exiting 0 done, 1 rollout failed or timed out, 2 bad input (nothing
 * applied), 3 cluster or authentication error.
 */
import { randomBytes } from 'node:crypto';
import { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import { Deadline } from '#domain/deadline.ts';
import { type ApplyStepRequest, runApplyStep } from '#domain/engine/apply-step.ts';
import { categoryOf, DeployError, ERROR_CATEGORIES, UnusedImagesError } from '#domain/errors.ts';
import type { Variable } from '#domain/model.ts';
import { type ApplyArgs, type ApplyOptions, applyArgsFrom, applyHelp, parseApplyArgs } from '../apply/args.ts';
import { type ApplyInput, readApplyInput } from '../apply/input.ts';
import { kubeconfigPath, targetFromKubeconfig } from '../apply/kubeconfig-target.ts';
import { Reporter } from '../apply/reporter.ts';
import { parseVariablesFile } from '../apply/variables.ts';
import { UsageError } from '../errors.ts';

export const EXIT = { done: 0, rolloutFailed: 1, badInput: 2, cluster: 3 } as const;

/** `conveyor apply ARGV...` in-process: the same parsing, checks and run as the command. */
export async function run(argv: string[]): Promise<number> {
  let args: ApplyArgs;
  try {
    args = parseApplyArgs(argv);
  } catch (error) {
    return usageFailure(error as Error);
  }
  if (args.help) {
    console.log(applyHelp());
    return EXIT.done;
  }
  return runApply(args);
}

/** The command's action: what commander parsed (cli/tree/apply.ts), checked, then run. */
export async function runParsed(options: ApplyOptions): Promise<number> {
  let args: ApplyArgs;
  try {
    args = applyArgsFrom(options);
  } catch (error) {
    return usageFailure(error as Error);
  }
  return runApply(args);
}

/** A flag refused: the message and the help, as for an unknown flag. */
function usageFailure(error: Error): number {
  return fail(new Reporter(process.stdout, 'text'), error, EXIT.badInput, `${error.message}\n\n${applyHelp()}`);
}

async function runApply(args: ApplyArgs): Promise<number> {
  // --timeout bounds the whole command: reading, connecting, discovery, dry run, apply, wait.
  const deadline = Deadline.after(args.timeoutSeconds * 1000);
  const out = new Reporter(process.stdout, args.output);
  let cluster: KubernetesCluster | undefined;
  try {
    const request = buildRequest(args, readApplyInput(args));
    const { target } = targetFromKubeconfig(kubeconfigPath(args.kubeconfig), args.context, args);
    cluster = await KubernetesCluster.connect(target, {}, { deadline });
    const result = await runApplyStep({ ...request, target, deadline }, cluster, (e) => out.event(e));
    out.result(result);
    return result.state === 'failed' || result.state === 'timeout' ? EXIT.rolloutFailed : EXIT.done;
  } catch (error) {
    return fail(out, error as Error, exitCodeOf(error), error instanceof UnusedImagesError ? unusedImagesText(error, args) : undefined);
  } finally {
    await cluster?.close();
  }
}

/** From the error's category (ERROR_CATEGORIES); flags the CLI refused are bad input too. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.badInput;
  return ERROR_CATEGORIES[categoryOf(error)].exitCode;
}

/** The unused entries as the flags that gave them, and the way out. */
function unusedImagesText(error: UnusedImagesError, args: ApplyArgs): string {
  const flags = error.unused.map((u) => `--image "${args.imageFlags[u.key] ?? `${u.key}=${u.value}`}"`).join(', ');
  const used = error.used.length ? `the manifests use ${error.used.join(', ')}` : 'the manifests name no container image';
  return `${flags} ${error.unused.length === 1 ? 'matches' : 'match'} no container (init containers and every pod template included); ${used}. Fix the repository, or pass --allow-unused-images`;
}

function fail(reporter: Reporter, error: Error, code: number, text = error.message): number {
  reporter.error(error);
  const known = error instanceof UsageError || error instanceof DeployError;
  console.error(`conveyor apply: ${known ? text : `unexpected error: ${text}`}`);
  return code;
}

function buildRequest(args: ApplyArgs, input: ApplyInput): Omit<ApplyStepRequest, 'target'> {
  const variables: Variable[] = input.variables ? parseVariablesFile(input.variables.file, input.variables.text) : [];
  for (const v of args.vars) variables.push({ name: v.name, values: [{ value: v.value, sensitive: v.sensitive }] });
  const deploymentId = args.deploymentId ?? `cli-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  return {
    files: input.manifests,
    variables,
    context: { environment: args.environment, project: 'conveyor-cli', releaseNumber: '0.0.0', deploymentId, step: 'apply', target: { name: 'cli', tags: [] } },
    images: args.images,
    requireImagesUsed: !args.allowUnusedImages,
    strategy: args.strategy,
    force: args.force,
    dryRun: args.dryRun,
    wait: args.wait,
    timeoutMs: args.timeoutSeconds * 1000,
  };
}
