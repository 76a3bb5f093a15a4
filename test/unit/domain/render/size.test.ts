/**
 * The input limits (limits.ts) as rendering applies them (size.ts): each is checked before
 * the work it bounds, and the message says which limit, where, and which variables.
 */
import { constants } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { InvalidManifestError } from '#domain/errors.ts';
import { formatBytes, MAX_DOCUMENT_BYTES, MAX_INPUT_BYTES, MAX_OBJECT_BYTES, MAX_REFERENCES_PER_DOCUMENT } from '#domain/render/limits.ts';
import { type ManifestFile, renderManifests } from '#domain/render/render.ts';
import { jsonLargerThan } from '#domain/render/size.ts';
import { renderContext, thrown, variablesFrom } from './fixtures.ts';

const KiB = 1024;
const BIG = 'x'.repeat(100 * KiB);
const SECRET = 'Tr0ub4dor&3-zebra';

const configMap = (name: string, data: string[]) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${data.join('\n')}\n`;
/** `count` keys whose values are all `#{Big}`. */
const bigKeys = (count: number) => Array.from({ length: count }, (_, index) => `  k${index}: "#{Big}"`);

function render(files: ManifestFile[], values: Record<string, string> = { Big: BIG }, sensitive: string[] = []) {
  return renderManifests({ files, variables: variablesFrom(values, sensitive), context: renderContext() });
}

describe('rendered size', () => {
  it('refuses a 100 KiB value used 10,000 times without building the text, naming the limit, place and variable', () => {
    // Prepare: 1 GB of text, more than one string can hold; building it would throw a RangeError
    // (or run out of memory), so a refusal of our own proves it was never built. How fast the
    // refusal comes is measured by `npm run bench -- hardening`.
    const files = [{ name: 'big.yaml', content: configMap('big', bigKeys(10_000)) }];
    expect(10_000 * BIG.length).toBeGreaterThan(constants.MAX_STRING_LENGTH);

    // Act
    const error = thrown(() => render(files));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toBe(
      `big.yaml: document 1, line 36: after substitution this document would be larger than ${formatBytes(MAX_DOCUMENT_BYTES)}, ` +
        'the limit for one document (the API server refuses larger requests): #{Big} (100 KiB) is used 10000 times',
    );
  });

  it('refuses documents that are each small enough but together exceed the limit for all files', () => {
    // Prepare: 29 uses of 100 KiB stay under 3 MiB per file; six files exceed 16 MiB.
    const files = Array.from({ length: 6 }, (_, index) => ({ name: `part-${index}.yaml`, content: configMap(`part-${index}`, bigKeys(29)) }));

    // Act
    const error = thrown(() => render(files)) as InvalidManifestError;

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.message).toBe(
      `part-5.yaml: document 1, line 24: after substitution the manifests would be larger than ${formatBytes(MAX_INPUT_BYTES)}, ` +
        'the limit for all manifests of a step together, from this document on: #{Big} (100 KiB) is used 174 times in all files',
    );
  });

  it('names every variable that makes the size, largest first, and a sensitive one without its value', () => {
    // Prepare
    const data = [...bigKeys(20), ...Array.from({ length: 20 }, (_, index) => `  s${index}: "#{Secret}"`), '  small: "#{Small}"'];
    const values = { Big: BIG, Secret: SECRET.repeat(4 * KiB), Small: 'ok' };

    // Act
    const error = thrown(() => render([{ name: 'mix.yaml', content: configMap('mix', data) }], values, ['Secret']));

    // Assess
    expect(error.message).toContain('#{Big} (100 KiB) is used 20 times; #{Secret} (68 KiB) is used 20 times; #{Small} (2 bytes) is used once');
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses a document larger than the limit before substituting or parsing it', () => {
    // Prepare: a broken expression in it would be reported if it were read.
    const huge = configMap('huge', ['  a: #{Broken', `  b: "${'y'.repeat(MAX_DOCUMENT_BYTES)}"`]);
    const files = [{ name: 'huge.yaml', content: `${configMap('first', ['  a: b'])}---\n${huge}` }];

    // Act
    const error = thrown(() => render(files, {})) as InvalidManifestError;

    // Assess
    expect(error.problems).toEqual([
      {
        source: { file: 'huge.yaml', document: 2, line: 8 },
        message: `this document is ${formatBytes(Buffer.byteLength(huge))} before substitution, more than ${formatBytes(MAX_DOCUMENT_BYTES)}, the limit for one document (the API server refuses larger requests)`,
      },
    ]);
  });

  it('stops planning a document at the limit of "#{...}" expressions', () => {
    // Prepare: one line of references more than the limit allows, then expressions that would
    // each be reported (unterminated, undefined) if planning went on past the limit.
    const perLine = 100;
    const lines = Array.from({ length: MAX_REFERENCES_PER_DOCUMENT / perLine + 1 }, (_, index) => `  k${index}: "${'#{A}'.repeat(perLine)}"`);
    const files = [{ name: 'refs.yaml', content: configMap('refs', [...lines, '  broken: "#{Broken"', '  missing: "#{NotDefined}"']) }];

    // Act
    const error = thrown(() => render(files, { A: '' })) as InvalidManifestError;

    // Assess
    expect(error.problems).toHaveLength(1);
    expect(error.message).not.toContain('NotDefined');
    expect(error.message).toBe(
      `refs.yaml: document 1, line ${6 + MAX_REFERENCES_PER_DOCUMENT / perLine}: this document holds more than ${MAX_REFERENCES_PER_DOCUMENT} "#{...}" expressions, the limit for one document`,
    );
  });

  it('refuses files larger than the limit together before splitting them', () => {
    // Prepare
    const half = `# ${'z'.repeat(MAX_INPUT_BYTES / 2)}\n`;
    const files = [
      { name: 'a.yaml', content: half },
      { name: 'b.yaml', content: half },
    ];

    // Act
    const error = thrown(() => render(files, {}));

    // Assess
    expect(error.message).toBe(
      `the manifests are ${formatBytes(MAX_INPUT_BYTES + 8)}, more than ${formatBytes(MAX_INPUT_BYTES)}, the limit for all manifests of a step together (largest: a.yaml 8 MiB, b.yaml 8 MiB)`,
    );
  });

  it('accepts what stays under every limit', () => {
    const { objects } = render([{ name: 'ok.yaml', content: configMap('ok', bigKeys(14)) }]);
    expect(Object.keys(objects[0].object.data)).toHaveLength(14);
  });
});

