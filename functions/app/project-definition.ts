/**
 * The checks a project's definition passes before it is stored, beyond the shape the schema
 * checks: the parts must agree with each other and with what exists.
 * - process: step names unique; apply-manifests files parse (manifest-check.ts);
 *   deploy-containers specs pass validateDeployContainers, and their Secret items are
 *   `#{Variable}` references to sensitive variables (a literal there would be a secret in the
 *   table, and in every release snapshot);
 * - variables: names unique regardless of case (as references are), none in the system
 *   namespace `Conveyor.`, no two values of a variable with the same scope (the engine would
 *   refuse to guess), scopes naming steps of this process;
 * - channels: names unique, rules valid (channels.ts), the default channel one of them;
 * - references: the lifecycle(s), environments and targets named exist (UnknownReferenceError,
 *   listing the known ones).
 * Problems are collected and thrown together, named by field path; values are never quoted.
 */
import { validateDeployContainers } from '#domain/containers/validate.ts';
import { InvalidManifestError } from '#domain/errors.ts';
import { channelProblems } from '#domain/pipeline/channels.ts';
import type { Channel, Step, StepBase, VariableScope } from '#domain/pipeline/model.ts';
import { Problems } from '#domain/pipeline/validate.ts';
import type { AppDeps } from './context.ts';
import { describeProblem, manifestProblems } from './manifest-check.ts';
import { References } from './references.ts';

/** A deploy-containers step as sent: its spec is checked (and normalized) by validateDeployContainers. */
export type DeployContainersInput = StepBase & { kind: 'deploy-containers'; spec: Record<string, unknown> };
export type StepInput = Exclude<Step, { kind: 'deploy-containers' }> | DeployContainersInput;

/**
 * One value of a variable as sent: a plain `value`; a sensitive one (`sensitive: true`) that
 * goes to the secret store; or `sensitive: true` without `value`, which keeps the value stored
 * for the same variable and scope.
 */
export type VariableValueInput = { value?: string; sensitive?: boolean; scope?: VariableScope };
export type VariableInput = { name: string; values: VariableValueInput[] };

export type ProjectInput = {
  name: string;
  description?: string;
  lifecycleId: string;
  process: StepInput[];
  variables: VariableInput[];
  /** One channel named `default` without rules when absent. */
  channels?: Channel[];
  /** The first channel when absent. */
  defaultChannel?: string;
};

/** The definition as it will be stored (variables aside: project-variables.ts stores those). */
export type CheckedDefinition = { process: Step[]; channels: Channel[]; defaultChannel: string };

/** Variables of the system (`#{Conveyor.Release.Number}`): a project may not define them. */
const SYSTEM_PREFIX = 'conveyor.';
export const DEFAULT_CHANNEL: Channel = { name: 'default', rules: [] };
/** `#{Name}` or `#{Name | Filter}`: the only form a Secret item of deploy-containers may take. */
const REFERENCE = /^#\{\s*([A-Za-z0-9._-]+)\s*(?:\|[^}]*)?\}$/;

/** The same scope written in any order gives the same key. */
export function scopeKey(scope: VariableScope | undefined): string {
  const sorted = (list: string[] | undefined) => (list?.length ? [...list].sort() : undefined);
  return JSON.stringify({ e: sorted(scope?.environments), g: sorted(scope?.targetTags), t: sorted(scope?.targets), s: sorted(scope?.steps) });
}

function checkStep(p: Problems, step: StepInput, at: string, sensitive: ReadonlySet<string>): Step {
  if (step.kind === 'apply-manifests') {
    const names = step.manifests.map((file) => file.name);
    p.check(new Set(names).size === names.length, `${at}.manifests: two files have the same name`);
    for (const problem of manifestProblems(step.manifests)) p.check(false, `${at}.manifests: ${problem}`);
    return step;
  }
  if (step.kind !== 'deploy-containers') return step;
  try {
    const spec = validateDeployContainers(step.spec, { path: `${at}.spec` });
    for (const [key, value] of Object.entries(spec.secret?.items ?? {})) {
      const name = REFERENCE.exec(value)?.[1];
      p.check(
        name !== undefined && sensitive.has(name.toLowerCase()),
        `${at}.spec.secret.items.${key}: must be a #{Variable} reference to a sensitive variable of the project (a literal would be stored in the table)`,
      );
    }
    return { ...step, spec };
  } catch (error) {
    if (!(error instanceof InvalidManifestError)) throw error;
    for (const problem of error.problems) p.check(false, describeProblem(problem));
    return step as unknown as Step;
  }
}

