/**
 * ListSecrets: filters as AWS documents them (name, tag-key, tag-value, primary-region and
 * owning-service by case-sensitive prefix, description by case-insensitive prefix, `all` by
 * words; a value starting with "!" excludes), sorting by SortBy/SortOrder (ascending by
 * creation when absent), and pages. A NextToken names the last secret of the page and a
 * fingerprint of the query, so a secret created or deleted between pages neither repeats
 * nor shifts the next page, and a token used with another query is refused.
 */
import { createHash } from 'node:crypto';
import { invalidParameter, ServiceError, serialization } from './errors.ts';
import { type Input, optionalArray, optionalBoolean, optionalInteger, optionalString } from './input.ts';
import { type Operation, seconds, versionsToStages } from './operations.ts';
import type { SecretRecord } from './state.ts';

const MAX_RESULTS = 100;
const MAX_FILTERS = 10;
const MAX_FILTER_VALUES = 10;
const MAX_FILTER_VALUE_LENGTH = 512;
const MAX_TOKEN_LENGTH = 4096;
const FINGERPRINT_LENGTH = 16;
const NEGATION = '!';
const SORT_ORDERS = ['asc', 'desc'] as const;
type SortKey = number | string;

/** What each SortBy sorts on. */
const SORT_BY: Record<string, (s: SecretRecord) => SortKey> = {
  'created-date': (s) => s.created,
  'last-changed-date': (s) => s.lastChanged,
  'last-accessed-date': (s) => s.lastAccessed ?? 0,
  name: (s) => s.name,
};

type Filter = { key: string; values: string[] };

const startsWith = (text: string | undefined, prefix: string) => text?.startsWith(prefix) === true;
const startsWithIgnoringCase = (text: string | undefined, prefix: string) => startsWith(text?.toLowerCase(), prefix.toLowerCase());

/** Whether one (positive) filter value matches a secret, per key. */
const MATCHERS: Record<string, (secret: SecretRecord, value: string, region: string) => boolean> = {
  name: (s, v) => startsWith(s.name, v),
  description: (s, v) => startsWithIgnoringCase(s.description, v),
  'tag-key': (s, v) => s.tags.some((t) => startsWith(t.Key, v)),
  'tag-value': (s, v) => s.tags.some((t) => startsWith(t.Value, v)),
  'primary-region': (_s, v, region) => startsWith(region, v),
  // No local secret is managed by another service.
  'owning-service': () => false,
  all: (s, v) => {
    const text = [s.name, s.description ?? '', ...s.tags.flatMap((t) => [t.Key, t.Value])].join(' ').toLowerCase();
    return v
      .toLowerCase()
      .split(/\s+/)
      .filter(Boolean)
      .every((word) => text.includes(word));
  },
};

function filters(input: Input): Filter[] {
  return (optionalArray(input, 'Filters', MAX_FILTERS) ?? []).map((item) => {
    if (!item || typeof item !== 'object') throw serialization('each of Filters must be an object');
    const filter = item as Input;
    const key = optionalString(filter, 'Key', MAX_FILTER_VALUE_LENGTH);
    if (key === undefined || !Object.hasOwn(MATCHERS, key)) throw invalidParameter(`Invalid filter key: ${String(key)}. Valid keys: ${Object.keys(MATCHERS).join(', ')}`);
    const values = (optionalArray(filter, 'Values', MAX_FILTER_VALUES) ?? []).map((value) => {
      if (typeof value !== 'string') throw serialization('filter values must be strings');
      if (value.length === 0 || value.length > MAX_FILTER_VALUE_LENGTH) throw invalidParameter(`filter values must be 1 to ${MAX_FILTER_VALUE_LENGTH} characters`);
      return value;
    });
    if (values.length === 0) throw invalidParameter(`filter ${key} needs at least one value`);
    return { key, values };
  });
}

