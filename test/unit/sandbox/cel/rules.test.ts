import { describe, expect, it } from 'vitest';
import { crdRuleErrors } from '#sandbox/cel/crd.ts';
import { CustomResourceRules, compileRules, evaluateRules, normalizeFieldPath, RuleCache, type ValidationRule } from '#sandbox/cel/rules.ts';
import type { SchemaNode } from '#sandbox/openapi/swagger.ts';
import type { KubeObject } from '#sandbox/types.ts';

/** A resource schema with `spec` carrying `specRules` and the given properties. */
function resource(specRules: ValidationRule[], properties: Record<string, SchemaNode>, rootRules: ValidationRule[] = []): SchemaNode {
  return {
    type: 'object',
    'x-kubernetes-validations': rootRules,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { type: 'object', 'x-kubernetes-validations': specRules, properties },
    },
  };
}

const replicas = { replicas: { type: 'integer' }, minReplicas: { type: 'integer' } };

function check(schema: SchemaNode, value: unknown, old?: unknown) {
  return evaluateRules(compileRules(schema)!, value, old);
}

describe('evaluateRules', () => {
  it("reports at the rule's node, leaving out object values and showing scalars", () => {
    // Prepare
    const schema = resource([{ rule: 'self.minReplicas <= self.replicas', message: 'minReplicas must not exceed replicas' }], {
      ...replicas,
      name: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.matches('^[a-z]+$')" }] },
    });

    // Act
    const outcome = check(schema, { spec: { replicas: 1, minReplicas: 2, name: 'Web' } });

    // Assess
    expect(outcome.errors).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec', detail: 'Invalid value: minReplicas must not exceed replicas' },
      { reason: 'FieldValueInvalid', field: 'spec.name', detail: 'Invalid value: "Web": failed rule: self.matches(\'^[a-z]+$\')' },
    ]);
  });

  it('reports a root rule at <nil>, and sees only name and generateName of metadata', () => {
    // Prepare
    const schema = resource([], replicas, [{ rule: "self.metadata.name.startsWith('app-') && !has(self.metadata.labels)", message: 'names start with app-' }]);

    // Act
    const labelled = check(schema, { metadata: { name: 'app-1', labels: { a: 'b' } }, spec: {} });
    const misnamed = check(schema, { metadata: { name: 'web' }, spec: {} });

    // Assess
    expect(labelled.errors).toEqual([]);
    expect(misnamed.errors).toEqual([{ reason: 'FieldValueInvalid', field: '<nil>', detail: 'Invalid value: names start with app-' }]);
  });

  it('honours fieldPath, reason and messageExpression, falling back to message when the expression fails', () => {
    // Prepare
    const schema = resource(
      [
        { rule: 'self.replicas <= 10', fieldPath: '.replicas', reason: 'FieldValueForbidden', messageExpression: "'replicas ' + string(self.replicas) + ' is over 10'" },
        { rule: 'self.minReplicas >= 1', message: 'minReplicas must be positive', messageExpression: 'self.missing' },
      ],
      replicas,
    );

    // Act
    const outcome = check(schema, { spec: { replicas: 11, minReplicas: 0 } });

    // Assess
    expect(outcome.errors).toEqual([
      { reason: 'FieldValueForbidden', field: 'spec.replicas', detail: 'Forbidden: replicas 11 is over 10' },
      { reason: 'FieldValueInvalid', field: 'spec', detail: 'Invalid value: minReplicas must be positive' },
    ]);
  });

  it('runs a transition rule only on update, where the old value exists', () => {
    // Prepare
    const schema = resource([], { region: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'field is immutable' }] } });

    // Act
    const created = check(schema, { spec: { region: 'eu' } });
    const added = check(schema, { spec: { region: 'eu' } }, { spec: {} });
    const moved = check(schema, { spec: { region: 'us' } }, { spec: { region: 'eu' } });

    // Assess
    expect(created.errors).toEqual([]);
    expect(added.errors).toEqual([]);
    expect(moved.errors).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.region', detail: 'Invalid value: "us": field is immutable' }]);
  });

  it('runs an optionalOldSelf rule on create too', () => {
    // Prepare
    const schema = resource([], {
      region: { type: 'string', 'x-kubernetes-validations': [{ rule: "oldSelf.hasValue() || self == 'eu'", optionalOldSelf: true, message: 'new objects start in eu' }] },
    });

    // Act
    const created = check(schema, { spec: { region: 'us' } });
    const updated = check(schema, { spec: { region: 'us' } }, { spec: { region: 'eu' } });

    // Assess
    expect(created.errors.map((e) => e.detail)).toEqual(['Invalid value: "us": new objects start in eu']);
    expect(updated.errors).toEqual([]);
  });

  it('matches the items of a map list by key for transition rules', () => {
    // Prepare
    const schema = resource([], {
      ports: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, port: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.port == oldSelf.port', message: 'port is immutable' }],
        },
      },
    });
    const old = {
      spec: {
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
        ],
      },
    };

    // Act
    const reordered = check(
      schema,
      {
        spec: {
          ports: [
            { name: 'https', port: 443 },
            { name: 'http', port: 80 },
            { name: 'admin', port: 9 },
          ],
        },
      },
      old,
    );
    const changed = check(schema, { spec: { ports: [{ name: 'https', port: 8443 }] } }, old);

    // Assess
    expect(reordered.errors).toEqual([]);
    expect(changed.errors).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.ports[0]', detail: 'Invalid value: port is immutable' }]);
  });

  it('only warns when a value that breaks a rule did not change (ratcheting)', () => {
    // Prepare
    const schema = resource([], { ...replicas, zones: { type: 'array', items: { type: 'string' }, 'x-kubernetes-validations': [{ rule: 'self.size() <= 1' }] } });
    const old = { spec: { replicas: 1, zones: ['a', 'b'] } };

    // Act
    const untouched = check(schema, { spec: { replicas: 2, zones: ['a', 'b'] } }, old);
    const touched = check(schema, { spec: { replicas: 2, zones: ['a', 'c'] } }, old);

    // Assess
    expect(untouched.errors).toEqual([]);
    expect(untouched.warnings).toEqual(['spec.zones: Invalid value: failed rule: self.size() <= 1']);
    expect(touched.errors).toHaveLength(1);
  });

  it('treats integers as CEL ints and numbers as doubles', () => {
    // Prepare
    const schema = resource([{ rule: 'self.count / 2 == 1 && self.ratio / 2.0 == 0.75' }], { count: { type: 'integer' }, ratio: { type: 'number' } });

    // Act
    const outcome = check(schema, { spec: { count: 3, ratio: 1.5 } });

    // Assess: 3 / 2 is integer division.
    expect(outcome.errors).toEqual([]);
  });

  it('reports a runtime error with the rule it came from', () => {
    // Prepare
    const schema = resource([{ rule: 'self.minReplicas <= self.replicas' }], replicas);

    // Act
    const outcome = check(schema, { spec: { replicas: 1 } });

    // Assess
    expect(outcome.errors).toEqual([{ reason: 'FieldValueInvalid', field: 'spec', detail: 'Invalid value: "object": no such key: minReplicas evaluating rule: self.minReplicas <= self.replicas' }]);
  });
});

