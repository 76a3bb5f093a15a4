/**
 * Variables fill scalars; they never change a manifest's structure (structure.ts, verify.ts,
 * culprits.ts), while the Octopus idioms keep working.
 */
import { describe, expect, it } from 'vitest';
import { InvalidManifestError } from '#domain/errors.ts';
import { renderManifests } from '#domain/render/render.ts';
import { renderContext, thrown, variablesFrom } from './fixtures.ts';

const SECRET = 'Tr0ub4dor&3-zebra';
const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n';

function render(content: string, values: Record<string, string>, sensitive: string[] = [], name = 'app.yaml') {
  return renderManifests({ files: [{ name, content }], variables: variablesFrom(values, sensitive), context: renderContext() });
}

function refusal(content: string, values: Record<string, string>, sensitive: string[] = []): InvalidManifestError {
  const error = thrown(() => render(content, values, sensitive));
  expect(error).toBeInstanceOf(InvalidManifestError);
  return error as InvalidManifestError;
}

describe('Octopus idioms keep working', () => {
  it.each([
    ['an unquoted number', `${CONFIG_MAP}data:\n  n: #{Replicas}\n`, { Replicas: '3' }, { n: 3 }],
    ['a boolean', `${CONFIG_MAP}data:\n  b: #{Flag}\n`, { Flag: 'true' }, { b: true }],
    ['a reference inside a longer string', `${CONFIG_MAP}data:\n  image: nginx:#{Tag}-alpine\n`, { Tag: '1.27' }, { image: 'nginx:1.27-alpine' }],
    ['filters', `${CONFIG_MAP}data:\n  env: "#{Env | Trim | ToLower}"\n`, { Env: ' Production ' }, { env: 'production' }],
    ['the ##{ escape', `${CONFIG_MAP}data:\n  literal: "##{NotAVariable}"\n`, {}, { literal: '#{NotAVariable}' }],
    ['a variable as a key', `${CONFIG_MAP}data:\n  #{Key}: value\n  other: x\n`, { Key: 'feature.enabled' }, { 'feature.enabled': 'value', other: 'x' }],
    ['a key built from a variable', `${CONFIG_MAP}data:\n  app-#{Key}: value\n`, { Key: 'one' }, { 'app-one': 'value' }],
    ['an empty value in quotes', `${CONFIG_MAP}data:\n  e: "#{Empty}"\n`, { Empty: '' }, { e: '' }],
    ['a value with YAML syntax in quotes', `${CONFIG_MAP}data:\n  q: "#{Yaml}"\n`, { Yaml: 'a: [b, {c: d}]' }, { q: 'a: [b, {c: d}]' }],
    ['a URL (not a plain token)', `${CONFIG_MAP}data:\n  url: #{Url}\n`, { Url: 'https://db.example.com:5432/app?x=1' }, { url: 'https://db.example.com:5432/app?x=1' }],
    ['a multi-line value with JsonEscape', `${CONFIG_MAP}data:\n  pem: "#{Pem | JsonEscape}"\n`, { Pem: 'line 1\nline "2"\n' }, { pem: 'line 1\nline "2"\n' }],
    ['a multi-line value indented like its block', `${CONFIG_MAP}data:\n  script: |\n    #{Script}\n  next: x\n`, { Script: 'echo a\n    echo b' }, { script: 'echo a\necho b\n', next: 'x' }],
    ['a value with quotes in single quotes', `${CONFIG_MAP}data:\n  s: '#{Quote | YamlSingleQuoteEscape}'\n`, { Quote: "it's" }, { s: "it's" }],
    ['merge keys of the template', `${CONFIG_MAP}base: &base {a: "#{A}"}\ndata:\n  <<: *base\n  b: #{B}\n`, { A: 'x: y', B: '2' }, { a: 'x: y', b: 2 }],
  ])('%s', (_title, content, values, data) => {
    // Act
    const { objects } = render(content, values);

    // Assess
    expect(objects[0].object.data).toEqual(data);
  });

  it('redacts a sensitive value inside a longer string, and in a key', () => {
    // Prepare
    const content = `${CONFIG_MAP}data:\n  url: postgres://app:#{DbPassword}@db/app\n  #{DbPassword}: key\n`;

    // Act
    const { objects } = render(content, { DbPassword: SECRET }, ['DbPassword']);

    // Assess
    expect(objects[0].object.data).toEqual({ url: `postgres://app:${SECRET}@db/app`, [SECRET]: 'key' });
    expect(objects[0].redacted.data).toEqual({ url: 'postgres://app:***@db/app', '***': 'key' });
  });
});

