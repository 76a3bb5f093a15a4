import { describe, expect, it } from 'vitest';
import { REDACTION_MARKER, redactMarkers, substituteDocument, type SubstitutionProblems } from '#domain/render/substitute.ts';
import type { VariableLookup } from '#domain/render/variables.ts';

const VALUES: Record<string, { value: string; sensitive: boolean }> = {
  name: { value: '  Web App  ', sensitive: false },
  quote: { value: `it's "here"\\`, sensitive: false },
  'db.password': { value: 's3cr3t-hunter2', sensitive: true },
  'app-name_2': { value: 'ok', sensitive: false },
};
const lookup: VariableLookup = (name) => VALUES[name];

function substitute(text: string, line = 1) {
  const found: SubstitutionProblems = { problems: [], missing: [] };
  const doc = substituteDocument('f.yaml', { document: 2, line, text }, lookup, found);
  return { ...doc, ...found };
}

describe('substituteDocument', () => {
  it.each([
    ['#{name}', '  Web App  '],
    ['#{ name }', '  Web App  '],
    ['#{name | Trim}', 'Web App'],
    ['#{name | ToLower}', '  web app  '],
    ['#{name | ToUpper}', '  WEB APP  '],
    ['#{name | Trim | ToUpper}', 'WEB APP'],
    ['#{name|trim|tolower}', 'web app'],
    ['#{name | Base64}', Buffer.from('  Web App  ').toString('base64')],
    ['#{quote | JsonEscape}', 'it\'s \\"here\\"\\\\'],
    ['#{quote | YamlSingleQuoteEscape}', `it''s "here"\\`],
    ['#{app-name_2}', 'ok'],
    ['##{name}', '#{name}'],
    ['##{name | NoSuchFilter}', '#{name | NoSuchFilter}'],
    ['a #{name | Trim} b ##{x} c', 'a Web App b #{x} c'],
  ])('renders %s as %j', (text, expected) => {
    // Act
    const result = substitute(text);

    // Assess
    expect(result.problems).toEqual([]);
    expect(result.real).toBe(expected);
    expect(result.redacted).toBe(expected);
  });

  it('puts the marker, not the value, in the redacted text, whatever the filters', () => {
    // Act
    const result = substitute('password: #{db.password}\nencoded: #{db.password | Base64 | ToLower}\n');

    // Assess
    expect(result.real).toBe(`password: s3cr3t-hunter2\nencoded: ${Buffer.from('s3cr3t-hunter2').toString('base64').toLowerCase()}\n`);
    expect(result.redacted).toBe(`password: ${REDACTION_MARKER}\nencoded: ${REDACTION_MARKER}\n`);
    expect(result.sensitiveUses).toEqual([{ name: 'db.password', line: 1 }, { name: 'db.password', line: 2 }]);
  });

  it('collects missing variables with their lines instead of stopping', () => {
    // Act
    const result = substitute('a: #{name}\nb: #{Nope}\nc: #{Other | ToUpper} #{Nope}\n', 10);

    // Assess
    expect(result.missing).toEqual([
      { name: 'Nope', source: { file: 'f.yaml', document: 2, line: 11 } },
      { name: 'Other', source: { file: 'f.yaml', document: 2, line: 12 } },
      { name: 'Nope', source: { file: 'f.yaml', document: 2, line: 12 } },
    ]);
  });

  it.each([
    ['a\nb: #{name | ToTitle}', 2, 'invalid variable expression "#{name | ToTitle}": unknown filter "ToTitle" (known: ToLower, ToUpper, Base64, JsonEscape, YamlSingleQuoteEscape, Trim)'],
    ['x: #{Outer#{Inner}}', 1, 'invalid variable expression "#{Outer#{Inner}": nested variable references are not supported'],
    ['x: #{if Ready}', 1, 'invalid variable expression "#{if Ready}": not a variable name'],
    ['x: #{}', 1, 'invalid variable expression "#{}": not a variable name'],
    ['x: #{name | }', 1, 'unknown filter ""'],
    ['\n\nx: #{name\ny: }', 3, 'unterminated "#{" (write "##{" for a literal "#{")'],
  ])('refuses %j at its line', (text, line, message) => {
    // Act
    const result = substitute(text, 5);

    // Assess
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].source).toEqual({ file: 'f.yaml', document: 2, line: line + 4 });
    expect(result.problems[0].message).toContain(message);
  });

  it('does not substitute a reference that a value contains', () => {
    const found: SubstitutionProblems = { problems: [], missing: [] };
    const doc = substituteDocument('f.yaml', { document: 1, line: 1, text: '#{a}' }, (name) => (name === 'a' ? { value: '#{b}', sensitive: false } : undefined), found);
    expect([doc.real, found.missing]).toEqual(['#{b}', []]);
  });
});

describe('redactMarkers', () => {
  it('replaces the marker in nested strings and keys, leaving other values alone', () => {
    const data = { [`k-${REDACTION_MARKER}`]: [`postgres://u:${REDACTION_MARKER}@db`, 3, true, null, { x: REDACTION_MARKER }] };
    expect(redactMarkers(data)).toEqual({ 'k-***': ['postgres://u:***@db', 3, true, null, { x: '***' }] });
  });
});
