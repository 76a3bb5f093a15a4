/**
 * `/projects` through the real handler, with the real Secrets Manager adapter on the local
 * service: a whole definition saved and read back, sensitive variable values write-only (kept,
 * replaced with a new version, never shown), manifests and container specs checked at save
 * time, references to what does not exist refused with the known ids, nothing stored (and no
 * secret left) when a save is refused, large bodies of manifests accepted up to their limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, seedEnvironments, seedLifecycle, type World } from './world.ts';

let world: World;

const DB_PASSWORD = 'db-Pa55-4c1e9f0b7a-never-shown';
const NEW_DB_PASSWORD = 'db-Pa55-8e2d1c6f3b-never-shown';
const LITERAL_SECRET = 'literal-s3cret-in-a-spec-never-stored';

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: #{Replicas}
  template:
    spec:
      containers:
        - name: web
          image: "registry.example/web:#{Tag}"
`;

const containersSpec = (secretItem: string) => ({
  name: 'api',
  replicas: 2,
  strategy: 'RollingUpdate',
  containers: [{ name: 'api', image: 'registry.example/api:1.0.0', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: 'DB_PASSWORD', fromSecret: 'db-password' }] }],
  secret: { items: { 'db-password': secretItem } },
  service: { type: 'ClusterIP', ports: [{ port: 80, targetPort: 'http' }] },
});

function definition(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Web shop',
    lifecycleId: 'standard',
    process: [
      { kind: 'apply-manifests', name: 'Deploy web', targetTags: ['web'], timeoutSeconds: 300, manifests: [{ name: 'deploy/web.yaml', content: MANIFEST }] },
      { kind: 'deploy-containers', name: 'Deploy api', targetTags: ['api'], timeoutSeconds: 600, spec: containersSpec('#{DbPassword}') },
      { kind: 'approval', name: 'Sign off', environments: ['prod'], timeoutSeconds: 86_400, instructions: 'Check the dashboards' },
      { kind: 'kubectl-script', name: 'Smoke test', targetTags: ['web'], timeoutSeconds: 120, script: 'kubectl get pods' },
    ],
    variables: [
      { name: 'Replicas', values: [{ value: '2' }, { value: '4', scope: { environments: ['prod'] } }] },
      { name: 'Tag', values: [{ value: '1.0.0' }] },
      { name: 'DbPassword', values: [{ value: DB_PASSWORD, sensitive: true }] },
    ],
    channels: [
      { name: 'stable', rules: [{ repository: 'registry.example/web', versionRange: '>=1.0.0 <2.0.0' }] },
      { name: 'preview', rules: [{ repository: 'registry.example/web', tagPattern: '^main-[0-9a-f]{7}$' }] },
    ],
    defaultChannel: 'stable',
    ...overrides,
  };
}

/** The secret ARN a stored project keeps for a sensitive variable's first value (the API never shows it). */
async function secretArnOf(projectId: string, variable: string): Promise<string> {
  const project = await world.table.stores.projects.get(projectId);
  const value = project.variables.find((v) => v.name === variable)?.values[0];
  if (!value || !('secretArn' in value)) throw new Error(`${variable} of ${projectId} is not sensitive`);
  return value.secretArn;
}

beforeAll(async () => {
  world = await createWorld('api-projects');
  await seedEnvironments(world, ['dev', 'prod']);
  await seedLifecycle(world, 'standard', ['dev', 'prod']);
});

afterAll(async () => {
  await world?.close();
});

