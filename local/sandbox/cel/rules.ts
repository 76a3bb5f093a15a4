/**
 * x-kubernetes-validations on custom resources, after k8s.io/apiextensions-apiserver
 * pkg/apiserver/schema/cel/validation.go (kube-apiserver 1.36): a rule sits at any schema
 * node and sees the value there as `self`; transition rules (those reading `oldSelf`) run
 * only on update and only where the old object has a value that correlates (same property,
 * same key of a map, same keys of a `x-kubernetes-list-type: map` item); an error of a rule
 * without `oldSelf` on a value that did not change is only a warning (CRD validation
 * ratcheting, on by default since 1.30). Rules compile once per schema (see RuleCache).
 */

import { type CauseReason, type FieldError, formatValue, invalid } from '../openapi/status.ts';
import type { SchemaNode } from '../openapi/swagger.ts';
import { CelCompileError } from './errors.ts';
import { CelEvaluationError, type CelProgram, compileExpression, OLD_SELF, optionalOf, producesType, SELF } from './expression.ts';
import { toCel } from './values.ts';

/** One entry of `x-kubernetes-validations`, as the CRD author wrote it. */
export type ValidationRule = {
  rule?: string;
  message?: string;
  messageExpression?: string;
  /** FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate. */
  reason?: string;
  /** JSON path under the node (`.spec.name`, `['a.b']`) the error is reported at. */
  fieldPath?: string;
  /** Evaluate on create too, with `oldSelf` an optional (optional.none() when there is no old value). */
  optionalOldSelf?: boolean;
};

/** A rule with its programs; `error` / `messageError` hold kube's detail text when they do not compile. */
export type CompiledRule = {
  rule: ValidationRule;
  program?: CelProgram;
  error?: string;
  message?: CelProgram;
  messageError?: string;
  usesOldSelf: boolean;
  /** fieldPath as a field path (`spec.name`, `labels[a.b]`), when valid. */
  fieldPath?: string;
};

/** The rules of one schema node and the nodes below it that have rules (others are left out). */
export type RuleNode = {
  schema: SchemaNode;
  /** The root of a resource (or embedded resource): `self.metadata` has only name and generateName. */
  resourceRoot: boolean;
  rules: CompiledRule[];
  properties?: Map<string, RuleNode>;
  items?: RuleNode;
  additionalProperties?: RuleNode;
  allOf?: RuleNode[];
};

/** Result of checking an object: errors refuse the write, warnings go back as `Warning` headers. */
export type RuleOutcome = { errors: FieldError[]; warnings: string[] };

export const SUPPORTED_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
/** celconfig.MaxEvaluatedMessageExpressionSizeBytes */
const MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;
const RULES_KEY = 'x-kubernetes-validations';

/** The rules written at a schema node (an empty list when none or not a list). */
export function rulesAt(schema: SchemaNode): ValidationRule[] {
  const rules = schema[RULES_KEY];
  return Array.isArray(rules) ? (rules as ValidationRule[]) : [];
}

/** Compiles one rule against the schema node it sits on (compileRule in compilation.go). */
export function compileRule(rule: ValidationRule, schema: SchemaNode): CompiledRule {
  const compiled: CompiledRule = { rule, usesOldSelf: false };
  const source = (rule.rule ?? '').trim();
  if (!source) return compiled;
  try {
    const program = compileExpression(source, { optionalOldSelf: rule.optionalOldSelf === true, selfSchema: schema });
    compiled.usesOldSelf = program.usesOldSelf;
    if (!producesType(program.outputType, 'bool')) {
      compiled.error = 'cel expression must evaluate to a bool';
      return compiled;
    }
    compiled.program = program;
  } catch (error) {
    if (!(error instanceof CelCompileError)) throw error;
    compiled.error = `compilation failed: ${error.detail}`;
    return compiled;
  }
  if (rule.messageExpression) {
    try {
      const message = compileExpression(rule.messageExpression, { selfSchema: schema });
      if (producesType(message.outputType, 'string')) compiled.message = message;
      else compiled.messageError = 'messageExpression must evaluate to a string';
    } catch (error) {
      if (!(error instanceof CelCompileError)) throw error;
      compiled.messageError = `messageExpression compilation failed: ${error.detail}`;
    }
  }
  if (rule.fieldPath) compiled.fieldPath = normalizeFieldPath(rule.fieldPath, schema);
  return compiled;
}

/**
 * The rules of a whole schema, or undefined when it has none.
 * @param validation the schema whose rules apply (an allOf branch shares its node's `schema`).
 */
