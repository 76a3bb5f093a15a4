import { describe, expect, it } from 'vitest';
import { InvalidManifestError } from '#domain/errors.ts';
import { parseManifests } from '#domain/render/parse.ts';
import { splitDocuments } from '#domain/render/split.ts';
import { thrown } from './fixtures.ts';

const configMap = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe('splitDocuments', () => {
  it('cuts at lines that are exactly ---, keeping document numbers and first lines', () => {
    // Act
    const documents = splitDocuments('a: 1\n---\nb: 2\n--- # comment\n\n---\nc: |\n  ---inside\n');

    // Assess
    expect(documents.map(({ document, line }) => [document, line])).toEqual([
      [1, 1],
      [2, 3],
      [3, 5],
      [4, 7],
    ]);
    expect(documents[3].text).toBe('c: |\n  ---inside\n');
  });

  it('does not count a header of comments before the first --- as a document', () => {
    const documents = splitDocuments('# generated\n%YAML 1.2\n---\nkind: A\n');
    expect(documents).toEqual([{ document: 1, line: 4, text: 'kind: A\n' }]);
  });

  it('handles CRLF line endings and a byte order mark', () => {
    const documents = splitDocuments('\uFEFFa: 1\r\n---\r\nb: 2\r\n');
    expect(documents.map((doc) => doc.text)).toEqual(['a: 1', 'b: 2\n']);
  });
});

describe('parseManifests', () => {
  it('parses multi-document YAML, skipping empty documents, with each object located', () => {
    // Prepare
    const content = `${configMap('one')}---\n# nothing here\n---\n\n${configMap('two')}`;

    // Act
    const objects = parseManifests('deploy/app.yaml', content);

    // Assess
    expect(objects.map((o) => [o.object.metadata.name, o.source])).toEqual([
      ['one', { file: 'deploy/app.yaml', document: 1, line: 1 }],
      ['two', { file: 'deploy/app.yaml', document: 3, line: 9 }],
    ]);
    expect(objects[0].redacted).toEqual(objects[0].object);
    expect(objects[0].redacted).not.toBe(objects[0].object);
  });

  it('parses a JSON file, tabs and all', () => {
    // Prepare
    const content = '{\n\t"apiVersion": "v1",\n\t"kind": "Service",\n\t"metadata": {"name": "web"},\n\t"spec": {"ports": [{"port": 80}]}\n}\n';

    // Act
    const [service] = parseManifests('svc.json', content);

    // Assess
    expect(service.object).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } });
    expect(service.source).toEqual({ file: 'svc.json', document: 1, line: 1 });
  });

  it('expands kind: List and *List kinds into their items, located at each item', () => {
    // Prepare
    const content = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata: {name: a}',
      '  - apiVersion: v1',
      '    kind: Secret',
      '    metadata: {name: b}',
      '---',
      '{"apiVersion": "v1", "kind": "ConfigMapList", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]}',
    ].join('\n');

    // Act
    const objects = parseManifests('list.yaml', content);

    // Assess
    expect(objects.map((o) => `${o.object.kind}/${o.object.metadata.name}@${o.source.document}:${o.source.line}`)).toEqual(['ConfigMap/a@1:4', 'Secret/b@1:7', 'ConfigMap/c@2:11']);
  });

  it('keeps a custom *List kind without items as an ordinary object', () => {
    const [object] = parseManifests('x.yaml', 'apiVersion: example.com/v1\nkind: AllowList\nmetadata: {name: ips}\nspec: {}\n');
    expect(object.object.kind).toBe('AllowList');
  });

  it('reads YAML 1.2 scalars and merge keys', () => {
    const [object] = parseManifests('x.yaml', `${configMap('m')}base: &base {a: yes}\ndata:\n  <<: *base\n  b: "2"\n`);
    expect(object.object.data).toEqual({ a: 'yes', b: '2' });
  });

  it.each([
    ['unparsable YAML', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [web\n', 'f.yaml: document 1, line 5: invalid YAML:'],
    ['tab indentation', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: web\n', 'f.yaml: document 1, line 4: invalid YAML: Tabs are not allowed as indentation (column 1)'],
    ['duplicate keys', `${configMap('a')}---\napiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: b}\n`, 'f.yaml: document 2, line 8: invalid YAML: Map keys must be unique'],
    ['a sequence document', `${configMap('a')}---\n- a\n- b\n`, 'f.yaml: document 2, line 6: document is not a mapping (found a sequence)'],
    ['a scalar document', '\n\njust text\n', 'f.yaml: document 1, line 3: document is not a mapping (found a string)'],
    ['missing apiVersion', 'kind: ConfigMap\nmetadata: {name: a}\n', 'f.yaml: document 1, line 1: missing apiVersion'],
    ['missing kind', '# c\napiVersion: v1\nmetadata: {name: a}\n', 'f.yaml: document 1, line 2: missing kind'],
    ['a non-string kind', 'apiVersion: v1\nkind: 42\nmetadata: {name: a}\n', 'f.yaml: document 1, line 1: kind must be a string, found a number'],
    ['missing metadata', 'apiVersion: v1\nkind: ConfigMap\n', 'f.yaml: document 1, line 1: missing metadata.name'],
    ['metadata not a mapping', 'apiVersion: v1\nkind: ConfigMap\nmetadata: web\n', 'f.yaml: document 1, line 1: metadata must be a mapping, found a string'],
    ['a number as name', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 12}\n', 'f.yaml: document 1, line 1: metadata.name must be a string, found a number'],
    [
      'generateName only',
      'apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: migrate-}\n',
      'f.yaml: document 1, line 1: missing metadata.name (generateName is not supported: server-side apply needs a fixed name)',
    ],
    ['a List without items', 'apiVersion: v1\nkind: List\nmetadata: {}\n', 'f.yaml: document 1, line 1: List has no items array'],
    ['a List with items not an array', 'apiVersion: v1\nkind: List\nitems: {a: 1}\n', 'f.yaml: document 1, line 1: List has no items array'],
    [
      'a List item that is not a mapping',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - oops\n',
      'f.yaml: document 1, line 7: List item 2: not a mapping (found a string)',
    ],
    ['a List item without kind', 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    metadata: {name: a}\n', 'f.yaml: document 1, line 4: List item 1: missing kind'],
    ['an unresolved alias', `${configMap('a')}data: {a: *nowhere}\n`, 'f.yaml: document 1, line 1: invalid YAML: Unresolved alias'],
    ['content after a document end marker', `${configMap('a')}...\n${configMap('b')}`, 'f.yaml: document 1, line 6: a document end marker "..." is followed by more content'],
    ['malformed JSON', '{"apiVersion": "v1",, "kind": "ConfigMap"}', 'f.yaml: document 1, line 1: invalid YAML:'],
  ])('reports %s with file, document and line', (_title, content, expected) => {
    // Act
    const error = thrown(() => parseManifests('f.yaml', content));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toContain(expected);
  });

  it('reports every problem of every document at once', () => {
    // Act
    const error = thrown(() => parseManifests('f.yaml', 'kind: A\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n')) as InvalidManifestError;

    // Assess
    expect(error.problems.map((p) => [p.message, p.source?.document, p.source?.line])).toEqual([
      ['missing apiVersion', 1, 1],
      ['missing kind', 2, 4],
    ]);
  });
});
