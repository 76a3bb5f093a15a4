/**
 * The wrapper around the CEL library (@marcbachmann/cel-js): one environment declaring the
 * variables a CRD validation rule sees (`self`, and `oldSelf` plain or optional), compile with
 * errors worded like cel-go's issues, and evaluation that turns library errors into the
 * runtime texts kube-apiserver prints. The rest of the sandbox never imports the library.
 *
 * Kubernetes types `self` from the schema (k8s.io/apiextensions-apiserver
 * pkg/apiserver/schema/cel/compilation.go). Here `self` is `dyn`, so type errors between
 * known fields surface at evaluation rather than at CRD creation; references to fields the
 * schema does not declare are still refused at compile time (see `undefinedField`).
 */
import { type ASTNode, Environment, EvaluationError, Optional, ParseError, type ParseResult } from '@marcbachmann/cel-js';
import type { SchemaNode } from '../openapi/swagger.ts';
import { CelCompileError } from './errors.ts';

/** Name of the value at the rule's schema node, and of its previous value on update. */
export const SELF = 'self';
export const OLD_SELF = 'oldSelf';

/** What a compiled expression must produce: a rule a bool, a messageExpression a string. */
export type ExpectedType = 'bool' | 'string';

/** A compiled expression, reusable across requests. */
export type CelProgram = {
  /** Whether the expression reads `oldSelf` (a transition rule). */
  usesOldSelf: boolean;
  /** Runs the expression; throws CelEvaluationError with kube's wording on a runtime error. */
  evaluate(activation: Record<string, unknown>): unknown;
};

/** A runtime failure, already worded as cel-go words it (`no such key: x`, `no such overload`). */
export class CelEvaluationError extends Error {
  /** True for a call with arguments no overload takes (kube words these differently). */
  readonly noSuchOverload: boolean;

  constructor(message: string, noSuchOverload: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CelEvaluationError';
    this.noSuchOverload = noSuchOverload;
  }
}

const ENV_OPTIONS = { enableOptionalTypes: true, homogeneousAggregateLiterals: false } as const;

/** Built once: `oldSelf` is the old value, or (optionalOldSelf rules) an optional of it. */
const environments = {
  plain: new Environment(ENV_OPTIONS).registerVariable(SELF, 'dyn').registerVariable(OLD_SELF, 'dyn'),
  optional: new Environment(ENV_OPTIONS).registerVariable(SELF, 'dyn').registerVariable(OLD_SELF, 'optional<dyn>'),
};

/** `optional.none()` / `optional.of(v)` for an optionalOldSelf rule's `oldSelf`. */
export function optionalOf(value: unknown): unknown {
  return value === undefined ? Optional.none() : Optional.of(value);
}

/**
 * Parses and checks `source`.
 * @param selfSchema the schema node `self` stands for, to refuse undeclared fields.
 * @throws CelCompileError with cel-go style text when it does not parse or check.
 */
export function compileExpression(source: string, options: { optionalOldSelf?: boolean; selfSchema?: SchemaNode }): CelProgram & { outputType: string } {
  const env = options.optionalOldSelf ? environments.optional : environments.plain;
  let parsed: ParseResult;
  try {
    parsed = env.parse(source);
  } catch (error) {
    if (error instanceof ParseError) throw new CelCompileError(issue(source, error.range?.start ?? 0, `Syntax error: ${error.summary}`), { cause: error });
    throw error;
  }
  const undefinedSelect = options.selfSchema ? undefinedField(parsed.ast, options.selfSchema) : undefined;
  if (undefinedSelect) throw new CelCompileError(issue(source, undefinedSelect.pos, `undefined field '${undefinedSelect.field}'`));
  const checked = parsed.check();
  if (!checked.valid) {
    const error = checked.error!;
    throw new CelCompileError(issue(source, error.range?.start ?? 0, checkMessage(error.summary)), { cause: error });
  }
  const checkedType = checked.type ?? 'dyn';
  return {
    outputType: checkedType === 'dyn' && options.selfSchema ? (schemaType(selected(parsed.ast, options.selfSchema)) ?? checkedType) : checkedType,
    usesOldSelf: references(parsed.ast, OLD_SELF),
    evaluate: (activation) => {
      try {
        return parsed(activation);
      } catch (error) {
        if (error instanceof EvaluationError) throw runtimeError(error);
        throw error;
      }
    },
  };
}