export function compileRules(schema: SchemaNode, resourceRoot = true, validation: SchemaNode = schema): RuleNode | undefined {
  const node: RuleNode = { schema, resourceRoot, rules: rulesAt(validation).map((rule) => compileRule(rule, schema)) };
  let found = node.rules.length > 0;
  if (validation.items && schema.items) {
    node.items = compileRules(schema.items, Boolean(schema.items['x-kubernetes-embedded-resource']), validation.items);
    found ||= Boolean(node.items);
  }
  for (const [name, property] of Object.entries(validation.properties ?? {})) {
    const target = schema.properties?.[name];
    if (!target) continue;
    const child = compileRules(target, Boolean(target['x-kubernetes-embedded-resource']), property);
    if (!child) continue;
    (node.properties ??= new Map()).set(name, child);
    found = true;
  }
  if (typeof validation.additionalProperties === 'object' && typeof schema.additionalProperties === 'object') {
    node.additionalProperties = compileRules(schema.additionalProperties, Boolean(schema.additionalProperties['x-kubernetes-embedded-resource']), validation.additionalProperties);
    found ||= Boolean(node.additionalProperties);
  }
  for (const branch of validation.allOf ?? []) {
    const child = compileRules(schema, resourceRoot, branch);
    if (child) (node.allOf ??= []).push(child);
  }
  found ||= Boolean(node.allOf);
  return found ? node : undefined;
}

/**
 * Compiled rules per schema object. The registry builds a new schema object whenever a CRD
 * is registered again, so an entry lives exactly as long as that CRD generation's version.
 */
export class RuleCache {
  private readonly compiled = new WeakMap<SchemaNode, RuleNode | null>();

  for(schema: SchemaNode): RuleNode | undefined {
    let node = this.compiled.get(schema);
    if (node === undefined) this.compiled.set(schema, (node = compileRules(schema) ?? null));
    return node ?? undefined;
  }
}

/** Checks `value` (and, on update, `old`) against every rule in the tree. */
export function evaluateRules(root: RuleNode, value: unknown, old: unknown): RuleOutcome {
  const outcome: RuleOutcome = { errors: [], warnings: [] };
  walk(root, value, old, undefined, false, outcome);
  return outcome;
}

/**
 * @param path undefined at the root, printed `<nil>` as Go prints a nil *field.Path.
 * @param parentUnchanged whether the nearest correlated ancestor equals its old value.
 */
function walk(node: RuleNode, value: unknown, old: unknown, path: string | undefined, parentUnchanged: boolean, out: RuleOutcome): void {
  if (value === null || value === undefined) return;
  const unchanged = old !== undefined && old !== null ? jsonEqual(value, old) : parentUnchanged;
  const hasOld = old !== undefined && old !== null;
  if (node.rules.length) runRules(node, value, hasOld ? old : undefined, path, unchanged, out);
  for (const branch of node.allOf ?? []) walk(branch, value, old, path, parentUnchanged, out);
  if (Array.isArray(value)) {
    if (!node.items) return;
    const oldItems = correlatedItems(node.schema, old);
    value.forEach((item, i) => walk(node.items!, item, oldItems?.(item), `${path ?? ''}[${i}]`, unchanged, out));
    return;
  }
  if (typeof value !== 'object') return;
  const oldObject = hasOld && typeof old === 'object' && !Array.isArray(old) ? (old as Record<string, unknown>) : undefined;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (node.additionalProperties) walk(node.additionalProperties, child, oldObject?.[key], `${path ?? ''}[${key}]`, unchanged, out);
    const property = node.properties?.get(key);
    if (property) walk(property, child, oldObject?.[key], childPath(path, key), unchanged, out);
  }
}

function runRules(node: RuleNode, value: unknown, old: unknown, path: string | undefined, unchanged: boolean, out: RuleOutcome): void {
  const type = node.schema.type ?? '';
  const field = path ?? '<nil>';
  let self: unknown;
  let oldSelf: unknown;
  const values = () => {
    self ??= toCel(value, node.schema, node.resourceRoot);
    if (old !== undefined) oldSelf ??= toCel(old, node.schema, node.resourceRoot);
    return { self, oldSelf };
  };
  for (const compiled of node.rules) {
    const { rule } = compiled;
    if (compiled.error) {
      // Compilation is checked when the CRD is written; this is a CRD stored before that check.
      out.errors.push(invalid(field, type, `rule compile error: ${compiled.error}`));
      continue;
    }
    if (!compiled.program) continue;
    const optional = rule.optionalOldSelf === true;
    if (compiled.usesOldSelf && old === undefined && !optional) continue;
    const current = values();
    const activation = { [SELF]: current.self, [OLD_SELF]: optional ? optionalOf(current.oldSelf) : current.oldSelf };
    let result: unknown;
    try {
      result = compiled.program.evaluate(activation);
    } catch (error) {
      if (!(error instanceof CelEvaluationError)) throw error;
      out.errors.push(
        invalid(
          field,
          type,
          error.noSuchOverload
            ? `'${error.message}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`
            : `${error.message} evaluating rule: ${ruleErrorString(rule)}`,
        ),
      );
      continue;
    }
    if (result === true) continue;
    const target = compiled.fieldPath ? childPath(path, compiled.fieldPath) : field;
    const detail = messageFor(compiled, { [SELF]: current.self, [OLD_SELF]: current.oldSelf }) ?? ruleMessageOrDefault(rule);
    // Since 1.35 the value of an object or array is left out of the message.
    const shown = type === 'object' || type === 'array' ? OMIT : value;
    const error = fieldErrorForReason(target, shown, detail, rule.reason);
    if (!compiled.usesOldSelf && unchanged) out.warnings.push(`${error.field}: ${error.detail}`);
    else out.errors.push(error);
  }
}

