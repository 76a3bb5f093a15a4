/**
 * The catalog's state machines as the local service registers them: the ASL files of
 * statemachines/, unchanged, with each `${Placeholder}` filled from the catalog as the CDK stack
 * fills it (DefinitionSubstitutions): a function's ARN, or another state machine's ARN. Names
 * and ARNs look like the stack's: `Conveyor-<name>`.
 */
import { readFileSync } from 'node:fs';
import type { Catalog, StateMachineSpec } from '#functions/catalog.ts';
import { projectFile } from '../../paths.ts';
import type { ExecutionRunner } from '../sfn/runner.ts';

/** The stack's name, which the CDK stack prefixes its state machines' names with. */
export const STACK_NAME = 'Conveyor';
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** A registered state machine, with what DescribeStateMachine answers. */
export type StateMachineInfo = {
  /** The catalog's name (`deployment`). */
  catalogName: string;
  /** `Conveyor-deployment`. */
  name: string;
  arn: string;
  /** The definition as registered (placeholders filled). */
  definition: string;
  roleArn: string;
  creationDate: Date;
};

export type MachineNaming = { region: string; accountId: string; functionArn: (name: string) => string };

export function stateMachineName(catalogName: string): string {
  return `${STACK_NAME}-${catalogName}`;
}

export function stateMachineArn(catalogName: string, naming: Pick<MachineNaming, 'region' | 'accountId'>): string {
  return `arn:aws:states:${naming.region}:${naming.accountId}:stateMachine:${stateMachineName(catalogName)}`;
}

/** The ASL text with every `${Name}` replaced; a placeholder without a value is an error, as in CDK. */
export function fillPlaceholders(text: string, values: Record<string, string>, file: string): string {
  return text.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${file} uses \${${name}}, but the catalog maps no function or state machine to it`);
    return value;
  });
}

/** The substitutions of one state machine: its functions' ARNs and the ARNs of the machines it starts. */
function substitutions(spec: StateMachineSpec, naming: MachineNaming): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [placeholder, fn] of Object.entries(spec.functions)) values[placeholder] = naming.functionArn(fn);
  for (const [placeholder, machine] of Object.entries(spec.stateMachines ?? {})) values[placeholder] = stateMachineArn(machine, naming);
  return values;
}

/** Registers every state machine of the catalog on `runner`; by catalog name. */
export function registerCatalogStateMachines(runner: ExecutionRunner, catalog: Catalog, naming: MachineNaming): Map<string, StateMachineInfo> {
  const machines = new Map<string, StateMachineInfo>();
  for (const spec of catalog.stateMachines) {
    const name = stateMachineName(spec.name);
    const definition = fillPlaceholders(readFileSync(projectFile(spec.file), 'utf8'), substitutions(spec, naming), spec.file);
    const roleArn = `arn:aws:iam::${naming.accountId}:role/${name}-role`;
    const { stateMachineArn: arn } = runner.register({ name, definition, arn: stateMachineArn(spec.name, naming), roleArn });
    machines.set(spec.name, { catalogName: spec.name, name, arn, definition, roleArn, creationDate: new Date() });
  }
  return machines;
}
