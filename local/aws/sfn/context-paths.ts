/**
 * Rewriting of context-object references (`$$...`) in a definition, before it goes to the engine.
 *
 * The engine takes one context object per run and overwrites its `Execution.Input` and
 * `Execution.StartTime` in every run it starts, Map iterations and Parallel branches included
 * (there `$$.Execution.Input` would be the item). So the runner keeps its own context under
 * `$$.Run` and points references there:
 * - expressions the engine evaluates (Choice rules, InputPath, ItemSelector, ResultSelector, ...)
 *   may read `$$.Execution.*`, `$$.StateMachine.*`, `$$.State.Name` (a static value, kept in
 *   `$$.Run.Names[i]`) and `$$.Map.*` (the engine's own, for ItemSelector);
 * - expressions the runner's handlers evaluate (Task Parameters, Wait and Fail paths) see the
 *   whole per-entry context: `$$.State.EnteredTime`, `$$.State.RetryCount`, `$$.Task.Token`.
 * Anything else cannot be given a correct value and is refused when the machine is registered.
 */
import type { JsonObject, JsonValue } from './types.ts';

/** The key of the runner's context object inside the engine's. */
export const RUN_CONTEXT_KEY = 'Run';
/** Under `$$.Run`: the state names, indexed, for `$$.State.Name` in engine-evaluated fields. */
export const STATE_NAMES_KEY = 'Names';

const PAYLOAD_PATH_SUFFIX = '.$';
const CONTEXT_PREFIX = '$$';
const INTRINSIC_QUOTE = "'";
const INTRINSIC_ESCAPE = '\\';
/** Characters that end a reference inside an intrinsic function's argument list. */
const REFERENCE_END = new Set([',', ')', ' ']);
const STATIC_ROOTS = /^\.(Execution|StateMachine)\b/;
const MAP_ROOT = /^\.Map\b/;
const TASK_ROOT = /^\.Task\b/;

/** A context reference the local runner cannot evaluate correctly in that place. */
export class UnsupportedReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedReferenceError';
  }
}

/** Turns one `$$...` reference into the path the engine should evaluate. */
export type ReferenceRewrite = (reference: string) => string;

/** Rewrites for expressions the engine evaluates in the state at `stateIndex` (see the file comment). */
export function engineReferences(stateIndex: number): ReferenceRewrite {
  return (reference) => {
    const rest = reference.slice(CONTEXT_PREFIX.length);
    if (STATIC_ROOTS.test(rest)) return `${CONTEXT_PREFIX}.${RUN_CONTEXT_KEY}${rest}`;
    if (rest === '.State.Name') return `${CONTEXT_PREFIX}.${RUN_CONTEXT_KEY}.${STATE_NAMES_KEY}[${stateIndex}]`;
    if (MAP_ROOT.test(rest)) return reference;
    throw new UnsupportedReferenceError(`${reference} is only supported in Task Parameters, Wait and Fail paths; here the local runner knows $$.Execution, $$.StateMachine, $$.State.Name and $$.Map`);
  };
}

/** Rewrites for expressions a handler evaluates with the full per-entry context. */
export function handlerReferences(hasTaskToken: boolean): ReferenceRewrite {
  return (reference) => {
    const rest = reference.slice(CONTEXT_PREFIX.length);
    if (MAP_ROOT.test(rest)) throw new UnsupportedReferenceError(`${reference}: $$.Map is only available in a Map state's ItemSelector`);
    if (TASK_ROOT.test(rest) && !hasTaskToken) {
      throw new UnsupportedReferenceError(`${reference}: $$.Task.Token exists only in .waitForTaskToken tasks`);
    }
    return `${CONTEXT_PREFIX}.${RUN_CONTEXT_KEY}${rest}`;
  };
}

/** Rewrites every context reference in a path (`$$.Execution.Id`) or an intrinsic (`States.Format('{}', $$.Execution.Id)`). */
export function rewriteExpression(expression: string, rewrite: ReferenceRewrite): string {
  if (expression.startsWith('$')) return expression.startsWith(CONTEXT_PREFIX) ? rewrite(expression) : expression;
  let out = '';
  let quoted = false;
  for (let i = 0; i < expression.length; ) {
    const ch = expression[i]!;
    if (quoted) {
      // A quoted literal is copied as is: '$$' inside it is text, not a reference.
      const take = ch === INTRINSIC_ESCAPE ? 2 : 1;
      out += expression.slice(i, i + take);
      if (ch === INTRINSIC_QUOTE) quoted = false;
      i += take;
    } else if (expression.startsWith(CONTEXT_PREFIX, i)) {
      let end = i;
      while (end < expression.length && !REFERENCE_END.has(expression[end]!)) end++;
      out += rewrite(expression.slice(i, end));
      i = end;
    } else {
      if (ch === INTRINSIC_QUOTE) quoted = true;
      out += ch;
      i++;
    }
  }
  return out;
}

/** Rewrites the expressions of a payload template: the string values of keys ending in `.$`, at any depth. */
export function rewriteTemplate(template: JsonValue, rewrite: ReferenceRewrite): JsonValue {
  if (Array.isArray(template)) return template.map((item) => rewriteTemplate(item, rewrite));
  if (template === null || typeof template !== 'object') return template;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    out[key] = key.endsWith(PAYLOAD_PATH_SUFFIX) && typeof value === 'string' ? rewriteExpression(value, rewrite) : rewriteTemplate(value, rewrite);
  }
  return out;
}

/** Rewrites a Choice rule: `Variable`, the `...Path` comparison operands, nested And / Or / Not. */
export function rewriteChoiceRule(rule: JsonObject, rewrite: ReferenceRewrite): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(rule)) {
    if ((key === 'Variable' || key.endsWith('Path')) && typeof value === 'string') out[key] = rewriteExpression(value, rewrite);
    else if ((key === 'And' || key === 'Or') && Array.isArray(value)) out[key] = value.map((r) => rewriteChoiceRule(r as JsonObject, rewrite));
    else if (key === 'Not' && value && typeof value === 'object' && !Array.isArray(value)) out[key] = rewriteChoiceRule(value, rewrite);
    else out[key] = value;
  }
  return out;
}

/** A path field (InputPath, SecondsPath, ...): rewritten when it is a string, kept when null or absent. */
export function rewritePath(path: JsonValue | undefined, rewrite: ReferenceRewrite): JsonValue | undefined {
  return typeof path === 'string' ? rewriteExpression(path, rewrite) : path;
}
