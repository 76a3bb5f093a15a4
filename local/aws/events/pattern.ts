/**
 * EventBridge event patterns, the part the catalog's rules use and a little more: a pattern is
 * an object whose leaves are arrays of alternatives; a field matches when its value (or, for an
 * array value, any of its elements) equals one of them; nested objects match nested fields
 * (`detail`). Content filters: `prefix`, `suffix`, `anything-but` (values or a prefix),
 * `exists`, `equals-ignore-case`. A pattern using anything else is refused when the rule is
 * loaded (checkPattern), so that a rule never silently matches nothing.
 */

export type EventPattern = { [field: string]: unknown };

const FILTERS = ['prefix', 'suffix', 'anything-but', 'exists', 'equals-ignore-case'] as const;
type Filter = (typeof FILTERS)[number];

export class InvalidPatternError extends Error {
  constructor(message: string) {
    super(`Event pattern is not valid: ${message}`);
    this.name = 'InvalidEventPatternException';
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isPrimitive = (value: unknown) => value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** Throws InvalidPatternError for a pattern this matcher would not match as EventBridge does. */
export function checkPattern(pattern: unknown, path = ''): void {
  if (!isObject(pattern) || Object.keys(pattern).length === 0) throw new InvalidPatternError(`${path || 'the pattern'} must be a non-empty object`);
  for (const [field, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${field}` : field;
    if (isObject(value)) {
      checkPattern(value, at);
      continue;
    }
    if (!Array.isArray(value) || value.length === 0) throw new InvalidPatternError(`${at} must be an object or a non-empty array`);
    for (const alternative of value) {
      if (isPrimitive(alternative)) continue;
      if (!isObject(alternative) || Object.keys(alternative).length !== 1 || !FILTERS.includes(Object.keys(alternative)[0] as Filter)) {
        throw new InvalidPatternError(`${at}: only values and the filters ${FILTERS.join(', ')} are supported locally`);
      }
    }
  }
}

/** Whether `event` matches `pattern` (checked with checkPattern). */
export function matches(pattern: EventPattern, event: unknown): boolean {
  if (!isObject(event)) return false;
  return Object.entries(pattern).every(([field, expected]) => {
    const present = Object.hasOwn(event, field);
    const value = event[field];
    if (isObject(expected)) return present && matches(expected, value);
    return (expected as unknown[]).some((alternative) => matchesAlternative(alternative, present, value));
  });
}

function matchesAlternative(alternative: unknown, present: boolean, value: unknown): boolean {
  if (isObject(alternative)) {
    const [filter, argument] = Object.entries(alternative)[0]! as [Filter, unknown];
    if (filter === 'exists') return present === argument;
    if (!present) return false;
    return valuesOf(value).some((v) => matchesFilter(filter, argument, v));
  }
  return present && valuesOf(value).some((v) => v === alternative);
}

/** An array value matches when any of its elements does. */
function valuesOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function matchesFilter(filter: Exclude<Filter, 'exists'>, argument: unknown, value: unknown): boolean {
  switch (filter) {
    case 'prefix':
      return typeof value === 'string' && typeof argument === 'string' && value.startsWith(argument);
    case 'suffix':
      return typeof value === 'string' && typeof argument === 'string' && value.endsWith(argument);
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof argument === 'string' && value.toLowerCase() === argument.toLowerCase();
    case 'anything-but':
      if (isObject(argument) && typeof argument.prefix === 'string') return !(typeof value === 'string' && value.startsWith(argument.prefix));
      return !valuesOf(argument).includes(value);
  }
}