/** The messageExpression's text, or undefined to fall back to message (evalMessageExpression). */
function messageFor(compiled: CompiledRule, activation: Record<string, unknown>): string | undefined {
  if (!compiled.message) return undefined;
  try {
    const text = compiled.message.evaluate(activation);
    if (typeof text !== 'string') return undefined;
    const trimmed = text.trim();
    if (!trimmed || trimmed.includes('\n') || Buffer.byteLength(trimmed) > MAX_MESSAGE_EXPRESSION_BYTES) return undefined;
    return trimmed;
  } catch (error) {
    if (error instanceof CelEvaluationError) return undefined;
    throw error;
  }
}

const OMIT = Symbol('omit value');

function fieldErrorForReason(field: string, value: unknown, detail: string, reason: string | undefined): FieldError {
  const shown = value === OMIT ? '' : `: ${formatValue(value)}`;
  switch (reason as CauseReason | undefined) {
    case 'FieldValueForbidden':
      return { reason: 'FieldValueForbidden', field, detail: `Forbidden: ${detail}` };
    case 'FieldValueRequired':
      return { reason: 'FieldValueRequired', field, detail: `Required value: ${detail}` };
    case 'FieldValueDuplicate':
      return { reason: 'FieldValueDuplicate', field, detail: `Duplicate value${shown}` };
    default:
      return { reason: 'FieldValueInvalid', field, detail: `Invalid value${shown}: ${detail}` };
  }
}

function ruleErrorString(rule: ValidationRule): string {
  return (rule.message?.trim() || rule.rule?.trim()) ?? '';
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
}

function childPath(path: string | undefined, name: string): string {
  return path === undefined ? name : `${path}.${name}`;
}

/**
 * Old items that correlate with new ones: only `x-kubernetes-list-type: map` lists, by their
 * key fields (makeMapList in maplist.go); other lists have no correlation.
 */
function correlatedItems(schema: SchemaNode, old: unknown): ((item: unknown) => unknown) | undefined {
  const keys = schema['x-kubernetes-list-map-keys'];
  if (schema['x-kubernetes-list-type'] !== 'map' || !keys?.length || !Array.isArray(old)) return undefined;
  const keyOf = (item: unknown) => (item && typeof item === 'object' ? JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k] ?? null)) : undefined);
  const byKey = new Map<string, unknown>();
  for (const item of old) {
    const key = keyOf(item);
    if (key !== undefined && !byKey.has(key)) byKey.set(key, item);
  }
  return (item) => {
    const key = keyOf(item);
    return key === undefined ? undefined : byKey.get(key);
  };
}

/**
 * `fieldPath` as the field path errors carry (ValidFieldPath): `.a.b` → `a.b`, `.m['k']` → `m[k]`
 * for a map; undefined when it does not name a field of the schema.
 */
export function normalizeFieldPath(jsonPath: string, schema: SchemaNode): string | undefined {
  const tokens = jsonPath.match(/'(?:[^'\\]|\\.)*'|[.[\]]|[^.[\]']+/g) ?? [];
  let path: string | undefined;
  let node: SchemaNode | undefined = schema;
  const step = (name: string): boolean => {
    if (!node) return false;
    if (node.properties) {
      node = node.properties[name];
      if (!node) return false;
      path = childPath(path, name);
      return true;
    }
    if (typeof node.additionalProperties === 'object') {
      node = node.additionalProperties;
      path = `${path ?? ''}[${name}]`;
      return true;
    }
    return false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '.') {
      const name = tokens[++i];
      if (name === undefined || !step(name)) return undefined;
    } else if (token === '[') {
      const quoted = tokens[++i];
      if (!quoted || quoted.length < 2 || !quoted.startsWith("'") || !quoted.endsWith("'") || tokens[++i] !== ']') return undefined;
      if (!step(quoted.slice(1, -1).replace(/\\(.)/g, '$1'))) return undefined;
    } else {
      return undefined;
    }
  }
  return path;
}

/** Structural equality of two JSON values. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => jsonEqual(v, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** kube stops at schema errors of these kinds before running rules (hasBlockingErr in strategy.go). */
const BLOCKING: ReadonlySet<CauseReason> = new Set(['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTypeInvalid']);
const NOT_CHECKED = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

/** The rules of custom resources, compiled once per CRD version's schema and run on each write. */
export class CustomResourceRules {
  private readonly cache = new RuleCache();

  /**
   * Checks `object` (`old` on update) against the rules of `schema`.
   * @param prior the write's other validation errors; some of them keep rules from running.
   */
  check(schema: SchemaNode, object: unknown, old: unknown, prior: readonly FieldError[]): RuleOutcome {
    const tree = this.cache.for(schema);
    if (!tree) return { errors: [], warnings: [] };
    if (prior.some((e) => BLOCKING.has(e.reason))) return { errors: [invalid('<nil>', null, NOT_CHECKED)], warnings: [] };
    return evaluateRules(tree, object, old);
  }
}
