/**
 * The filters of Octopus variable syntax: `#{Name | ToLower}`. They are applied left to
 * right (`#{Name | Trim | ToUpper}`). Names are matched case-insensitively, as Octopus does,
 * and take no arguments.
 */

export type Filter = (value: string) => string;

/** Known filters by lower-case name. */
const FILTERS: Record<string, Filter> = {
  tolower: (value) => value.toLowerCase(),
  toupper: (value) => value.toUpperCase(),
  /** UTF-8 bytes in standard base64: what a Secret's `data` field expects. */
  base64: (value) => Buffer.from(value, 'utf8').toString('base64'),
  /** Safe inside a JSON string literal (quotes, backslashes, control characters). */
  jsonescape: (value) => JSON.stringify(value).slice(1, -1),
  /** Safe inside a YAML single-quoted scalar, where a quote is written twice. */
  yamlsinglequoteescape: (value) => value.replaceAll("'", "''"),
  trim: (value) => value.trim(),
};

/** The filter called `name` (any case), or undefined when there is none. */
export function findFilter(name: string): Filter | undefined {
  return Object.hasOwn(FILTERS, name.toLowerCase()) ? FILTERS[name.toLowerCase()] : undefined;
}

/** Filter names as documented, for error messages. */
export const FILTER_NAMES = ['ToLower', 'ToUpper', 'Base64', 'JsonEscape', 'YamlSingleQuoteEscape', 'Trim'] as const;
