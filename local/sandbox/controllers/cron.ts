/**
 * The standard 5-field cron schedule the CronJob controller accepts (robfig/cron v3
 * ParseStandard, which kube-controller-manager uses): minute hour day-of-month month
 * day-of-week, each `*`, `?`, a number or name, a range `a-b`, a step `*\/n`, `a-b/n` or
 * `a/n` (= a-max/n), or a comma list of those; plus the descriptors @yearly, @annually,
 * @monthly, @weekly, @daily, @midnight, @hourly and `@every <duration>`. Times are UTC.
 *
 * As in robfig/cron, when both day fields are restricted a day matches if either does;
 * when one of them is `*` (or `?`), both must.
 */
import { CronSyntaxError } from './errors.ts';

export { CronSyntaxError };

export type Schedule = {
  /** The first activation strictly after `afterMs` (ms since the epoch), or undefined if none within five years. */
  next(afterMs: number): number | undefined;
};

type Field = { name: string; min: number; max: number; names?: readonly string[] };

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Give up looking for an activation after this long (robfig/cron: five years). */
const SEARCH_LIMIT_MS = 5 * 366 * 24 * HOUR_MS;
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: MINUTE_MS, h: HOUR_MS };

type Parsed = { sets: Set<number>[]; starDom: boolean; starDow: boolean };

export function parseSchedule(spec: string): Schedule {
  const text = spec.trim();
  if (text.startsWith('@every ')) return every(text.slice('@every '.length).trim());
  const expanded = DESCRIPTORS[text.toLowerCase()] ?? text;
  if (expanded.startsWith('@')) throw new CronSyntaxError(`unrecognized descriptor: ${text}`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== FIELDS.length) throw new CronSyntaxError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  const stars = parts.map((p) => p === '*' || p === '?');
  const parsed: Parsed = { sets: parts.map((p, i) => parseField(p, FIELDS[i]!)), starDom: stars[2]!, starDow: stars[4]! };
  return { next: (afterMs) => nextActivation(parsed, afterMs) };
}

function parseField(text: string, field: Field): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, ...extra] = part.split('/');
    if (extra.length || range === undefined || range === '') throw new CronSyntaxError(`invalid ${field.name}: ${JSON.stringify(part)}`);
    let start: number;
    let end: number;
    if (range === '*' || range === '?') {
      start = field.min;
      end = field.max;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) throw new CronSyntaxError(`invalid ${field.name} range: ${JSON.stringify(range)}`);
      start = value(bounds[0]!, field);
      end = bounds.length === 2 ? value(bounds[1]!, field) : stepText !== undefined ? field.max : start;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronSyntaxError(`invalid ${field.name} step: ${JSON.stringify(stepText)}`);
    if (start > end) throw new CronSyntaxError(`beginning of ${field.name} range (${start}) beyond end of range (${end}): ${JSON.stringify(part)}`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return values;
}

function value(text: string, field: Field): number {
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  const n = named >= 0 ? named + field.min : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n)) throw new CronSyntaxError(`failed to parse ${field.name}: ${JSON.stringify(text)}`);
  if (n < field.min || n > field.max) throw new CronSyntaxError(`${field.name} ${n} out of range [${field.min}, ${field.max}]`);
  return n;
}

/** robfig/cron's SpecSchedule.Next, in UTC: advance the coarsest mismatching field first. */
function nextActivation({ sets, starDom, starDow }: Parsed, afterMs: number): number | undefined {
  const [minutes, hours, doms, months, dows] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const t = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const limit = afterMs + SEARCH_LIMIT_MS;
  const dayMatches = () => {
    const dom = doms.has(t.getUTCDate());
    const dow = dows.has(t.getUTCDay());
    return starDom || starDow ? dom && dow : dom || dow;
  };
  while (t.getTime() <= limit) {
    if (!months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches()) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t.getTime();
    }
  }
  return undefined;
}

/** `@every 1h30m`: fixed intervals from the given time, rounded down to the second (robfig ConstantDelaySchedule). */
function every(text: string): Schedule {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const ms = parts.reduce((sum, m) => sum + Number(m[1]) * DURATION_UNITS[m[2]!]!, 0);
  if (parts.map((m) => m[0]).join('') !== text || ms <= 0) throw new CronSyntaxError(`failed to parse duration @every ${text}`);
  const interval = Math.max(1000, Math.floor(ms / 1000) * 1000);
  return { next: (afterMs) => Math.floor(afterMs / 1000) * 1000 + interval };
}