describe('RuleCache and CustomResourceRules', () => {
  it("compiles a schema's rules once and skips schemas without rules", () => {
    // Prepare
    const cache = new RuleCache();
    const schema = resource([{ rule: 'self.replicas >= 0' }], replicas);

    // Act
    const first = cache.for(schema);
    const second = cache.for(schema);

    // Assess
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect(cache.for({ type: 'object', properties: { spec: { type: 'object' } } })).toBeUndefined();
  });

  it('does not run rules when the object already has a blocking error', () => {
    // Prepare
    const rules = new CustomResourceRules();
    const schema = resource([{ rule: 'self.replicas >= 0' }], replicas);

    // Act
    const outcome = rules.check(schema, { spec: { replicas: -1 } }, undefined, [{ reason: 'FieldValueRequired', field: 'metadata.name', detail: 'Required value' }]);

    // Assess
    expect(outcome.errors).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: '<nil>',
        detail: 'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
      },
    ]);
  });

  it('normalizes fieldPath like ValidFieldPath', () => {
    // Prepare
    const schema: SchemaNode = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } } }, m: { type: 'object', additionalProperties: { type: 'string' } } } };

    // Act & Assess
    expect(normalizeFieldPath('.a.b', schema)).toBe('a.b');
    expect(normalizeFieldPath(".m['x.y']", schema)).toBe('m[x.y]');
    expect(normalizeFieldPath('.a.c', schema)).toBeUndefined();
    expect(normalizeFieldPath('a', schema)).toBeUndefined();
  });
});

