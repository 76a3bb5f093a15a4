/**
 * The two ASL files against the code they run: every Lambda Task retries exactly the retryable
 * error names (derived from the error classes' categories) and Lambda's service faults, nothing
 * retries States.ALL, every `${Placeholder}` has a value in the catalog, and every function the
 * catalog names for a Task exists, with a handler module that exports `createHandler` and
 * `handler`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_REGISTRY, LAMBDA_SERVICE_ERROR_NAMES, RETRYABLE_ERROR_NAMES } from '#domain/error-registry.ts';
import { ERROR_CATEGORIES } from '#domain/errors.ts';
import { PART } from '#functions/catalog/pipeline.ts';
import { CATALOG } from '#functions/catalog.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** Step Functions' own faults of a nested execution: retried on the startExecution.sync task. */
const STEP_FUNCTIONS_SERVICE_ERRORS = ['StepFunctions.AWSStepFunctionsException', 'StepFunctions.ExecutionLimitExceeded', 'StepFunctions.SdkClientException'];

type State = {
  Type: string;
  Resource?: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[] }[];
  ItemProcessor?: { States: Record<string, State> };
  Iterator?: { States: Record<string, State> };
  Branches?: { States: Record<string, State> }[];
};

function states(definition: { States: Record<string, State> }): [string, State][] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...((state.ItemProcessor ?? state.Iterator) ? states((state.ItemProcessor ?? state.Iterator)!) : []),
    ...(state.Branches ?? []).flatMap((branch) => states(branch)),
  ]);
}

const machines = PART.stateMachines.map((spec) => ({ spec, text: readFileSync(join(ROOT, spec.file), 'utf8') }));

describe.each(machines)('$spec.name', ({ spec, text }) => {
  const tasks = states(JSON.parse(text)).filter(([, state]) => state.Type === 'Task');

  it.each(tasks.filter(([, s]) => s.Resource?.includes(':lambda:')))('Task %s retries the retryable error names and Lambda service faults, and nothing else', (_name, state) => {
    // Act
    const retried = (state.Retry ?? []).map((r) => [...r.ErrorEquals].sort());

    // Assess
    expect(retried).toEqual([[...RETRYABLE_ERROR_NAMES], [...LAMBDA_SERVICE_ERROR_NAMES].sort()]);
  });

  it.each(tasks.filter(([, s]) => s.Resource?.includes(':states:::states:startExecution')))('Task %s retries only Step Functions service faults', (_name, state) => {
    expect((state.Retry ?? []).flatMap((r) => r.ErrorEquals).sort()).toEqual(STEP_FUNCTIONS_SERVICE_ERRORS);
  });

  it('retries States.ALL nowhere', () => {
    const retried = states(JSON.parse(text)).flatMap(([, s]) => (s.Retry ?? []).flatMap((r) => r.ErrorEquals));
    expect(retried).not.toContain('States.ALL');
    expect(retried).not.toContain('States.TaskFailed');
  });

  it('has a value in the catalog for every ${Placeholder}, and uses every one the catalog gives', () => {
    // Act
    const used = new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]!));
    const given = new Set([...Object.keys(spec.functions), ...Object.keys(spec.stateMachines ?? {})]);

    // Assess
    expect([...used].sort()).toEqual([...given].sort());
  });

  it('names functions and state machines that exist', () => {
    const functions = new Set(CATALOG.functions.map((f) => f.name));
    expect(Object.values(spec.functions).filter((name) => !functions.has(name))).toEqual([]);
    const machinesByName = new Set(CATALOG.stateMachines.map((m) => m.name));
    expect(Object.values(spec.stateMachines ?? {}).filter((name) => !machinesByName.has(name))).toEqual([]);
  });
});

describe('the retryable error names', () => {
  it('are the unavailable category of the registry, each class listed', () => {
    // Assess
    const unavailable = ERROR_REGISTRY.filter((e) => e.category !== 'cause' && ERROR_CATEGORIES[e.category].retryable).map((e) => e.name);
    expect([...RETRYABLE_ERROR_NAMES]).toEqual(unavailable.sort());
    expect(RETRYABLE_ERROR_NAMES).toEqual(['ClusterUnavailableError', 'DeadlineExceededError', 'SecretsUnavailableError', 'ServiceUnavailableError', 'StoreUnavailableError']);
  });
});

describe('the pipeline functions', () => {
  it.each(PART.functions)('$name has its handler module, exporting createHandler and handler', async (spec) => {
    // Prepare
    expect(existsSync(join(ROOT, spec.entry))).toBe(true);

    // Act
    const module = (await import(join(ROOT, spec.entry))) as Record<string, unknown>;

    // Assess
    expect(typeof module.createHandler).toBe('function');
    expect(typeof module.handler).toBe('function');
  });

  it('marks run-script for the kubectl layer on x86_64, and gives cluster access only to the tasks that connect', () => {
    const byName = Object.fromEntries(PART.functions.map((f) => [f.name, f]));
    expect(byName['run-script']).toMatchObject({ architecture: 'x86_64', kubectlLayer: true });
    expect(
      PART.functions
        .filter((f) => f.access.eks)
        .map((f) => f.name)
        .sort(),
    ).toEqual(['apply', 'check-rollout', 'run-script']);
  });
});
