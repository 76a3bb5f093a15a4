/**
 * Strict JSON (RFC 8259) for `.json` manifest files. YAML reads JSON too, but also reads what
 * JSON forbids (trailing commas, comments, single quotes, unquoted keys, `NaN`, several values
 * in one file); a `.json` file says it is JSON, so anything else is a mistake worth reporting.
 * Duplicate keys are refused as well: JSON.parse would silently keep the last one.
 *
 * This validator builds no values, reports the offset of the first problem in a message of
 * its own (JSON.parse's messages quote the text around the problem, which may hold a secret,
 * and not all of them carry a position), and uses an explicit stack, so deep nesting cannot
 * overflow the call stack.
 */

/** The first problem of a text that is not exactly one JSON value. */
export type JsonProblem = { offset: number; message: string };

type Frame = { array: boolean; keys: Set<string> };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$]*/y;
const HEX4 = /[0-9A-Fa-f]{4}/y;
const LITERALS = ['true', 'false', 'null'] as const;
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
/** Below this code point a character must be escaped inside a string. */
const FIRST_PRINTABLE = 0x20;
const BLANKS = new Set([' ', '\t', '\n', '\r']);
const VALUE_KINDS = 'strings in double quotes, numbers, true, false, null, objects and arrays';

/** The offset after the blanks at `from`. */
function skipBlanks(text: string, from: number): number {
  let at = from;
  while (at < text.length && BLANKS.has(text[at])) at += 1;
  return at;
}

/** Why the character at `at` cannot start a value. */
function notAValue(text: string, at: number): string {
  const char = text[at];
  if (char === '/') return 'comments are not allowed in JSON';
  if (char === "'") return 'strings must be in double quotes';
  WORD.lastIndex = at;
  const word = WORD.exec(text)?.[0];
  if (word) return `"${word}" is not a JSON value (JSON values are ${VALUE_KINDS})`;
  return `unexpected "${char}" where a value should be (JSON values are ${VALUE_KINDS})`;
}

/** Why `char` cannot start a key. */
function notAKey(char: string): string {
  if (char === '/') return 'comments are not allowed in JSON';
  if (char === "'") return 'strings must be in double quotes';
  if (/[\w$]/.test(char)) return 'a key must be a string in double quotes';
  return `unexpected "${char}" where a key (a string in double quotes) should be`;
}

/** Scans a string starting at the quote `from`; returns the offset after it, or a problem. */
function scanString(text: string, from: number): number | JsonProblem {
  let at = from + 1;
  while (at < text.length) {
    const char = text[at];
    if (char === '"') return at + 1;
    if (char === '\\') {
      const escaped = text[at + 1];
      if (escaped === 'u') {
        HEX4.lastIndex = at + 2;
        if (!HEX4.test(text)) return { offset: at, message: 'a \\u escape needs four hex digits' };
        at += 6;
        continue;
      }
      if (!SIMPLE_ESCAPES.has(escaped)) return { offset: at, message: `invalid escape "\\${escaped ?? ''}" in a string` };
      at += 2;
      continue;
    }
    if (char.charCodeAt(0) < FIRST_PRINTABLE) {
      return { offset: at, message: 'a control character (such as a line break or a tab) in a string must be escaped' };
    }
    at += 1;
  }
  return { offset: from, message: 'unterminated string' };
}

/** The decoded text of the key string between `start` (the quote) and `end` (after the quote). */
function keyText(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/**
 * The first reason `text` is not exactly one strict JSON value, or undefined when it is.
 * `show` turns a key into what a message may print (markers into `#{Name}`).
 */
export function strictJsonProblem(text: string, show: (key: string) => string = (key) => key): JsonProblem | undefined {
  const stack: Frame[] = [];
  let at = skipBlanks(text, 0);
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    const frame = stack.at(-1);
    if (state === 'after') {
      at = skipBlanks(text, at);
      if (!frame) {
        return at < text.length ? { offset: at, message: 'more content after the JSON value (a JSON file holds one value)' } : undefined;
      }
      const close = frame.array ? ']' : '}';
      if (at >= text.length) return { offset: at, message: `unexpected end of input: expected "," or "${close}"` };
      if (text[at] === close) {
        stack.pop();
        at += 1;
        continue;
      }
      if (text[at] !== ',') {
        const hint = text[at] === '/' ? 'comments are not allowed in JSON' : `expected "," or "${close}"`;
        return { offset: at, message: hint };
      }
      const comma = at;
      at = skipBlanks(text, at + 1);
      if (text[at] === ']' || text[at] === '}') return { offset: comma, message: 'trailing comma: JSON allows no "," before a closing bracket' };
      state = frame.array ? 'value' : 'key';
      continue;
    }
    at = skipBlanks(text, at);
    if (at >= text.length) return { offset: at, message: stack.length ? 'unexpected end of input' : 'no JSON value' };
    if (state === 'key') {
      if (text[at] !== '"') return { offset: at, message: notAKey(text[at]) };
      const end = scanString(text, at);
      if (typeof end !== 'number') return end;
      const key = keyText(text, at, end);
      if (frame!.keys.has(key)) return { offset: at, message: `duplicate key "${show(key)}"` };
      frame!.keys.add(key);
      at = skipBlanks(text, end);
      if (text[at] !== ':') return { offset: at, message: 'expected ":" after a key' };
      at += 1;
      state = 'value';
      continue;
    }
    const char = text[at];
    if (char === '{' || char === '[') {
      stack.push({ array: char === '[', keys: new Set() });
      const inner = skipBlanks(text, at + 1);
      const empty = text[inner] === (char === '[' ? ']' : '}');
      if (empty) stack.pop();
      at = empty ? inner + 1 : inner;
      state = empty ? 'after' : char === '[' ? 'value' : 'key';
      continue;
    }
    if (char === '"') {
      const end = scanString(text, at);
      if (typeof end !== 'number') return end;
      at = end;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      NUMBER.lastIndex = at;
      if (!NUMBER.test(text)) return { offset: at, message: 'invalid number' };
      at = NUMBER.lastIndex;
    } else {
      const literal = LITERALS.find((word) => text.startsWith(word, at));
      WORD.lastIndex = at;
      if (!literal || WORD.exec(text)?.[0] !== literal) return { offset: at, message: notAValue(text, at) };
      at += literal.length;
    }
    state = 'after';
  }
}