describe('crdRuleErrors', () => {
  function crd(versions: Array<{ name: string; schema: SchemaNode }>): KubeObject {
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: { versions: versions.map((v) => ({ name: v.name, served: true, storage: v.name === 'v1', schema: { openAPIV3Schema: v.schema } })) },
    };
  }
  const specSchema = (rules: ValidationRule[]): SchemaNode => ({ type: 'object', properties: { spec: { type: 'object', properties: replicas, 'x-kubernetes-validations': rules } } });

  it('accepts rules that compile', () => {
    // Act
    const errors = crdRuleErrors(crd([{ name: 'v1', schema: specSchema([{ rule: 'self.minReplicas <= self.replicas' }, { rule: 'self.replicas == oldSelf.replicas', optionalOldSelf: false }]) }]));

    // Assess
    expect(errors).toEqual([]);
  });

  it('names the version when versions have different schemas, and refuses rules that do not yield a bool', () => {
    // Act
    const errors = crdRuleErrors(
      crd([
        { name: 'v1', schema: specSchema([]) },
        { name: 'v2', schema: specSchema([{ rule: 'self.replicas' }]) },
      ]),
    );

    // Assess
    expect(errors).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.versions[1].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule',
        detail: 'Invalid value: {"Rule":"self.replicas","Message":"","MessageExpression":"","Reason":null,"FieldPath":"","OptionalOldSelf":null}: cel expression must evaluate to a bool',
      },
    ]);
  });

  it('checks the fields of a rule before compiling it', () => {
    // Act
    const errors = crdRuleErrors(crd([{ name: 'v1', schema: specSchema([{ rule: '' }, { rule: 'self.replicas > 0', reason: 'Bogus', fieldPath: '.nope' }]) }]));

    // Assess
    const at = 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations';
    expect(errors.map((e) => `${e.field}: ${e.detail}`)).toEqual([
      `${at}[0].rule: Required value: rule is not specified`,
      `${at}[1].reason: Unsupported value: "Bogus": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      `${at}[1].fieldPath: Invalid value: ".nope": must be a valid path`,
    ]);
  });

  it('refuses optionalOldSelf without oldSelf, and oldSelf under items that cannot be correlated', () => {
    // Prepare
    const schema: SchemaNode = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          'x-kubernetes-validations': [{ rule: 'self.size() > 0', optionalOldSelf: true }],
          properties: { tags: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } },
        },
      },
    };

    // Act
    const errors = crdRuleErrors(crd([{ name: 'v1', schema }]));

    // Assess
    const base = 'spec.validation.openAPIV3Schema.properties[spec]';
    expect(errors.map((e) => `${e.field}: ${e.detail}`)).toEqual([
      `${base}.properties[tags].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${base}.properties[tags]`,
      `${base}.x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`,
    ]);
  });
});
