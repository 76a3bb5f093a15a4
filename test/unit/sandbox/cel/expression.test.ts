import { describe, expect, it } from 'vitest';
import { CelCompileError } from '#sandbox/cel/errors.ts';
import { CelEvaluationError, compileExpression, optionalOf } from '#sandbox/cel/expression.ts';
import type { SchemaNode } from '#sandbox/openapi/swagger.ts';

const spec: SchemaNode = { type: 'object', properties: { replicas: { type: 'integer' }, name: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } } };

function compileError(source: string, selfSchema?: SchemaNode): string {
  try {
    compileExpression(source, { selfSchema });
  } catch (error) {
    if (error instanceof CelCompileError) return error.detail;
    throw error;
  }
  throw new Error(`expected ${source} not to compile`);
}

describe('compileExpression', () => {
  it('words a syntax error as cel-go does, with the line and a caret under the column', () => {
    // Act
    const detail = compileError('self.replicas >');

    // Assess
    expect(detail).toBe('ERROR: <input>:1:16: Syntax error: Unexpected token: EOF\n | self.replicas >\n | ...............^');
  });

  it('refuses undeclared variables and fields the schema does not declare', () => {
    // Act
    const undeclared = compileError('replicas > 1', spec);
    const undefinedField = compileError('self.replicaz > 1', spec);

    // Assess
    expect(undeclared).toMatch(/^ERROR: <input>:1:1: undeclared reference to 'replicas' \(in container ''\)/);
    expect(undefinedField).toMatch(/^ERROR: <input>:1:5: undefined field 'replicaz'/);
  });

  it('accepts any key of a map and reports the type a bare field selection yields', () => {
    // Act
    const mapKey = compileExpression("self.labels.team == 'a'", { selfSchema: spec });
    const bare = compileExpression('self.replicas', { selfSchema: spec });

    // Assess
    expect(mapKey.outputType).toBe('bool');
    expect(bare.outputType).toBe('int');
  });

  it('knows which expressions read oldSelf', () => {
    // Act
    const transition = compileExpression('self.name == oldSelf.name', {});
    const plain = compileExpression('self.name.startsWith("a") && self.replicas >= 0', {});

    // Assess
    expect(transition.usesOldSelf).toBe(true);
    expect(plain.usesOldSelf).toBe(false);
  });

  it('evaluates macros, string functions and has() on maps', () => {
    // Prepare
    const program = compileExpression("has(self.tags) && self.tags.all(t, t.matches('^[a-z]+$')) && self.tags.exists(t, t.startsWith('we'))", {});

    // Act
    const ok = program.evaluate({ self: new Map([['tags', ['web', 'db']]]) });
    const bad = program.evaluate({ self: new Map([['tags', ['Web']]]) });
    const absent = program.evaluate({ self: new Map() });

    // Assess
    expect([ok, bad, absent]).toEqual([true, false, false]);
  });

  it('gives an optionalOldSelf expression oldSelf as an optional', () => {
    // Prepare
    const program = compileExpression('!oldSelf.hasValue() || oldSelf.value() == self', { optionalOldSelf: true });

    // Act
    const created = program.evaluate({ self: 1n, oldSelf: optionalOf(undefined) });
    const changed = program.evaluate({ self: 1n, oldSelf: optionalOf(2n) });

    // Assess
    expect(created).toBe(true);
    expect(changed).toBe(false);
  });

  it('words runtime errors as cel-go does', () => {
    // Prepare
    const program = compileExpression('self.missing == 1', {});

    // Act
    let caught: unknown;
    try {
      program.evaluate({ self: new Map() });
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(CelEvaluationError);
    expect((caught as Error).message).toBe('no such key: missing');
  });
});