/** Does the compiled type satisfy `expected`? `dyn` is decided at evaluation. */
export function producesType(outputType: string, expected: ExpectedType): boolean {
  return outputType === expected || outputType === 'dyn';
}

/** cel-go's issue text: `ERROR: <input>:line:col: message`, the source line, dots and a caret. */
function issue(source: string, offset: number, message: string): string {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = offset - lineStart;
  const end = source.indexOf('\n', lineStart);
  const snippet = source.slice(lineStart, end < 0 ? source.length : end).replace(/\t/g, ' ');
  return `ERROR: <input>:${line}:${column + 1}: ${message}\n | ${snippet}\n | ${'.'.repeat(Math.min(column, snippet.length))}^`;
}

/** Type-check messages in cel-go's words where the two libraries name the same problem. */
function checkMessage(summary: string): string {
  const unknown = /^Unknown variable: (.+)$/.exec(summary);
  if (unknown) return `undeclared reference to '${unknown[1]}' (in container '')`;
  return summary;
}

function runtimeError(error: EvaluationError): CelEvaluationError {
  const summary = error.summary;
  if (/no matching overload/i.test(summary)) return new CelEvaluationError('no such overload', true, { cause: error });
  // cel-go's runtime errors start lower-case: "no such key: x", "division by zero".
  return new CelEvaluationError(summary.charAt(0).toLowerCase() + summary.slice(1), false, { cause: error });
}

function children(node: ASTNode): ASTNode[] {
  const out: ASTNode[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object' && 'op' in value) out.push(value as ASTNode);
  };
  if (node.op !== 'value' && node.op !== 'id') visit(node.args);
  return out;
}

function references(node: ASTNode, name: string): boolean {
  if (node.op === 'id') return node.args === name;
  return children(node).some((child) => references(child, name));
}

/**
 * The first `self.a.b` selection naming a property the schema does not declare, as cel-go's
 * checker refuses it against the schema-derived type. Objects that keep unknown fields or
 * are maps (additionalProperties) accept any name.
 */
function undefinedField(root: ASTNode, selfSchema: SchemaNode): { field: string; pos: number } | undefined {
  const schemaOf = (node: ASTNode) => selected(node, selfSchema);
  let found: { field: string; pos: number } | undefined;
  const visit = (node: ASTNode): void => {
    if (found) return;
    if (node.op === '.') {
      const [operand, field] = node.args;
      const parent = schemaOf(operand);
      if (parent && closedObject(parent) && !(field in parent.properties!)) {
        found = { field, pos: Math.max(0, node.pos - 1) };
        return;
      }
    }
    children(node).forEach(visit);
  };
  visit(root);
  return found;
}

/** The schema node a bare `self.a.b` (or `self`) expression stands for. */
function selected(node: ASTNode, selfSchema: SchemaNode): SchemaNode | undefined {
  if (node.op === 'id') return node.args === SELF || node.args === OLD_SELF ? selfSchema : undefined;
  if (node.op !== '.') return undefined;
  const [operand, field] = node.args;
  return selected(operand, selfSchema)?.properties?.[field];
}

/** CEL type of a schema node, where the schema says (int-or-string and untyped nodes stay dyn). */
function schemaType(schema: SchemaNode | undefined): string | undefined {
  if (!schema?.type || schema['x-kubernetes-int-or-string']) return undefined;
  return ({ integer: 'int', number: 'double', string: 'string', boolean: 'bool', object: 'map', array: 'list' } as Record<string, string>)[schema.type];
}

function closedObject(schema: SchemaNode): boolean {
  return Boolean(schema.properties) && !schema['x-kubernetes-preserve-unknown-fields'] && !schema.additionalProperties;
}
