/**
 * Which value of a variable a deployment uses. Follows Octopus Deploy's rules:
 *
 * 1. A value applies only if every dimension its scope names matches the deployment
 *    (environment, target by name, target tags — any one tag suffices —, step). An absent
 *    or empty list in a scope means "any".
 * 2. Among the values that apply, the most specific wins. Specificity compares, in order,
 *    whether the value is scoped to the target (by name), to target tags, to steps, to
 *    environments: target beats tag, tag beats step, step beats environment, environment
 *    beats unscoped. A value scoped to target AND environment beats one scoped to the
 *    target only (the comparison goes on to the next dimension on a tie).
 * 3. Two applicable values scoped on the same set of dimensions are equally specific: the
 *    engine refuses to guess and throws AmbiguousVariableError naming both scopes. This is
 *    checked only for variables a manifest uses, so an unused conflict does not block a
 *    deployment.
 *
 * Variable names are case-insensitive, as in Octopus. System variables (`Conveyor.*`, see
 * SYSTEM_VARIABLES) come from the RenderContext; a user variable with one of those names is
 * an error (InvalidManifestError), because silently ignoring it would hide a project
 * misconfiguration and letting it win would let a project lie about where it deploys.
 */
import { AmbiguousVariableError, InvalidManifestError } from '../errors.ts';
import type { RenderContext, Variable, VariableScope, VariableValue } from '../model.ts';

/** A variable's value for one deployment. */
export type ResolvedValue = { value: string; sensitive: boolean };

/** Looks a name up for one deployment; undefined when the variable has no applicable value. */
export type VariableLookup = (name: string) => ResolvedValue | undefined;

/**
 * System variables, read from the RenderContext. `Conveyor.Target.Namespace` is undefined
 * (so reported as missing) for an admin target without a namespace.
 */
export const SYSTEM_VARIABLES: Record<string, (context: RenderContext) => string | undefined> = {
  'Conveyor.Environment.Name': (context) => context.environment,
  'Conveyor.Project.Name': (context) => context.project,
  'Conveyor.Release.Number': (context) => context.releaseNumber,
  'Conveyor.Deployment.Id': (context) => context.deploymentId,
  'Conveyor.Target.Name': (context) => context.target.name,
  'Conveyor.Target.Namespace': (context) => context.target.namespace,
  'Conveyor.Step.Name': (context) => context.step,
};

/** Scope dimensions from most to least specific, with the word used to describe them. */
const DIMENSIONS = [
  { key: 'targets', label: 'target' },
  { key: 'targetTags', label: 'target tag' },
  { key: 'steps', label: 'step' },
  { key: 'environments', label: 'environment' },
] as const satisfies readonly { key: keyof VariableScope; label: string }[];

function listed(scope: VariableScope | undefined, key: keyof VariableScope): string[] | undefined {
  const values = scope?.[key];
  return values && values.length > 0 ? values : undefined;
}

/** Whether every dimension the scope names matches the deployment. */
export function scopeMatches(scope: VariableScope | undefined, context: RenderContext): boolean {
  const environments = listed(scope, 'environments');
  const targets = listed(scope, 'targets');
  const tags = listed(scope, 'targetTags');
  const steps = listed(scope, 'steps');
  return (
    (!environments || environments.includes(context.environment)) &&
    (!targets || targets.includes(context.target.name)) &&
    (!tags || tags.some((tag) => context.target.tags.includes(tag))) &&
    (!steps || steps.includes(context.step))
  );
}

/** Specificity as a string of 0/1 per dimension, most specific first; compares as text. */
function specificity(scope: VariableScope | undefined): string {
  return DIMENSIONS.map(({ key }) => (listed(scope, key) ? '1' : '0')).join('');
}

/** `target web-eu; environment Production, Staging`, or `unscoped`. */
export function describeScope(scope: VariableScope | undefined): string {
  const parts = DIMENSIONS.flatMap(({ key, label }) => {
    const values = listed(scope, key);
    return values ? [`${label} ${values.join(', ')}`] : [];
  });
  return parts.length > 0 ? parts.join('; ') : 'unscoped';
}

/**
 * The value of variable `name` that applies to `context` (rules in the file comment), or
 * undefined when none applies. Throws AmbiguousVariableError on a tie at the top.
 */
export function resolveValue(name: string, values: VariableValue[], context: RenderContext): VariableValue | undefined {
  const applicable = values.filter((value) => scopeMatches(value.scope, context));
  if (applicable.length === 0) return undefined;
  // biome-ignore lint/complexity/useMathMinMax: specificities are bit strings ('101'), compared as text
  const best = applicable.map((value) => specificity(value.scope)).reduce((a, b) => (a > b ? a : b));
  const winners = applicable.filter((value) => specificity(value.scope) === best);
  if (winners.length > 1)
    throw new AmbiguousVariableError(
      name,
      winners.map((value) => describeScope(value.scope)),
    );
  return winners[0];
}

const systemByLowerName = new Map(Object.entries(SYSTEM_VARIABLES).map(([name, read]) => [name.toLowerCase(), read]));

/**
 * A lookup for one deployment. Throws InvalidManifestError at once if a user variable takes
 * a system variable's name; AmbiguousVariableError comes later, from the lookup, and only
 * for a variable that is used.
 */
export function createVariableLookup(variables: Variable[], context: RenderContext): VariableLookup {
  const reserved = variables.filter((variable) => systemByLowerName.has(variable.name.toLowerCase()));
  if (reserved.length > 0) {
    throw new InvalidManifestError(reserved.map((variable) => ({ message: `variable "${variable.name}" is a system variable and cannot be set by a project` })));
  }
  const byLowerName = new Map<string, { name: string; values: VariableValue[] }>();
  for (const variable of variables) {
    const key = variable.name.toLowerCase();
    const entry = byLowerName.get(key) ?? { name: variable.name, values: [] };
    entry.values.push(...variable.values);
    byLowerName.set(key, entry);
  }
  return (name) => {
    const key = name.toLowerCase();
    const system = systemByLowerName.get(key);
    if (system) {
      const value = system(context);
      return value === undefined ? undefined : { value, sensitive: false };
    }
    const entry = byLowerName.get(key);
    const chosen = entry && resolveValue(entry.name, entry.values, context);
    return chosen ? { value: chosen.value, sensitive: chosen.sensitive === true } : undefined;
  };
}
