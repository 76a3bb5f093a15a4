/**
 * Sensitive variables through the whole engine: the real value reaches the cluster's Secret
 * and nowhere else — not the `rendered` manifests (`***`), not any engine event, not an
 * error message, even when the server echoes the value back.
 */
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import type { EngineEvent } from '#domain/engine/events.ts';
import type { Variable } from '#domain/model.ts';
import { adminTarget, apply, connect, deployment, file, namespacedTarget, rejection, startTestSandbox, type TestSandbox } from './helpers.ts';

// '!' and '#' make it an invalid label value, which the server quotes back in its rejection.
const SECRET = 'Hunter2!Sekr1t#9f3a';
const variables: Variable[] = [
  { name: 'DbPassword', values: [{ value: SECRET, sensitive: true }] },
  { name: 'DbUser', values: [{ value: 'app-user' }] },
];

let t: TestSandbox;
let admin: KubernetesCluster;

beforeAll(async () => {
  t = await startTestSandbox();
  admin = await connect(adminTarget(t));
});

afterAll(async () => {
  await admin?.close();
  await t?.close();
});

const secretYaml = [
  'apiVersion: v1',
  'kind: Secret',
  'metadata:',
  '  name: db',
  'type: Opaque',
  'stringData:',
  '  username: "#{DbUser}"',
  '  password: "#{DbPassword}"',
  '  url: "postgres://#{DbUser}:#{DbPassword}@db:5432/app"',
].join('\n');

const containersYaml = [
  'apiVersion: conveyor.dev/v1',
  'kind: DeployContainers',
  'metadata: { name: worker }',
  'spec:',
  '  replicas: 1',
  '  strategy: RollingUpdate',
  '  containers:',
  '    - name: worker',
  '      image: nginx:1.27',
  '      envFrom: [secret]',
  '      env: [{ name: DB_URL, value: "postgres://app:#{DbPassword}@db/app" }]',
  '  secret:',
  '    items: { DB_PASSWORD: "#{DbPassword}" }',
].join('\n');

it('reaches the cluster, but never the rendered output or the events', async () => {
  const namespace = 'secrets-ok';
  const events: EngineEvent[] = [];
  const { result } = await apply(namespacedTarget(t, namespace), [file('db.yaml', [secretYaml, deployment('api')]), file('worker.yaml', [containersYaml])], { variables, deploymentId: 'd1' }, events);

  expect(result.state).toBe('done');
  const live = await admin.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: 'db' });
  const decoded = Object.fromEntries(Object.entries(live?.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]));
  expect(decoded).toEqual({ username: 'app-user', password: SECRET, url: `postgres://app-user:${SECRET}@db:5432/app` });
  const generated = await admin.get({ apiVersion: 'v1', kind: 'Secret', namespace, name: 'worker-d1' });
  expect(Buffer.from(String(generated?.data?.DB_PASSWORD), 'base64').toString('utf8')).toBe(SECRET);
  const worker = await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'worker' });
  expect(worker?.spec.template.spec.containers[0].env).toEqual([{ name: 'DB_URL', value: `postgres://app:${SECRET}@db/app` }]);

  const rendered = result.rendered.find((m) => m.kind === 'Secret' && m.metadata.name === 'db');
  expect(rendered?.stringData).toEqual({ username: 'app-user', password: '***', url: 'postgres://app-user:***@db:5432/app' });
  expect(result.rendered.find((m) => m.kind === 'Secret' && m.metadata.name === 'worker-d1')?.data).toEqual({ DB_PASSWORD: '***' });
  const shown = JSON.stringify(result.rendered);
  expect(shown).not.toContain(SECRET);
  expect(shown).not.toContain(Buffer.from(SECRET).toString('base64'));
  expect(events.length).toBeGreaterThan(0);
  const logged = JSON.stringify(events);
  expect(logged).not.toContain(SECRET);
  expect(logged).not.toContain(Buffer.from(SECRET).toString('base64'));
  expect(JSON.stringify(result)).not.toContain(SECRET);
});

it('never appears in an error message, even when the server quotes the rejected value', async () => {
  const labelled = { ...deployment('api'), metadata: { name: 'api', labels: { pw: '#{DbPassword}' } } };
  // An existing namespace: the pre-flight dry run rejects it. A new one: the engine creates the
  // namespace, dry-runs the object there, and deletes the namespace again when it is rejected.
  await admin.ensureNamespace('secrets-rejected');
  const cases = [
    { namespace: 'secrets-rejected', name: 'ObjectsRejectedError' },
    { namespace: 'secrets-rejected-new', name: 'ObjectsRejectedError' },
  ];
  for (const { namespace, name } of cases) {
    const events: EngineEvent[] = [];

    const error = await rejection(apply(namespacedTarget(t, namespace), [file('api.yaml', [labelled])], { variables }, events));

    expect(error.name).toBe(name);
    expect(error.message).toContain('Deployment');
    expect(error.message).toContain('metadata.labels');
    expect(error.message).not.toContain(SECRET);
    expect(String((error as Error & { cause?: unknown }).cause ?? '')).not.toContain(SECRET);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect((await admin.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: 'api' })) ?? null).toBeNull();
  }
  // The namespace the rejected apply created is gone again (deleted, or still terminating).
  const leftover = await admin.get({ apiVersion: 'v1', kind: 'Namespace', name: 'secrets-rejected-new' });
  expect(leftover === undefined || leftover.metadata?.deletionTimestamp !== undefined).toBe(true);
});

it('never appears in a rollout failure', async () => {
  const namespace = 'secrets-rollout';
  // The value ends up in a container argument of a pod that never becomes ready.
  const web = deployment('api', { image: 'nginx:does-not-exist', progressDeadlineSeconds: 1 });
  web.spec.template.spec.containers[0].args = ['--password=#{DbPassword}'];
  const events: EngineEvent[] = [];

  const { result } = await apply(namespacedTarget(t, namespace), [file('api.yaml', [web])], { variables, timeoutMs: 8000 }, events);

  expect(result.state).toBe('failed');
  expect(result.rendered[0]?.spec.template.spec.containers[0].args).toEqual(['--password=***']);
  expect(JSON.stringify(result)).not.toContain(SECRET);
  expect(JSON.stringify(events)).not.toContain(SECRET);
});
