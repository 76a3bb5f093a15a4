import { describe, expect, it } from 'vitest';
import { AmbiguousVariableError, InvalidManifestError } from '#domain/errors.ts';
import type { VariableValue } from '#domain/model.ts';
import { createVariableLookup, describeScope, resolveValue, SYSTEM_VARIABLES } from '#domain/render/variables.ts';
import { renderContext, thrown } from './fixtures.ts';

const context = renderContext();

describe('resolveValue precedence', () => {
  const unscoped: VariableValue = { value: 'unscoped' };
  const environment: VariableValue = { value: 'environment', scope: { environments: ['Production'] } };
  const step: VariableValue = { value: 'step', scope: { steps: ['deploy-web'] } };
  const tag: VariableValue = { value: 'tag', scope: { targetTags: ['web'] } };
  const target: VariableValue = { value: 'target', scope: { targets: ['eu-web'] } };

  it.each([
    ['environment beats unscoped', [unscoped, environment], 'environment'],
    ['step beats environment', [environment, step, unscoped], 'step'],
    ['tag beats step', [step, tag, environment], 'tag'],
    ['target beats tag', [tag, target, step, environment, unscoped], 'target'],
    ['target beats tag + step + environment', [{ value: 'many', scope: { targetTags: ['web'], steps: ['deploy-web'], environments: ['Production'] } }, target], 'target'],
    ['target + environment beats target alone', [target, { value: 'both', scope: { targets: ['eu-web'], environments: ['Production'] } }], 'both'],
    ['unscoped applies when nothing more specific matches', [unscoped, { value: 'test', scope: { environments: ['Test'] } }], 'unscoped'],
  ])('%s', (_title, values, expected) => {
    // Act
    const chosen = resolveValue('Name', values, context);

    // Assess
    expect(chosen?.value).toBe(expected);
  });

  it('ignores values whose scope does not match, on every dimension', () => {
    // Prepare
    const values: VariableValue[] = [
      { value: 'other-env', scope: { environments: ['Test'] } },
      { value: 'other-target', scope: { targets: ['us-web'] } },
      { value: 'other-tag', scope: { targetTags: ['db'] } },
      { value: 'other-step', scope: { steps: ['migrate'] } },
      { value: 'env-ok-step-wrong', scope: { environments: ['Production'], steps: ['migrate'] } },
    ];

    // Act
    const chosen = resolveValue('Name', values, context);

    // Assess
    expect(chosen).toBeUndefined();
  });

  it('matches a tag scope when any one of the target tags is listed, and treats empty lists as "any"', () => {
    expect(resolveValue('Name', [{ value: 'eu', scope: { targetTags: ['db', 'eu'] } }], context)?.value).toBe('eu');
    expect(resolveValue('Name', [{ value: 'any', scope: { environments: [] } }], context)?.value).toBe('any');
  });

  it('refuses two values scoped to the same dimensions, naming both scopes', () => {
    // Prepare
    const values: VariableValue[] = [
      { value: 'a', scope: { environments: ['Production'] } },
      { value: 'b', scope: { environments: ['Production', 'Staging'] } },
    ];

    // Act
    const error = thrown(() => resolveValue('Replicas', values, context));

    // Assess
    expect(error).toBeInstanceOf(AmbiguousVariableError);
    expect(error.name).toBe('AmbiguousVariableError');
    expect(error.message).toBe('variable "Replicas" has 2 equally specific values for this deployment: environment Production and environment Production, Staging');
  });

  it('is not ambiguous when a tie sits below the winner', () => {
    const values: VariableValue[] = [
      { value: 'a', scope: { environments: ['Production'] } },
      { value: 'b', scope: { environments: ['Production'] } },
      { value: 'c', scope: { targets: ['eu-web'] } },
    ];
    expect(resolveValue('Name', values, context)?.value).toBe('c');
  });

  it('describes scopes from most to least specific', () => {
    expect(describeScope({ environments: ['Production'], targets: ['eu-web'], steps: ['deploy-web'], targetTags: ['web'] })).toBe(
      'target eu-web; target tag web; step deploy-web; environment Production',
    );
    expect(describeScope(undefined)).toBe('unscoped');
  });
});

describe('createVariableLookup', () => {
  it('serves every system variable from the context', () => {
    // Prepare
    const lookup = createVariableLookup([], context);

    // Act
    const values = Object.keys(SYSTEM_VARIABLES).map((name) => lookup(name)?.value);

    // Assess
    expect(values).toEqual(['Production', 'shop', '1.4.0', 'deployments-42', 'eu-web', 'team-a', 'deploy-web']);
  });

  it('has no Conveyor.Target.Namespace on a target without a namespace', () => {
    const lookup = createVariableLookup([], renderContext({ target: { name: 'admin', tags: [] } }));
    expect(lookup('Conveyor.Target.Namespace')).toBeUndefined();
  });

  it('refuses a project variable named like a system variable, in any case', () => {
    // Act
    const error = thrown(() => createVariableLookup([{ name: 'conveyor.environment.name', values: [{ value: 'Dev' }] }], context));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toBe('variable "conveyor.environment.name" is a system variable and cannot be set by a project');
  });

  it('matches names case-insensitively and merges values of the same variable', () => {
    // Prepare
    const lookup = createVariableLookup(
      [
        { name: 'Replicas', values: [{ value: '1' }] },
        { name: 'replicas', values: [{ value: '5', scope: { environments: ['Production'] }, sensitive: true }] },
      ],
      context,
    );

    // Act
    const resolved = lookup('REPLICAS');

    // Assess
    expect(resolved).toEqual({ value: '5', sensitive: true });
    expect(lookup('Unknown')).toBeUndefined();
  });

  it('reports ambiguity only when the variable is looked up', () => {
    // Prepare
    const lookup = createVariableLookup([{ name: 'Twice', values: [{ value: 'a' }, { value: 'b' }] }], context);

    // Act
    const error = thrown(() => lookup('Twice'));

    // Assess
    expect(error).toBeInstanceOf(AmbiguousVariableError);
    expect(error.message).toContain('unscoped and unscoped');
  });
});
