import { describe, expect, it } from 'vitest';
import {
  buildText,
  createPlanner,
  realValue,
  redactedValue,
  redactionMarker,
  redactMarkers,
  type SubstitutionProblems,
  showUses,
  skeletonValue,
  useMarker,
  usesIn,
} from '#domain/render/substitute.ts';
import type { VariableLookup } from '#domain/render/variables.ts';

const VALUES: Record<string, { value: string; sensitive: boolean }> = {
  name: { value: '  Web App  ', sensitive: false },
  quote: { value: `it's "here"\\`, sensitive: false },
  'db.password': { value: 's3cr3t-hunter2', sensitive: true },
  'app-name_2': { value: 'ok', sensitive: false },
  euro: { value: '€5', sensitive: false },
};
const lookup: VariableLookup = (name) => VALUES[name];

function substitute(text: string, line = 1, lookUp: VariableLookup = lookup) {
  const found: SubstitutionProblems = { problems: [], missing: [] };
  const plan = createPlanner(lookUp)('f.yaml', { document: 2, line, text }, false, found);
  return { plan, real: buildText(plan, realValue), redacted: buildText(plan, redactedValue), skeleton: buildText(plan, skeletonValue), ...found };
}

describe('substitution plans', () => {
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

  it('puts a marker, not the value, in the redacted text, whatever the filters', () => {
    // Act
    const result = substitute('password: #{db.password}\nencoded: #{db.password | Base64 | ToLower}\n');

    // Assess
    expect(result.real).toBe(`password: s3cr3t-hunter2\nencoded: ${Buffer.from('s3cr3t-hunter2').toString('base64').toLowerCase()}\n`);
    expect(result.redacted).toBe(`password: ${redactionMarker(0)}\nencoded: ${redactionMarker(1)}\n`);
    expect(result.plan.replacements.map((r) => [r.variable?.name, r.variable?.sensitive, r.line])).toEqual([
      ['db.password', true, 1],
      ['db.password', true, 2],
    ]);
  });

  it('builds a skeleton without any value: one unique letters-only marker per use, escapes kept', () => {
    // Act
    const result = substitute('a: #{name}\nb: ##{x} #{db.password} #{name}\n');

    // Assess
    expect(result.skeleton).toBe(`a: ${useMarker(0)}\nb: #{x} ${useMarker(2)} ${useMarker(3)}\n`);
    expect(result.skeleton).not.toContain('Web App');
    expect(result.skeleton).not.toContain('s3cr3t');
    expect(usesIn(result.skeleton)).toEqual([0, 2, 3]);
    expect(showUses(result.skeleton, result.plan)).toBe('a: #{name}\nb: #{x} #{db.password} #{name}\n');
  });

  it('makes markers of letters only, distinct for every index', () => {
    // Act
    const markers = Array.from({ length: 1000 }, (_, index) => useMarker(index));

    // Assess
    expect(markers.every((marker) => /^[A-Za-z]+$/.test(marker))).toBe(true);
    expect(new Set(markers).size).toBe(markers.length);
    expect(usesIn(markers.join(' '))).toEqual(markers.map((_, index) => index));
  });

  it('records UTF-8 sizes of values and expressions, so that sizes are known before any text is built', () => {
    // Act
    const { plan } = substitute('price: #{euro}');

    // Assess
    expect(plan.replacements.map((r) => [r.valueBytes, r.expressionBytes])).toEqual([[Buffer.byteLength('€5'), '#{euro}'.length]]);
  });

  it('looks up and filters each distinct expression once, however often it is used', () => {
    // Prepare
    let lookups = 0;
    const counting: VariableLookup = (name) => {
      lookups += 1;
      return lookup(name);
    };

    // Act
    const { plan } = substitute('#{name | Trim}\n'.repeat(1000), 1, counting);

    // Assess
    expect(plan.replacements).toHaveLength(1000);
    expect(lookups).toBe(1);
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
    const result = substitute('#{a}', 1, (name) => (name === 'a' ? { value: '#{b}', sensitive: false } : undefined));
    expect([result.real, result.missing]).toEqual(['#{b}', []]);
  });
});

describe('redactMarkers', () => {
  it('replaces the markers in nested strings and keys, leaving other values alone', () => {
    const data = { [`k-${redactionMarker(0)}`]: [`postgres://u:${redactionMarker(1)}@db`, 3, true, null, { x: redactionMarker(27) }] };
    expect(redactMarkers(data)).toEqual({ 'k-***': ['postgres://u:***@db', 3, true, null, { x: '***' }] });
  });
});