function checkVariables(p: Problems, variables: VariableInput[], stepNames: ReadonlySet<string>): void {
  const names = new Set<string>();
  variables.forEach((variable, i) => {
    const at = `variables[${i}] (${variable.name})`;
    const key = variable.name.toLowerCase();
    p.check(!names.has(key), `${at}: another variable has this name (names are compared without case)`);
    names.add(key);
    p.check(!key.startsWith(SYSTEM_PREFIX), `${at}: names starting with "Conveyor." are the system's`);
    const scopes = new Set<string>();
    variable.values.forEach((value, j) => {
      const scope = scopeKey(value.scope);
      p.check(!scopes.has(scope), `${at}.values[${j}]: another value of this variable has the same scope`);
      scopes.add(scope);
      for (const step of value.scope?.steps ?? []) p.check(stepNames.has(step), `${at}.values[${j}].scope.steps names "${step}", which is not a step of the process`);
    });
  });
}

/** Checks the definition (file comment); returns the parts as they will be stored. */
export async function checkDefinition(deps: AppDeps, id: string, input: ProjectInput): Promise<CheckedDefinition> {
  const p = new Problems();
  const subject = `project ${id}`;
  const stepNames = new Set<string>();
  input.process.forEach((step, i) => {
    p.check(!stepNames.has(step.name), `process[${i}] (${step.name}): another step has this name`);
    stepNames.add(step.name);
  });
  const sensitive = new Set(input.variables.filter((variable) => variable.values.every((value) => value.sensitive === true)).map((variable) => variable.name.toLowerCase()));
  const process = input.process.map((step, i) => checkStep(p, step, `process[${i}] (${step.name})`, sensitive));
  checkVariables(p, input.variables, stepNames);

  const channels = input.channels ?? [DEFAULT_CHANNEL];
  const defaultChannel = input.defaultChannel ?? channels[0]?.name ?? DEFAULT_CHANNEL.name;
  const channelNames = channels.map((channel) => channel.name);
  p.check(new Set(channelNames).size === channelNames.length, 'channels: two channels have the same name');
  for (const channel of channels) for (const problem of channelProblems(channel)) p.check(false, `channels: ${problem}`);
  p.check(channelNames.includes(defaultChannel), `defaultChannel "${defaultChannel}" is not one of the channels (${channelNames.join(', ')})`);
  p.throwIfAny(subject);

  const [lifecycles, environments, targets] = await Promise.all([deps.stores.lifecycles.list(), deps.stores.environments.list(), deps.stores.targets.list()]);
  const ids = { lifecycles: lifecycles.map((l) => l.id), environments: environments.map((e) => e.id), targets: targets.map((t) => t.id) };
  const references = new References(subject).check('lifecycleId', 'lifecycle', [input.lifecycleId], ids.lifecycles);
  channels.forEach((channel, i) => references.check(`channels[${i}].lifecycleId`, 'lifecycle', channel.lifecycleId ? [channel.lifecycleId] : [], ids.lifecycles));
  input.process.forEach((step, i) => references.check(`process[${i}].environments`, 'environment', step.environments ?? [], ids.environments));
  input.variables.forEach((variable, i) =>
    variable.values.forEach((value, j) => {
      references.check(`variables[${i}].values[${j}].scope.environments`, 'environment', value.scope?.environments ?? [], ids.environments);
      references.check(`variables[${i}].values[${j}].scope.targets`, 'target', value.scope?.targets ?? [], ids.targets);
    }),
  );
  references.throwIfAny();
  return { process, channels, defaultChannel };
}
