/**
 * Reads a `--variables FILE`: either a map of NAME: VALUE, or a list of variables with
 * scoped values as the domain models them. Problems name the file and the entry.
 */
import { parse } from 'yaml';
import type { Variable, VariableScope, VariableValue } from '#domain/model.ts';
import { UsageError } from '../errors.ts';

const SCOPE_KEYS = ['environments', 'targetTags', 'targets', 'steps'] as const;

export function parseVariablesFile(file: string, text: string): Variable[] {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (data === null || data === undefined) return [];
  if (Array.isArray(data)) return data.map((entry, i) => listEntry(file, entry, i));
  if (typeof data === 'object') {
    return Object.entries(data as Record<string, unknown>).map(([name, value]) => ({ name, values: [{ value: scalar(file, name, value) }] }));
  }
  throw new UsageError(`${file}: expected a map of NAME: VALUE or a list of variables`);
}

function scalar(file: string, where: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UsageError(`${file}: ${where}: a value must be a string, number or boolean`);
}

function listEntry(file: string, entry: unknown, index: number): Variable {
  const at = `entry ${index + 1}`;
  if (!entry || typeof entry !== 'object') throw new UsageError(`${file}: ${at}: expected an object with name and values`);
  const e = entry as Record<string, unknown>;
  if (typeof e.name !== 'string' || !e.name) throw new UsageError(`${file}: ${at}: name is required`);
  const rawValues = e.values ?? [{ value: e.value, sensitive: e.sensitive, scope: e.scope }];
  if (!Array.isArray(rawValues) || rawValues.length === 0) throw new UsageError(`${file}: ${at} (${e.name}): values must be a non-empty list`);
  return { name: e.name, values: rawValues.map((v, i) => value(file, `${at} (${e.name}) value ${i + 1}`, v)) };
}

function value(file: string, at: string, raw: unknown): VariableValue {
  if (!raw || typeof raw !== 'object') throw new UsageError(`${file}: ${at}: expected {value, sensitive?, scope?}`);
  const v = raw as Record<string, unknown>;
  const result: VariableValue = { value: scalar(file, at, v.value) };
  if (v.sensitive !== undefined) {
    if (typeof v.sensitive !== 'boolean') throw new UsageError(`${file}: ${at}: sensitive must be true or false`);
    result.sensitive = v.sensitive;
  }
  if (v.scope !== undefined) {
    if (!v.scope || typeof v.scope !== 'object') throw new UsageError(`${file}: ${at}: scope must be an object`);
    const scope: VariableScope = {};
    for (const [key, list] of Object.entries(v.scope as Record<string, unknown>)) {
      if (!(SCOPE_KEYS as readonly string[]).includes(key)) throw new UsageError(`${file}: ${at}: unknown scope "${key}" (expected ${SCOPE_KEYS.join(', ')})`);
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw new UsageError(`${file}: ${at}: scope.${key} must be a list of strings`);
      scope[key as keyof VariableScope] = list as string[];
    }
    result.scope = scope;
  }
  return result;
}