describe('a value that changes the structure', () => {
  it.each([
    ['a newline and an indented key', `${CONFIG_MAP}data:\n  a: #{V}\n`, 'web\n  b: injected', 'app.yaml: document 1, line 6: the value of #{V} (line 6) adds keys to the mapping at data (line 6)'],
    ['a newline and a top-level key', `${CONFIG_MAP}data:\n  a: #{V}\n`, 'web\nspec: injected', 'the value of #{V} (line 6) adds keys to the mapping at the top level (line 1)'],
    ['a "---" line', `${CONFIG_MAP}data:\n  a: #{V}\n`, 'web\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: x}', 'the value of #{V} (line 6) adds a document'],
    ['a flow mapping', `${CONFIG_MAP}data:\n  a: #{V}\n`, '{b: 1}', 'the value of #{V} (line 6) turns the value at data.a (line 6) into a mapping'],
    ['a flow sequence', `${CONFIG_MAP}data:\n  a: #{V}\n`, '[x, y]', 'turns the value at data.a (line 6) into a sequence'],
    ['a "- item" line', `${CONFIG_MAP}args:\n  - #{V}\n`, '--a\n  - --b', 'the value of #{V} (line 6) adds items to the sequence at args (line 6)'],
    ['an alias', `${CONFIG_MAP}base: &base {x: 1}\ndata:\n  a: #{V}\n`, '*base', 'turns the value at data.a (line 7) into an alias'],
    ['a tag that makes a collection', `${CONFIG_MAP}data:\n  a: #{V}\n`, '!!set {x}', 'turns the value at data.a (line 6) into a mapping'],
    ['a tag that makes a binary value', `${CONFIG_MAP}data:\n  a: #{V}\n`, '!!binary aGVsbG8=', 'into a tagged value (not a string, number, boolean or null)'],
    ['an anchor', `${CONFIG_MAP}data:\n  a: #{V}\n`, '&anchor x', 'into a scalar with an anchor (&)'],
    ['a collection as a key', `${CONFIG_MAP}data:\n  #{V}: value\n`, '[a, b]', 'turns the key at data["#{V}"] (line 6) into a sequence'],
    ['a merge key as a key', `${CONFIG_MAP}data:\n  x: 1\n  #{V}: {y: 2}\n`, '<<', 'turns the key at data["#{V}"] (line 7) into the merge key "<<"'],
    ['a key that repeats another', `${CONFIG_MAP}data:\n  #{V}: 1\n  b: 2\n`, 'b', 'the value of #{V} (line 6) makes two keys of the mapping at data (line 6) the same'],
    ['a quote that closes its string', `${CONFIG_MAP}data: {a: "#{V}"}\n`, 'x", "b": "y', 'the value of #{V} (line 5) adds keys to the mapping at data (line 5)'],
    ['YAML that does not parse', `${CONFIG_MAP}data:\n  a: #{V}\n`, 'x: y: z', 'the value of #{V} (line 6) makes the YAML invalid:'],
  ])('refuses %s, naming the variable and its line', (_title, content, value, expected) => {
    // Act
    const error = refusal(content, { V: value });

    // Assess
    expect(error.message).toContain(expected);
    expect(error.message).toContain('a variable fills one value and cannot change the structure of a manifest');
  });

  it.each([
    ['a tag', `${CONFIG_MAP}data:\n  a: !!#{Type} aGVsbG8=\n`, { Type: 'binary' }, 'turns a scalar at data.a (line 6) into a tagged value'],
    ['an alias', `${CONFIG_MAP}base: &web {x: 1}\ndata:\n  a: *#{Name}\n`, { Name: 'web' }, 'the value of #{Name} (line 7) changes the alias at data.a (line 7)'],
  ])('refuses a plain token as the name in %s', (_title, content, values, expected) => {
    // Act
    const error = refusal(content, values);

    // Assess
    expect(error.message).toContain(expected);
  });

  it('refuses a multi-line value that falls out of a block scalar, with a hint', () => {
    // Prepare
    const content = `${CONFIG_MAP}data:\n  script: |\n    #{Script}\n  other: x\n`;

    // Act
    const error = refusal(content, { Script: 'echo a\necho b: c' });

    // Assess
    expect(error.problems[0].source).toEqual({ file: 'app.yaml', document: 1, line: 7 });
    expect(error.message).toContain('the value of #{Script} (line 7)');
    expect(error.message).toContain('a multi-line value in a block scalar ("|" or ">") would have to be indented like the block on every line; write "#{Script | JsonEscape}"');
  });

  it('names only the variables at fault, each at its own line, among many', () => {
    // Prepare
    const names = Array.from({ length: 40 }, (_, index) => `V${index}`);
    const content = `${CONFIG_MAP}data:\n${names.map((name) => `  ${name.toLowerCase()}: #{${name}}\n`).join('')}`;
    const values = Object.fromEntries(names.map((name) => [name, `value of ${name}`]));
    values.V7 = '{injected: true}';
    values.V31 = 'x\n  extra: key';

    // Act
    const error = refusal(content, values);

    // Assess
    expect(error.problems.map((problem) => [problem.source?.line, problem.message.split(' (line')[0]])).toEqual([
      [13, 'the value of #{V7}'],
      [37, 'the value of #{V31}'],
    ]);
  });

  it('names every variable at fault when there are too many to check one by one, and ends', () => {
    // Prepare
    const names = Array.from({ length: 120 }, (_, index) => `V${index}`);
    const content = `${CONFIG_MAP}data:\n${names.map((name) => `  ${name.toLowerCase()}: #{${name}}\n`).join('')}`;
    const bad = names.filter((_, index) => index % 3 === 0);
    const values = Object.fromEntries(names.map((name) => [name, bad.includes(name) ? `[${name}]` : `ok-${name}`]));

    // Act
    const error = refusal(content, values);

    // Assess: the first ones are found one by one, the rest are named in groups that each hold one at fault.
    expect(error.message).toContain('app.yaml: document 1, line 6: the value of #{V0} (line 6) turns the value at data.v0 (line 6) into a sequence');
    expect(error.message).toContain('app.yaml: document 1, line 9: the value of #{V3} (line 9) turns the value at data.v3 (line 9) into a sequence');
    expect(error.message).toContain('(too many to check one by one)');
    for (const problem of error.problems) {
      const named = [...problem.message.matchAll(/#\{(V\d+)\} \(line/g)].map((match) => match[1]);
      expect(named.some((name) => bad.includes(name)) || problem.message.includes('more variables'), problem.message).toBe(true);
    }
  });

  it('names the use at fault when a variable is used several times', () => {
    // Prepare
    const content = `${CONFIG_MAP}data:\n  a: "#{V}"\n  b: #{V}\n  c: '#{V}'\n`;

    // Act
    const error = refusal(content, { V: '[1, 2]' });

    // Assess
    expect(error.message).toContain('app.yaml: document 1, line 7: the value of #{V} (line 7) turns the value at data.b (line 7) into a sequence');
  });

  it('names values that break the document only together', () => {
    // Prepare
    const content = `${CONFIG_MAP}data:\n  a: #{A}#{B}\n`;

    // Act
    const error = refusal(content, { A: 'x:', B: ' y' });

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain('the values of #{A} (line 6) and #{B} (line 6) together make this document invalid: the result makes the YAML invalid');
  });

  it('never shows a sensitive value, but says what it did and where', () => {
    // Prepare
    const content = `${CONFIG_MAP}data:\n  password: #{DbPassword}\n`;

    // Act
    const error = refusal(content, { DbPassword: `${SECRET}\n  extra: ${SECRET}` }, ['DbPassword']);

    // Assess
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toContain(
      'app.yaml: document 1, line 6: the value of sensitive variable DbPassword (line 6) makes this document invalid (the text is not shown, to keep the value secret): it adds keys to the mapping at data (line 6)',
    );
  });

  it('never quotes a sensitive value from a YAML error', () => {
    // Prepare
    const content = `${CONFIG_MAP}data:\n  password: #{DbPassword}\n`;

    // Act
    const error = refusal(content, { DbPassword: `${SECRET}: [unclosed` }, ['DbPassword']);

    // Assess
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toContain('it is not valid YAML there');
  });

  it('refuses values that only make sense next to a sensitive one, so that the redacted copy keeps the structure', () => {
    // Prepare: the quote of Open is closed by the secret; the real text is one string, the redacted one is not.
    const content = `${CONFIG_MAP}data:\n  a: #{Open}x#{Secret}\n`;

    // Act
    const error = refusal(content, { Open: '"', Secret: `${SECRET}"` }, ['Secret']);

    // Assess
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toContain('the value of #{Open} (line 6)');
  });

  it('reports template mistakes at the file position, with references shown as written', () => {
    // Prepare: the value spans lines, the mistake is two lines further down.
    const content = `${CONFIG_MAP}data:\n  note: "#{Multi | JsonEscape}"\n  a: #{Key}\n  a: again\n`;

    // Act
    const error = refusal(content, { Multi: 'l1\nl2\nl3', Key: 'x' });

    // Assess
    expect(error.message).toContain('app.yaml: document 1, line 8: invalid YAML: Map keys must be unique: "a" appears twice in the mapping at data (line 6) (column 3)');
  });

  it('shows a reference, not a marker, in a template error', () => {
    const error = refusal(`${CONFIG_MAP}data:\n  #{Key}:\n    a: 1\n    a: 2\n`, { Key: 'k' });
    expect(error.message).toContain('line 8: invalid YAML: Map keys must be unique: "a" appears twice in the mapping at data["#{Key}"] (line 7)');
    expect(error.message).not.toContain('CONVEYOR');
  });

  it('refuses a key that a value makes equal to another use of the same variable', () => {
    const error = refusal(`${CONFIG_MAP}data:\n  #{Key}: 1\n  #{Key}: 2\n`, { Key: 'k' });
    expect(error.message).toContain('the value of #{Key} (lines 6, 7) makes two keys of the mapping at data (line 6) the same');
  });
});