describe('projects', () => {
  it('saves a whole definition and shows sensitive values as { sensitive: true } only', async () => {
    // Act
    const created = await world.admin('projects', 'POST /projects', { body: { id: 'web', ...definition() } });
    const read = await world.admin('projects', 'GET /projects/{projectId}', { path: { projectId: 'web' } });
    const list = await world.admin('projects', 'GET /projects');

    // Assess
    expect(created.status).toBe(201);
    expect(read.body).toEqual(created.body);
    expect(read.body).toMatchObject({ id: 'web', version: 1, releaseCounter: 0, defaultChannel: 'stable' });
    expect(read.body.process.map((step: { kind: string }) => step.kind)).toEqual(['apply-manifests', 'deploy-containers', 'approval', 'kubectl-script']);
    expect(read.body.process[1].spec).toMatchObject({ name: 'api', secret: { items: { 'db-password': '#{DbPassword}' }, sensitive: true } });
    expect(read.body.variables).toEqual([
      {
        name: 'Replicas',
        values: [
          { value: '2', sensitive: false },
          { value: '4', sensitive: false, scope: { environments: ['prod'] } },
        ],
      },
      { name: 'Tag', values: [{ value: '1.0.0', sensitive: false }] },
      { name: 'DbPassword', values: [{ sensitive: true }] },
    ]);
    expect(list.body.items).toEqual([expect.objectContaining({ id: 'web', name: 'Web shop' })]);
    expect(list.body.items[0].process).toBeUndefined();
    const arn = await secretArnOf('web', 'DbPassword');
    expect(await world.secrets.get(arn)).toBe(DB_PASSWORD);
    expect(await world.everything()).not.toContain(DB_PASSWORD);
    expect(world.answers.map((answer) => answer.text).join('\n')).not.toContain(arn);
  });

  it('keeps a sensitive value sent without value, and puts a new version when a value is sent', async () => {
    // Prepare
    await world.admin('projects', 'POST /projects', { body: { id: 'shop', ...definition() } });
    const arn = await secretArnOf('shop', 'DbPassword');
    const kept = definition({
      variables: [
        { name: 'Replicas', values: [{ value: '3' }] },
        { name: 'Tag', values: [{ value: '1.0.0' }] },
        { name: 'DbPassword', values: [{ sensitive: true }] },
      ],
    });
    const replaced = definition({
      variables: [
        { name: 'Replicas', values: [{ value: '3' }] },
        { name: 'Tag', values: [{ value: '1.0.0' }] },
        { name: 'DbPassword', values: [{ value: NEW_DB_PASSWORD, sensitive: true }] },
      ],
    });

    // Act
    const first = await world.admin('projects', 'PUT /projects/{projectId}', { path: { projectId: 'shop' }, body: { ...kept, version: 1 } });
    const valueAfterKeep = await world.secrets.get(arn);
    const second = await world.admin('projects', 'PUT /projects/{projectId}', { path: { projectId: 'shop' }, body: { ...replaced, version: 2 } });

    // Assess
    expect(first.status).toBe(200);
    expect(valueAfterKeep).toBe(DB_PASSWORD);
    expect(second.status).toBe(200);
    expect(second.body.version).toBe(3);
    expect(await secretArnOf('shop', 'DbPassword')).toBe(arn);
    expect(await world.secrets.get(arn)).toBe(NEW_DB_PASSWORD);
    expect((await world.secrets.describe(arn)).versions).toHaveLength(2);
    expect(await world.everything()).not.toContain(NEW_DB_PASSWORD);
  });

  it('refuses a stale replace with 409 before touching the secret', async () => {
    // Prepare
    await world.admin('projects', 'POST /projects', { body: { id: 'stale', ...definition() } });
    await world.admin('projects', 'PUT /projects/{projectId}', { path: { projectId: 'stale' }, body: { ...definition({ name: 'Second' }), version: 1 } });
    const arn = await secretArnOf('stale', 'DbPassword');
    const body = definition({
      variables: [
        { name: 'Replicas', values: [{ value: '1' }] },
        { name: 'Tag', values: [{ value: '1' }] },
        { name: 'DbPassword', values: [{ value: NEW_DB_PASSWORD, sensitive: true }] },
      ],
    });

    // Act
    const answer = await world.admin('projects', 'PUT /projects/{projectId}', { path: { projectId: 'stale' }, body: { ...body, version: 1 } });

    // Assess
    expect(answer.status).toBe(409);
    expect(await world.secrets.get(arn)).toBe(DB_PASSWORD);
  });

  it('discards the secrets it made when the project cannot be written (a taken id: 409)', async () => {
    // Prepare
    await world.admin('projects', 'POST /projects', { body: { id: 'taken', ...definition() } });
    const secretsBefore = await world.secretNames();

    // Act
    const answer = await world.admin('projects', 'POST /projects', { body: { id: 'taken', ...definition() } });

    // Assess
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('DuplicateError');
    expect(await world.secretNames()).toEqual(secretsBefore);
  });

  it('refuses an unknown lifecycle and unknown environments with 400, listing the known ones', async () => {
    // Act
    const answer = await world.admin('projects', 'POST /projects', {
      body: {
        id: 'lost',
        ...definition({ lifecycleId: 'express' }),
        variables: [...(definition().variables as object[]), { name: 'Where', values: [{ value: 'x', scope: { environments: ['staging'] } }] }],
      },
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('UnknownReferenceError');
    expect(answer.body.error.message).toContain('lifecycleId names unknown lifecycle "express" (known: standard)');
    expect(answer.body.error.message).toContain('variables[3].values[0].scope.environments names unknown environment "staging" (known: dev, prod)');
    expect(answer.body.error.details.known).toMatchObject({ lifecycles: ['standard'], environments: ['dev', 'prod'] });
    expect(await world.secretNames()).not.toContainEqual(expect.stringContaining('projects/lost/'));
  });

  it.each([
    [
      'manifests that do not parse',
      { process: [{ kind: 'apply-manifests', name: 'Broken', targetTags: ['web'], timeoutSeconds: 60, manifests: [{ name: 'broken.yaml', content: 'apiVersion: v1\nkind: [\n' }] }] },
      'broken.yaml: document 1, line 3: invalid YAML',
    ],
    [
      'a manifest without kind',
      { process: [{ kind: 'apply-manifests', name: 'No kind', targetTags: ['web'], timeoutSeconds: 60, manifests: [{ name: 'cm.yaml', content: 'apiVersion: v1\nmetadata: {name: x}\n' }] }] },
      'cm.yaml: document 1, line 1: missing kind',
    ],
    [
      'an unknown filter',
      {
        process: [
          {
            kind: 'apply-manifests',
            name: 'Filter',
            targetTags: ['web'],
            timeoutSeconds: 60,
            manifests: [{ name: 'cm.yaml', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "#{Name | Shout}"}\n' }],
          },
        ],
      },
      'unknown filter "Shout"',
    ],
    [
      'a literal in a Secret item',
      { process: [{ kind: 'deploy-containers', name: 'Api', targetTags: ['api'], timeoutSeconds: 60, spec: containersSpec(LITERAL_SECRET) }] },
      'spec.secret.items.db-password: must be a #{Variable} reference to a sensitive variable',
    ],
    [
      'a container spec with a bad replica count',
      { process: [{ kind: 'deploy-containers', name: 'Api', targetTags: ['api'], timeoutSeconds: 60, spec: { ...containersSpec('#{DbPassword}'), replicas: -1 } }] },
      'process[0] (Api).spec.replicas',
    ],
    [
      'two steps with one name',
      {
        process: [
          { kind: 'kubectl-script', name: 'Same', targetTags: ['web'], timeoutSeconds: 60, script: 'true' },
          { kind: 'kubectl-script', name: 'Same', targetTags: ['web'], timeoutSeconds: 60, script: 'true' },
        ],
      },
      'process[1] (Same): another step has this name',
    ],
    ['a timeout out of bounds', { process: [{ kind: 'kubectl-script', name: 'Long', targetTags: ['web'], timeoutSeconds: 999_999, script: 'true' }] }, 'body.process[0].timeoutSeconds'],
    ['a step without target tags', { process: [{ kind: 'kubectl-script', name: 'Nowhere', targetTags: [], timeoutSeconds: 60, script: 'true' }] }, 'body.process[0].targetTags: Too small'],
    ['a sensitive value to keep that was never stored', { variables: [{ name: 'DbPassword', values: [{ sensitive: true }] }] }, 'no value is stored for this variable and scope'],
    ['a system variable', { variables: [{ name: 'Conveyor.Environment.Name', values: [{ value: 'x' }] }] }, 'names starting with "Conveyor." are the system\'s'],
    ['two values with one scope', { variables: [{ name: 'Replicas', values: [{ value: '1' }, { value: '2' }] }] }, 'another value of this variable has the same scope'],
    ['an invalid tag pattern', { channels: [{ name: 'stable', rules: [{ repository: 'registry.example/web', tagPattern: '([' }] }] }, 'tagPattern is not a regular expression'],
    ['a default channel that is not a channel', { defaultChannel: 'nightly' }, 'defaultChannel "nightly" is not one of the channels'],
    [
      'a manifest file name with ".."',
      { process: [{ kind: 'apply-manifests', name: 'Up', targetTags: ['web'], timeoutSeconds: 60, manifests: [{ name: '../x.yaml', content: MANIFEST }] }] },
      'body.process[0].manifests[0].name',
    ],
    ['a name with a control character', { name: 'Web\u0000shop' }, 'body.name: must not contain control characters'],
  ])('refuses %s with 400, storing nothing and leaving no secret', async (_case, overrides, fragment) => {
    // Prepare
    const secretsBefore = await world.secretNames();

    // Act
    const answer = await world.admin('projects', 'POST /projects', { body: { id: 'refused', ...definition(overrides) } });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain(fragment);
    expect(answer.text).not.toContain(LITERAL_SECRET);
    expect(answer.text).not.toContain(DB_PASSWORD);
    expect((await world.itemsOfType('Project')).map((item) => item.id)).not.toContain('refused');
    expect(await world.secretNames()).toEqual(secretsBefore);
  });

  it('accepts a body of manifests larger than other routes allow, and refuses one over the project limit', async () => {
    // Prepare
    const big = (kib: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ${'x'.repeat(kib * 1024)}\n`;
    const step = (kib: number) => [{ kind: 'apply-manifests', name: 'Big', targetTags: ['web'], timeoutSeconds: 60, manifests: [{ name: 'big.yaml', content: big(kib) }] }];

    // Act
    const accepted = await world.admin('projects', 'POST /projects', { body: { id: 'big', ...definition({ process: step(600), variables: [] }) } });
    const refused = await world.admin('projects', 'POST /projects', { body: { id: 'huge', ...definition({ process: step(5 * 1024), variables: [] }) } });

    // Assess
    expect(accepted.status).toBe(201);
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('request body size');
  });

  it('deletes a project without releases and schedules its sensitive values for deletion', async () => {
    // Prepare
    await world.admin('projects', 'POST /projects', { body: { id: 'gone', ...definition() } });
    const arn = await secretArnOf('gone', 'DbPassword');

    // Act
    const stale = await world.admin('projects', 'DELETE /projects/{projectId}', { path: { projectId: 'gone' }, query: { version: '7' } });
    const deleted = await world.admin('projects', 'DELETE /projects/{projectId}', { path: { projectId: 'gone' }, query: { version: '1' } });
    const read = await world.admin('projects', 'GET /projects/{projectId}', { path: { projectId: 'gone' } });

    // Assess
    expect(stale.status).toBe(409);
    expect(deleted.status).toBe(204);
    expect(read.status).toBe(404);
    expect((await world.secrets.describe(arn)).deletedAt).toBeInstanceOf(Date);
  });
});
