/**
 * Strict JSON for `.json` files: the validator on its own (json.ts), then whole files through
 * the pipeline, values included.
 */
import { describe, expect, it } from 'vitest';
import { InvalidManifestError } from '#domain/errors.ts';
import { strictJsonProblem } from '#domain/render/json.ts';
import { parseManifests } from '#domain/render/parse.ts';
import { renderManifests } from '#domain/render/render.ts';
import { renderContext, thrown, variablesFrom } from './fixtures.ts';

const SECRET = 'Tr0ub4dor&3-zebra';

function render(name: string, content: string, values: Record<string, string> = {}, sensitive: string[] = []) {
  return renderManifests({ files: [{ name, content }], variables: variablesFrom(values, sensitive), context: renderContext() });
}

describe('strictJsonProblem', () => {
  it.each(['{}', '[]', ' \n\t{"a": [1, -2.5e+3, 0, true, false, null, "x\\n\\u00e9\\"\\/"], "b": {"c": {}}}\r\n', '"just a string"', '0', '{"a": 1, "A": 2, "\\u0061b": 3}'])(
    'accepts %j, as JSON.parse does',
    (text) => {
      // Act
      const problem = strictJsonProblem(text);

      // Assess
      expect(problem).toBeUndefined();
      expect(() => JSON.parse(text)).not.toThrow();
    },
  );

  it.each([
    ['a trailing comma in an object', '{"a": 1,}', 7, 'trailing comma'],
    ['a trailing comma in an array', '[1, 2, ]', 5, 'trailing comma'],
    ['a line comment', '{"a": 1 // one\n}', 8, 'comments are not allowed in JSON'],
    ['a block comment', '{/* c */"a": 1}', 1, 'comments are not allowed in JSON'],
    ['single quotes', "{'a': 1}", 1, 'strings must be in double quotes'],
    ['a single-quoted value', '{"a": \'b\'}', 6, 'strings must be in double quotes'],
    ['an unquoted key', '{a: 1}', 1, 'a key must be a string in double quotes'],
    ['NaN', '{"a": NaN}', 6, '"NaN" is not a JSON value'],
    ['Infinity', '[Infinity]', 1, '"Infinity" is not a JSON value'],
    ['a duplicate key', '{"a": 1, "b": 2, "a": 3}', 17, 'duplicate key "a"'],
    ['a duplicate key written with an escape', '{"a": 1, "\\u0061": 2}', 9, 'duplicate key "a"'],
    ['concatenated values', '{"a": 1}\n{"b": 2}', 9, 'more content after the JSON value (a JSON file holds one value)'],
    ['a line break in a string', '{"a": "x\ny"}', 8, 'a control character (such as a line break or a tab) in a string must be escaped'],
    ['an invalid escape', '{"a": "\\x41"}', 7, 'invalid escape "\\x"'],
    ['a leading zero', '[01]', 2, 'expected "," or "]"'],
    ['a number with a plus sign', '[+1]', 1, 'unexpected "+"'],
    ['an unterminated string', '{"a": "b', 6, 'unterminated string'],
    ['an unclosed object', '{"a": [1]', 9, 'unexpected end of input: expected "," or "}"'],
    ['a missing colon', '{"a" 1}', 5, 'expected ":" after a key'],
    ['two commas', '{"a": 1,, "b": 2}', 8, 'unexpected "," where a key'],
    ['nothing', '   ', 3, 'no JSON value'],
  ])('refuses %s at its offset', (_title, text, offset, message) => {
    // Act
    const problem = strictJsonProblem(text);

    // Assess
    expect(problem?.offset).toBe(offset);
    expect(problem?.message).toContain(message);
  });

  it('handles nesting deeper than the call stack allows', () => {
    const depth = 100_000;
    expect(strictJsonProblem(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toBeUndefined();
  });
});

describe('.json files', () => {
  const configMap = (data: string) => `{\n  "apiVersion": "v1",\n  "kind": "ConfigMap",\n  "metadata": {"name": "cfg"},\n  "data": ${data}\n}\n`;

  it('renders values inside strings and bare numbers, and decides by the name in any case', () => {
    // Prepare
    const content = '{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "#{Name}"}, "spec": {"replicas": #{Replicas}}}';

    // Act
    const { objects } = render('deploy/WEB.JSON', content, { Name: 'web', Replicas: '3' });

    // Assess
    expect(objects[0].object.metadata.name).toBe('web');
    expect(objects[0].object.spec.replicas).toBe(3);
  });

  it.each([
    ['a trailing comma', configMap('{"a": "1",}'), 'cfg.json: document 1, line 5: invalid JSON: trailing comma: JSON allows no "," before a closing bracket (column 20)'],
    ['a comment', configMap('{} // none'), 'cfg.json: document 1, line 5: invalid JSON: comments are not allowed in JSON (column 14)'],
    ['a duplicate key', configMap('{"a": "1", "a": "2"}'), 'cfg.json: document 1, line 5: invalid JSON: duplicate key "a" (column 22)'],
    ['two objects', `${configMap('{}')}${configMap('{}')}`, 'cfg.json: document 1, line 7: invalid JSON: more content after the JSON value'],
    ['two objects with a --- line between', `${configMap('{}')}---\n${configMap('{}')}`, 'cfg.json: document 1, line 7: invalid JSON:'],
  ])('refuses %s with file and line', (_title, content, expected) => {
    // Act
    const error = thrown(() => render('cfg.json', content));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toContain(expected);
  });

  it('reports the column of the file, not of the substituted text', () => {
    const error = thrown(() => render('cfg.json', configMap('{"#{Key}": "#{Value}", }'), { Key: 'k', Value: 'a much longer value than the reference' }));
    expect(error.message).toContain('cfg.json: document 1, line 5: invalid JSON: trailing comma: JSON allows no "," before a closing bracket (column 32)');
  });

  it.each([
    ['a quote that ends the string', configMap('{"a": "#{V}"}'), 'x", "b": "y', 'the value of #{V} (line 5) adds keys to the mapping at data (line 5)'],
    ['a line break in a string', configMap('{"a": "#{V}"}'), 'x\ny', 'the value of #{V} (line 5) makes the JSON invalid: a control character'],
    ['text where a number goes', configMap('{"n": #{V}}'), 'three', 'the value of #{V} (line 5) makes the JSON invalid: "three" is not a JSON value'],
    ['a bare object', configMap('{"n": #{V}}'), '{"x": 1}', 'the value of #{V} (line 5) turns the value at data.n (line 5) into a mapping'],
    ['a key that repeats another', configMap('{"#{V}": "1", "b": "2"}'), 'b', 'the value of #{V} (line 5) makes the JSON invalid: duplicate key "b"'],
  ])('refuses a value that leaves no strict JSON: %s', (_title, content, value, expected) => {
    // Act
    const error = thrown(() => render('cfg.json', content, { V: value }));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toContain(expected);
  });

  it('never shows a sensitive value that breaks the JSON', () => {
    // Act
    const error = thrown(() => render('cfg.json', configMap('{"password": "#{DbPassword}"}'), { DbPassword: `${SECRET}"` }, ['DbPassword']));

    // Assess
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toContain(
      'cfg.json: document 1, line 5: the value of sensitive variable DbPassword (line 5) makes this document invalid (the text is not shown, to keep the value secret): it is not valid JSON there',
    );
  });

  it('redacts a sensitive value in a JSON file', () => {
    const { objects } = render('cfg.json', configMap('{"password": "#{DbPassword}", "port": #{Port}}'), { DbPassword: SECRET, Port: '5432' }, ['DbPassword', 'Port']);
    expect([objects[0].object.data, objects[0].redacted.data]).toEqual([
      { password: SECRET, port: 5432 },
      { password: '***', port: '***' },
    ]);
  });

  it('reads "<<" as an ordinary key in JSON, not as a YAML merge', () => {
    const [object] = parseManifests('m.json', configMap('{"<<": {"a": "1"}, "b": "2"}'));
    expect(object.object.data).toEqual({ '<<': { a: '1' }, b: '2' });
  });

  it('keeps a .yaml file forgiving: YAML may hold JSON with a trailing comma', () => {
    const [object] = parseManifests('m.yaml', configMap('{"a": "1",}'));
    expect(object.object.data).toEqual({ a: '1' });
  });
});
