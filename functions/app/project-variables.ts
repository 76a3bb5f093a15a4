/**
 * Sensitive variable values are write-only. A value sent with `sensitive: true` goes to the
 * secret store — a new secret the first time, a new version of the same secret afterwards — and
 * the project keeps `{ secretArn }`. A value is "the same" when its variable (name, without case)
 * and scope are: `{ sensitive: true }` without `value` keeps what is stored for them. What the
 * API shows of a sensitive value is `{ sensitive: true, scope }`: no value, no ARN.
 */
import { ValidationError } from '#domain/pipeline/errors.ts';
import type { Project, ProjectVariable, ProjectVariableValue, VariableScope } from '#domain/pipeline/model.ts';
import { discard } from './config-secrets.ts';
import type { AppDeps } from './context.ts';
import { scopeKey, type VariableInput } from './project-definition.ts';

/** How the API shows one value: plain text, or only the fact that it is sensitive. */
export type VariableValueView = { value: string; sensitive: false; scope?: VariableScope } | { sensitive: true; scope?: VariableScope };
export type VariableView = { name: string; values: VariableValueView[] };
export type ProjectView = Omit<Project, 'variables'> & { variables: VariableView[] };

/** What storing the variables did: the variables to save, and the secrets it made, changed and left unused. */
export type StoredVariables = {
  variables: ProjectVariable[];
  /** Made now: to discard if the project write fails. */
  created: string[];
  /** Given a new version now. */
  updated: string[];
  /** Stored before, referred to by no value now. */
  unused: string[];
};

const TAG_PROJECT = 'conveyor:project';
const TAG_VARIABLE = 'conveyor:variable';
const TAG_PURPOSE = 'conveyor:purpose';
const PURPOSE = 'sensitive-variable';

const valueKey = (name: string, scope: VariableScope | undefined) => `${name.toLowerCase()}\n${scopeKey(scope)}`;

export function variablesView(variables: ProjectVariable[]): VariableView[] {
  return variables.map((variable) => ({
    name: variable.name,
    values: variable.values.map((value): VariableValueView => {
      const scope = value.scope ? { scope: value.scope } : {};
      return 'secretArn' in value ? { sensitive: true, ...scope } : { value: value.value, sensitive: false, ...scope };
    }),
  }));
}

export function projectView(project: Project): ProjectView {
  return { ...project, variables: variablesView(project.variables) };
}

/** Every secret the variables refer to. */
export function secretArnsOf(variables: ProjectVariable[]): string[] {
  return variables.flatMap((variable) => variable.values.flatMap((value) => ('secretArn' in value ? [value.secretArn] : [])));
}

/**
 * Writes the sensitive values of `input` to the secret store and returns the variables as the
 * project stores them. `previous` are the variables stored so far (none for a new project).
 * Every "keep the stored value" is checked before any secret is written.
 * @throws ValidationError (a value to keep that was never stored), the secret store's errors
 */
export async function storeVariables(deps: AppDeps, projectId: string, input: VariableInput[], previous: ProjectVariable[] = []): Promise<StoredVariables> {
  const stored = new Map<string, string>();
  for (const variable of previous) for (const value of variable.values) if ('secretArn' in value) stored.set(valueKey(variable.name, value.scope), value.secretArn);

  const problems: string[] = [];
  input.forEach((variable, i) =>
    variable.values.forEach((value, j) => {
      if (value.sensitive && value.value === undefined && !stored.has(valueKey(variable.name, value.scope))) {
        problems.push(`variables[${i}] (${variable.name}).values[${j}]: no value is stored for this variable and scope; send "value"`);
      }
    }),
  );
  if (problems.length > 0) throw new ValidationError(`project ${projectId}`, problems);

  const result: StoredVariables = { variables: [], created: [], updated: [], unused: [] };
  const used = new Set<string>();
  try {
    for (const variable of input) {
      const values: ProjectVariableValue[] = [];
      for (const value of variable.values) {
        const scope = value.scope ? { scope: value.scope } : {};
        if (!value.sensitive) {
          values.push({ value: value.value ?? '', ...scope });
          continue;
        }
        let arn = stored.get(valueKey(variable.name, value.scope));
        if (value.value !== undefined && arn) {
          await deps.secrets.put(arn, value.value);
          result.updated.push(arn);
        } else if (value.value !== undefined) {
          const tags = { [TAG_PROJECT]: projectId, [TAG_VARIABLE]: variable.name, [TAG_PURPOSE]: PURPOSE };
          arn = await deps.secrets.create(`projects/${projectId}/variables/${variable.name}/${deps.newId()}`, value.value, tags);
          result.created.push(arn);
        }
        used.add(arn!);
        values.push({ secretArn: arn!, ...scope });
      }
      result.variables.push({ name: variable.name, values });
    }
  } catch (error) {
    // The secrets made so far belong to a write that will not happen.
    await discard(deps.secrets, result.created);
    throw error;
  }
  result.unused = [...new Set(stored.values())].filter((arn) => !used.has(arn));
  return result;
}
