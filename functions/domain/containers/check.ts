/**
 * A tiny collector for validation problems: each check records `field.path: what is wrong`
 * and returns the value only when it is usable, so one pass reports every problem at once
 * and the caller then throws a single InvalidManifestError (terminal: the user's to fix).
 */
import { type InputProblem, InvalidManifestError } from '../errors.ts';
import type { SourceLocation } from '../model.ts';

export const PORT_MIN = 1;
export const PORT_MAX = 65535;

export class Problems {
  readonly list: InputProblem[] = [];
  constructor(private readonly source?: SourceLocation) {}

  add(path: string, message: string): void {
    const problem: InputProblem = { message: `${path}: ${message}` };
    if (this.source) problem.source = this.source;
    this.list.push(problem);
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new InvalidManifestError(this.list);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field path helpers: `at('a', 'b')` is `a.b`, `at('a', 0)` is `a[0]`; an empty base is dropped. */
export function at(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** Reports fields the schema does not know: a typo (`replica:`) should not pass silently. */
export function onlyFields(p: Problems, path: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) p.add(at(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
}

export function record(p: Problems, path: string, value: unknown, required = false): Record<string, unknown> | undefined {
  if (value === undefined) {
    if (required) p.add(path, 'is required');
    return undefined;
  }
  if (!isRecord(value)) {
    p.add(path, 'must be an object');
    return undefined;
  }
  return value;
}

export function list(p: Problems, path: string, value: unknown, required = false): unknown[] | undefined {
  if (value === undefined) {
    if (required) p.add(path, 'is required');
    return undefined;
  }
  if (!Array.isArray(value)) {
    p.add(path, 'must be a list');
    return undefined;
  }
  return value;
}

type TextRule = { required?: boolean; pattern?: RegExp; max?: number; rule?: string };

export function text(p: Problems, path: string, value: unknown, options: TextRule = {}): string | undefined {
  if (value === undefined) {
    if (options.required) p.add(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0) {
    p.add(path, 'must be a non-empty string');
    return undefined;
  }
  if (options.max !== undefined && value.length > options.max) {
    p.add(path, `must be at most ${options.max} characters`);
    return undefined;
  }
  if (options.pattern && !options.pattern.test(value)) {
    p.add(path, `"${value}" ${options.rule ?? `must match ${options.pattern}`}`);
    return undefined;
  }
  return value;
}

export function integer(p: Problems, path: string, value: unknown, min: number, max: number, required = false): number | undefined {
  if (value === undefined) {
    if (required) p.add(path, 'is required');
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    p.add(path, `must be ${max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `${min}-${max}`}`);
    return undefined;
  }
  return value;
}

export function oneOf<T extends string>(p: Problems, path: string, value: unknown, allowed: readonly T[], required = false): T | undefined {
  if (value === undefined) {
    if (required) p.add(path, `is required (one of ${allowed.join(', ')})`);
    return undefined;
  }
  if (!allowed.includes(value as T)) {
    p.add(path, `must be one of ${allowed.join(', ')}`);
    return undefined;
  }
  return value as T;
}

/** A list of non-empty strings (command, args). */
export function strings(p: Problems, path: string, value: unknown): string[] | undefined {
  const items = list(p, path, value);
  if (!items) return undefined;
  const bad = items.findIndex((item) => typeof item !== 'string');
  if (bad >= 0) {
    p.add(at(path, bad), 'must be a string');
    return undefined;
  }
  return items as string[];
}

/** `Record<string, string>` whose keys match `keyPattern`. */
export function stringMap(p: Problems, path: string, value: unknown, keyPattern: RegExp, keyRule: string, required = false): Record<string, string> | undefined {
  const map = record(p, path, value, required);
  if (!map) return undefined;
  let ok = true;
  for (const [key, item] of Object.entries(map)) {
    if (!keyPattern.test(key)) {
      p.add(at(path, key), `key ${keyRule}`);
      ok = false;
    }
    if (typeof item !== 'string') {
      p.add(at(path, key), 'must be a string');
      ok = false;
    }
  }
  return ok ? (map as Record<string, string>) : undefined;
}

/** A port given as number (1-65535) or as a name; names are checked against `names`. */
export function portRef(p: Problems, path: string, value: unknown, names: ReadonlySet<string>, what: string): number | string | undefined {
  if (typeof value === 'string') {
    if (!names.has(value)) p.add(path, `"${value}" is not the name of any ${what}`);
    return value;
  }
  return integer(p, path, value, PORT_MIN, PORT_MAX, true);
}