describe('object size', () => {
  it('refuses an object larger than the limit as JSON, naming it and the limit', () => {
    // Act
    const error = thrown(() => render([{ name: 'cm.yaml', content: configMap('large', bigKeys(16)) }]));

    // Assess
    expect(error.message).toBe(`cm.yaml: document 1, line 1: ConfigMap/large is larger than ${formatBytes(MAX_OBJECT_BYTES)} as JSON, the limit for one object (etcd refuses larger requests)`);
  });

  it('counts what aliases repeat, and names an object by its redacted name', () => {
    // Prepare
    const content = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "#{Name}"\nbase: &big "#{Big}"\ndata:\n${Array.from({ length: 16 }, (_, index) => `  a${index}: *big`).join('\n')}\n`;

    // Act
    const error = thrown(() => render([{ name: 'alias.yaml', content }], { Big: BIG, Name: 'hunter2-name' }, ['Name']));

    // Assess
    expect(error.message).toContain('alias.yaml: document 1, line 1: ConfigMap/*** is larger than 1.5 MiB as JSON');
    expect(error.message).not.toContain('hunter2-name');
  });

  it('names the List item that is too large', () => {
    // Prepare
    const item = (name: string, count: number) =>
      `  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: ${name}}\n    data: {${Array.from({ length: count }, (_, index) => `k${index}: "#{Big}"`).join(', ')}}`;
    const content = `apiVersion: v1\nkind: List\nitems:\n${item('small', 1)}\n${item('large', 16)}\n`;

    // Act
    const error = thrown(() => render([{ name: 'list.yaml', content }]));

    // Assess
    expect(error.message).toContain('list.yaml: document 1, line 8: ConfigMap/large is larger than');
  });
});

describe('jsonLargerThan', () => {
  it.each([
    ['an object', { a: 1, b: [true, null, 'x'], 'quoted "key"': { c: -2.5 } }],
    ['escapes and multi-byte text', { text: 'line\n"quoted"\u0001 – €' }],
    ['an empty array and object', { a: [], b: {} }],
    ['a date', { at: new Date(0) }],
  ])('counts %s exactly as JSON.stringify would', (_title, value) => {
    // Prepare
    const bytes = Buffer.byteLength(JSON.stringify(value));

    // Act & Assess
    expect(jsonLargerThan(value, bytes)).toBe(false);
    expect(jsonLargerThan(value, bytes - 1)).toBe(true);
  });

  it('stops counting as soon as the limit is passed', () => {
    // Prepare: the same array a million times over, as aliases can make it (4 GB as JSON); it
    // counts how often it is walked.
    let walks = 0;
    const shared = new Proxy(
      Array.from({ length: 1000 }, () => 'x'),
      {
        get(target, key, receiver) {
          if (key === Symbol.iterator) walks += 1;
          return Reflect.get(target, key, receiver);
        },
      },
    );
    const value = Array.from({ length: 1_000_000 }, () => shared);
    const sharedBytes = Buffer.byteLength(JSON.stringify([...shared]));

    // Act
    const larger = jsonLargerThan(value, MAX_OBJECT_BYTES);

    // Assess: walked only as often as it takes to pass the limit, not a million times.
    expect(larger).toBe(true);
    expect(walks).toBeGreaterThan(0);
    expect(walks).toBeLessThanOrEqual(Math.ceil(MAX_OBJECT_BYTES / sharedBytes) + 1);
  });
});