/** A filter matches when any of its positive values does (or it has none) and none of its "!" values does. */
function matches(secret: SecretRecord, filter: Filter, region: string): boolean {
  const match = MATCHERS[filter.key]!;
  const positive = filter.values.filter((v) => !v.startsWith(NEGATION));
  const negative = filter.values.filter((v) => v.startsWith(NEGATION)).map((v) => v.slice(NEGATION.length));
  return (positive.length === 0 || positive.some((v) => match(secret, v, region))) && !negative.some((v) => match(secret, v, region));
}

function compare(a: [SortKey, string], b: [SortKey, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

const invalidToken = () => new ServiceError('InvalidNextTokenException', 'The NextToken value is invalid.');

function decodeToken(token: string, fingerprint: string): [SortKey, string] {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { f?: unknown; k?: unknown };
    const key = decoded.k;
    const valid = decoded.f === fingerprint && Array.isArray(key) && key.length === 2 && ['number', 'string'].includes(typeof key[0]) && typeof key[1] === 'string';
    if (valid) return key as [SortKey, string];
  } catch {
    // Not base64 JSON: the same answer as a token of another query.
  }
  throw invalidToken();
}

export const listSecrets: Operation = (input, context) => {
  const includeDeleted = optionalBoolean(input, 'IncludePlannedDeletion') ?? false;
  const maxResults = optionalInteger(input, 'MaxResults', 1, MAX_RESULTS) ?? MAX_RESULTS;
  const filterList = filters(input);
  const sortBy = optionalString(input, 'SortBy', MAX_FILTER_VALUE_LENGTH) ?? 'created-date';
  const sortOrder = optionalString(input, 'SortOrder', MAX_FILTER_VALUE_LENGTH) ?? 'asc';
  const sortValue = Object.hasOwn(SORT_BY, sortBy) ? SORT_BY[sortBy] : undefined;
  if (!sortValue) throw invalidParameter(`SortBy must be one of ${Object.keys(SORT_BY).join(', ')}`);
  if (!(SORT_ORDERS as readonly string[]).includes(sortOrder)) throw invalidParameter(`SortOrder must be one of ${SORT_ORDERS.join(', ')}`);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([includeDeleted, filterList, sortBy, sortOrder]))
    .digest('hex')
    .slice(0, FINGERPRINT_LENGTH);
  const token = optionalString(input, 'NextToken', MAX_TOKEN_LENGTH);
  const after = token === undefined ? undefined : decodeToken(token, fingerprint);

  const direction = sortOrder === 'desc' ? -1 : 1;
  const keyOf = (s: SecretRecord): [SortKey, string] => [sortValue(s), s.arn];
  const ordered = context.state
    .all()
    .filter((s) => includeDeleted || s.deletedAt === undefined)
    .filter((s) => filterList.every((f) => matches(s, f, context.region)))
    .sort((a, b) => direction * compare(keyOf(a), keyOf(b)));
  const start = after === undefined ? 0 : ordered.findIndex((s) => direction * compare(keyOf(s), after) > 0);
  const page = start < 0 ? [] : ordered.slice(start, start + maxResults);
  const more = start >= 0 && start + maxResults < ordered.length;
  const last = page.at(-1);

  return {
    SecretList: page.map((s) => ({
      ARN: s.arn,
      Name: s.name,
      ...(s.description !== undefined ? { Description: s.description } : {}),
      LastChangedDate: seconds(s.lastChanged),
      ...(s.lastAccessed !== undefined ? { LastAccessedDate: seconds(s.lastAccessed) } : {}),
      ...(s.deletedAt !== undefined ? { DeletedDate: seconds(s.deletedAt) } : {}),
      ...(s.tags.length ? { Tags: s.tags } : {}),
      SecretVersionsToStages: versionsToStages(s),
      CreatedDate: seconds(s.created),
    })),
    ...(more && last ? { NextToken: Buffer.from(JSON.stringify({ f: fingerprint, k: keyOf(last) })).toString('base64url') } : {}),
  };
};
