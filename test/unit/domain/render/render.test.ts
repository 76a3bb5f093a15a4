import { describe, expect, it } from 'vitest';
import { AmbiguousVariableError, InvalidManifestError, MissingVariablesError } from '#domain/errors.ts';
import { type RenderInput, renderManifests } from '#domain/render/render.ts';
import { renderContext, thrown, variablesFrom } from './fixtures.ts';

const SECRET = 'Tr0ub4dor&3-zebra';
const DIGEST = `sha256:${'cd'.repeat(32)}`;

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    release: "#{Conveyor.Release.Number}"
    environment: "#{Conveyor.Environment.Name | ToLower}"
spec:
  replicas: #{Replicas}
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.25
          env:
            - name: DB_URL
              value: "postgres://app:#{DbPassword}@db:5432/app"
            - name: LITERAL
              value: "##{NotAVariable}"
---
apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: #{DbPassword | Base64}
`;

function input(overrides: Partial<RenderInput> = {}): RenderInput {
  return {
    files: [{ name: 'deploy/web.yaml', content: WEB }],
    variables: variablesFrom({ Replicas: '3', DbPassword: SECRET }, ['DbPassword']),
    context: renderContext(),
    ...overrides,
  };
}

describe('renderManifests', () => {
  it('substitutes before parsing, so a number stays a number, and fills system variables', () => {
    // Act
    const { objects } = renderManifests(input());

    // Assess
    const [web, secret] = objects;
    expect(web.object.spec.replicas).toBe(3);
    expect(web.object.metadata.labels).toEqual({ release: '1.4.0', environment: 'production' });
    expect(web.object.spec.template.spec.containers[0].env).toEqual([
      { name: 'DB_URL', value: `postgres://app:${SECRET}@db:5432/app` },
      { name: 'LITERAL', value: '#{NotAVariable}' },
    ]);
    expect(secret.object.data.password).toBe(Buffer.from(SECRET).toString('base64'));
    expect([web.source, secret.source]).toEqual([
      { file: 'deploy/web.yaml', document: 1, line: 1 },
      { file: 'deploy/web.yaml', document: 2, line: 21 },
    ]);
  });

  it('keeps sensitive values out of the redacted copy, in every form', () => {
    // Act
    const { objects } = renderManifests(input());

    // Assess
    const redacted = JSON.stringify(objects.map((o) => o.redacted));
    expect(redacted).not.toContain(SECRET);
    expect(redacted).not.toContain(Buffer.from(SECRET).toString('base64'));
    expect(objects[0].redacted.spec.template.spec.containers[0].env[0].value).toBe('postgres://app:***@db:5432/app');
    expect(objects[1].redacted.data.password).toBe('***');
    expect(objects[0].redacted.spec.replicas).toBe(3);
  });

  it('renders JSON files with variables', () => {
    // Prepare
    const content = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "#{Name}"}, "data": {"json": "#{Quote | JsonEscape}"}}';

    // Act
    const { objects } = renderManifests(input({ files: [{ name: 'cm.json', content }], variables: variablesFrom({ Name: 'cfg', Quote: 'say "hi"' }) }));

    // Assess
    expect(objects[0].object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { json: 'say "hi"' } });
  });

  it('reports every missing variable of every file in one error, with places', () => {
    // Prepare
    const files = [
      { name: 'a.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: "#{Missing}"}\n' },
      { name: 'b.yaml', content: '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: "#{AlsoMissing}"}\n' },
    ];

    // Act
    const error = thrown(() => renderManifests(input({ files, variables: [] })));

    // Assess
    expect(error).toBeInstanceOf(MissingVariablesError);
    expect(error.message).toBe('missing variables:\n  #{Missing} at a.yaml: document 1, line 4\n  #{AlsoMissing} at b.yaml: document 1, line 4');
  });

  it('reports Conveyor.Target.Namespace as missing on a target without a namespace', () => {
    const files = [{ name: 'a.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: "#{Conveyor.Target.Namespace}"}\n' }];
    const error = thrown(() => renderManifests(input({ files, variables: [], context: renderContext({ target: { name: 'admin', tags: [] } }) })));
    expect(error.message).toContain('#{Conveyor.Target.Namespace} at a.yaml: document 1, line 3');
  });

  it('reports an unknown filter before missing variables, with its place', () => {
    const files = [{ name: 'a.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "#{Missing}"}\n---\ndata: "#{Replicas | Reverse}"\n' }];
    const error = thrown(() => renderManifests(input({ files })));
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toContain('a.yaml: document 2, line 5: invalid variable expression "#{Replicas | Reverse}": unknown filter "Reverse"');
  });

  it('refuses an ambiguous variable that a manifest uses', () => {
    // Prepare
    const variables = [
      {
        name: 'Replicas',
        values: [
          { value: '2', scope: { environments: ['Production'] } },
          { value: '4', scope: { environments: ['Production'] } },
        ],
      },
      ...variablesFrom({ DbPassword: SECRET }, ['DbPassword']),
    ];

    // Act
    const error = thrown(() => renderManifests(input({ variables })));

    // Assess
    expect(error).toBeInstanceOf(AmbiguousVariableError);
    expect(error.message).toContain('environment Production and environment Production');
  });

  it('never quotes a sensitive value that breaks the YAML, but names the variable and line', () => {
    // Prepare
    const content = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: #{Broken}\n';
    const variables = variablesFrom({ Broken: `${SECRET}\n  - [oops: "` }, ['Broken']);

    // Act
    const error = thrown(() => renderManifests(input({ files: [{ name: 'a.yaml', content }], variables })));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).not.toContain(SECRET);
    expect(error.message).toContain('a.yaml: document 1, line 5: the value of sensitive variable Broken (line 5) makes this document invalid');
  });

  it('never quotes a sensitive value in validation errors of the rendered objects', () => {
    // Prepare
    const content = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "#{DbPassword}"}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: "#{DbPassword}"}\n';

    // Act
    const error = thrown(() => renderManifests(input({ files: [{ name: 'a.yaml', content }] })));

    // Assess
    expect(error.message).toContain('duplicate object: ConfigMap/*** (a.yaml, document 2, line 5)');
    expect(error.message).not.toContain(SECRET);
  });

  it('applies the image map and reports the bindings', () => {
    // Act
    const { objects, images } = renderManifests(input({ images: { 'docker.io/library/nginx': DIGEST } }));

    // Assess
    expect(objects[0].object.spec.template.spec.containers[0].image).toBe(`nginx@${DIGEST}`);
    expect(images.entries[0].bindings.map((b) => `${b.object} ${b.container} ${b.to}`)).toEqual([`Deployment/web web nginx@${DIGEST}`]);
  });

  it('refuses a bad image map before looking at the manifests', () => {
    const error = thrown(() => renderManifests(input({ variables: [], images: { nginx: 'latest@sha256:short' } })));
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toContain('image map entry "nginx": "latest@sha256:short"');
  });

  it.each([
    ['an empty file', [{ name: 'empty.yaml', content: '' }]],
    ['comments only', [{ name: 'notes.yaml', content: '# nothing\n# here\n' }]],
    ['only "---" separators', [{ name: 'dashes.yaml', content: '---\n---\n--- # end\n' }]],
    ['empty documents', [{ name: 'nulls.yaml', content: '~\n---\nnull\n---\n\n' }]],
    ['an empty List', [{ name: 'list.yaml', content: 'apiVersion: v1\nkind: List\nitems: []\n' }]],
    ['a blank JSON file', [{ name: 'blank.json', content: ' \n' }]],
    [
      'several empty files',
      [
        { name: 'a.yaml', content: '' },
        { name: 'b.yml', content: '# b\n' },
      ],
    ],
  ])('refuses %s: no objects to apply, naming the files', (_title, files) => {
    // Act
    const error = thrown(() => renderManifests(input({ files, variables: [] })));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toContain('no objects to apply');
    for (const file of files) expect(error.message).toContain(file.name);
  });

  it('refuses a step without files: no objects to apply', () => {
    const error = thrown(() => renderManifests(input({ files: [], variables: [] })));
    expect(error.message).toBe('no objects to apply: no manifest file was given');
  });

  it('skips empty documents among objects', () => {
    const content = '# header\n---\n~\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n';
    const { objects } = renderManifests(input({ files: [{ name: 'a.yaml', content }], variables: [] }));
    expect(objects.map((o) => [o.object.metadata.name, o.source.document])).toEqual([['a', 2]]);
  });

  it('refuses the same object in two files, counting a missing namespace as the target namespace', () => {
    const cm = (namespace: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: same\n${namespace}`;
    const files = [
      { name: 'a.yaml', content: cm('') },
      { name: 'b.yaml', content: cm('  namespace: team-a\n') },
    ];
    const error = thrown(() => renderManifests(input({ files, variables: [] })));
    expect(error.message).toContain('b.yaml: document 1, line 1: duplicate object: ConfigMap/same (b.yaml, document 1, line 1) is also defined at ConfigMap/same (a.yaml, document 1, line 1)');
  });
});
