/**
 * What a command prints: results on stdout (a table or a few lines as text, the API's JSON as
 * it came with `--output json`, so scripts read the same shapes the OpenAPI document gives),
 * progress and notes on stderr (so `--output json | jq` stays clean).
 */
export type OutputFormat = 'text' | 'json';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json'];

export type Writer = { write(text: string): unknown; isTTY?: boolean; columns?: number };

export class Output {
  constructor(
    readonly format: OutputFormat,
    readonly stdout: Writer = process.stdout,
    readonly stderr: Writer = process.stderr,
  ) {}

  get json(): boolean {
    return this.format === 'json';
  }

  /** `value` as JSON, or `text()` for people. */
  result(value: unknown, text: () => string): void {
    this.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : ensureNewline(text()));
  }

  /** A line on stdout in text mode only (JSON mode prints the result alone). */
  line(text: string): void {
    if (!this.json) this.stdout.write(ensureNewline(text));
  }

  /** Progress and hints: stderr, in both modes. */
  note(text: string): void {
    this.stderr.write(ensureNewline(text));
  }
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Columns padded to their widest cell; an empty list says so. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number | undefined)[])[], empty = '(none)'): string {
  if (rows.length === 0) return `${empty}\n`;
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return `${cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : (cell ?? '').padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** `key: value` lines for a record's scalar fields, in the order given. */
export function fields(entries: readonly [string, string | number | boolean | undefined][]): string {
  const shown = entries.filter(([, value]) => value !== undefined && value !== '');
  const width = Math.max(0, ...shown.map(([key]) => key.length));
  return `${shown.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${String(value)}`).join('\n')}\n`;
}
