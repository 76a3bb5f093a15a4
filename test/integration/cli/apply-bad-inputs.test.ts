/**
 * `conveyor apply` refuses bad input with exit code 2, a message that names the problem (and
 * the file, document and line when the input has them), and no change in the cluster: the
 * sandbox store's resourceVersion is the same before and after. Every file of the rendering
 * corpus (test/unit/domain/render/corpus/) is one case; the rest are the command's own:
 * flags, files, variables files, kubeconfig contexts, and what only the server's pre-flight
 * dry run can find (unknown fields, wrong types, field-manager conflicts).
 *
 * A few cases run the real process (`npm run conveyor -- apply`); the others call `run(argv)`
 * in-process with stdout and console captured, which is the same code without the start-up.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '#cli/commands/apply.ts';
import { rawRequest } from '../../support/https.ts';
import { startTestSandbox, writeUserKubeconfig, type TestSandbox } from '../../support/sandbox.ts';
import { runConveyor, type ConveyorRun } from '../../support/conveyor.ts';
import { CORPUS_DIR, loadCorpus, type CorpusCase } from '../../unit/domain/render/corpus/cases.ts';

const CORPUS = CORPUS_DIR;
const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);
const NS = 'team-a';
/** The target name of the sandbox kubeconfig's current context. */
const ADMIN_CONTEXT = 'sandbox-admin';
const MINIMUM_CASES = 40;

type Run = Pick<ConveyorRun, 'code' | 'stdout' | 'stderr'>;

type BadInput = {
  name: string;
  /** Arguments after `apply`; --kubeconfig is added unless the case gives one. */
  args: () => string[];
  /** Fragments stderr must contain (a function when they depend on the sandbox). */
  expect: string[] | (() => string[]);
  /** The error type the JSON output must name (cases run with --output json). */
  error?: string;
  /** Values that must appear nowhere in the output. */
  secrets?: string[];
  /** Run as a process rather than in-process. */
  process?: boolean;
};

let t: TestSandbox;
/** Kubeconfigs with a context named "corpus", by namespace: the corpus's target name. */
const corpusKubeconfigs = new Map<string, string>();
let noManifestsDir = '';

// ---------------------------------------------------------------------------------------
// The rendering corpus: cases.json maps each file to flags (see its README).

const corpus = loadCorpus();
/** Run as processes too, so both ways of running are covered by corpus cases. */
const CORPUS_IN_PROCESS_EXCEPTIONS = new Set(['malformed-yaml.yaml', 'sensitive-breaks-yaml.yaml']);

const corpusCases: BadInput[] = Object.entries(corpus).map(([file, c]) => {
  const path = join(CORPUS, file);
  const target = { namespace: NS, admin: false, ...c.target };
  const sensitive = new Set(c.sensitive ?? []);
  return {
    name: `corpus/${file}`,
    args: () => [
      '-f', path,
      '--kubeconfig', corpusKubeconfigs.get(target.namespace)!,
      // An admin target has no --namespace; its default namespace is the context's.
      ...(target.admin ? [] : ['--namespace', target.namespace]),
      // The corpus's fixed deployment context (see renderContext in its fixtures).
      '--environment', 'Production',
      '--deployment-id', 'deployments-42',
      ...Object.entries(c.vars ?? {}).flatMap(([name, value]) => [sensitive.has(name) ? '--sensitive-var' : '--var', `${name}=${value}`]),
      ...Object.entries(c.images ?? {}).flatMap(([repository, ref]) => ['--image', `${repository}=${ref}`]),
      '--output', 'json',
    ],
    // Messages name the file as given on the command line.
    expect: [c.expect.replaceAll(file, path)],
    error: c.error,
    secrets: [...sensitive].map((name) => c.vars![name]!),
    process: CORPUS_IN_PROCESS_EXCEPTIONS.has(file),
  };
});

// ---------------------------------------------------------------------------------------
// The command's own bad inputs.

const settings = fixture('settings.yaml');
const inTeamA = ['--namespace', NS];
const at = (file: string, line = 1, document = 1) => `${fixture(file)}: document ${document}, line ${line}: `;

const commandCases: BadInput[] = [
  // Flags
  { name: 'an unknown flag', process: true, args: () => ['-f', settings, ...inTeamA, '--replicas', '3'], expect: ["Unknown option '--replicas'", 'usage: conveyor apply'] },
  { name: 'no -f', process: true, args: () => [...inTeamA, '--wait'], expect: ['at least one -f FILE is required'] },
  { name: '-f of a file that does not exist', args: () => ['-f', fixture('no-such-file.yaml'), ...inTeamA], expect: [`${fixture('no-such-file.yaml')}: no such file or directory`] },
  { name: '-f of a directory without manifests', args: () => ['-f', noManifestsDir, ...inTeamA], expect: () => [`${noManifestsDir}: the directory holds no .yaml, .yml or .json file`] },
  { name: '--var without "="', args: () => ['-f', settings, ...inTeamA, '--var', 'Greeting'], expect: ['--var expects NAME=VALUE, got "Greeting"'] },
  {
    name: '--sensitive-var without "=" (the argument is not echoed)',
    args: () => ['-f', settings, ...inTeamA, '--sensitive-var', 'hunter2-bare-secret'],
    expect: ['--sensitive-var expects NAME=VALUE'],
    secrets: ['hunter2-bare-secret'],
  },
  { name: '--var with an invalid name', args: () => ['-f', settings, ...inTeamA, '--var', 'Db Password=x'], expect: [`variable name "Db Password" may only contain letters, digits, '.', '_' and '-'`] },
  { name: '--image without "="', args: () => ['-f', settings, ...inTeamA, '--image', 'nginx'], expect: ['--image expects NAME=VALUE, got "nginx"'] },
  { name: '--image without a tag or digest', args: () => ['-f', settings, ...inTeamA, '--image', 'nginx='], expect: ["--image nginx= needs a tag or digest after '='"] },
  { name: '--image with an invalid digest', args: () => ['-f', settings, ...inTeamA, '--image', 'nginx=sha256:abc'], expect: ['image map entry "nginx": "sha256:abc": a sha256 digest has 64 hex digits, found 3'] },
  { name: 'an unknown --strategy', args: () => ['-f', settings, ...inTeamA, '--strategy', 'Canary'], expect: ['--strategy must be one of Recreate, RollingUpdate, BlueGreen, got "Canary"'] },
  { name: '--timeout that is not a number', args: () => ['-f', settings, ...inTeamA, '--wait', '--timeout', 'soon'], expect: ['--timeout must be a positive number of seconds, got "soon"'] },
  { name: '--timeout 0', args: () => ['-f', settings, ...inTeamA, '--wait', '--timeout', '0'], expect: ['--timeout must be a positive number of seconds, got "0"'] },
  { name: 'an unknown --output', args: () => ['-f', settings, ...inTeamA, '--output', 'yaml'], expect: ['--output must be text or json, got "yaml"'] },
  { name: 'an invalid --deployment-id', args: () => ['-f', settings, ...inTeamA, '--deployment-id', 'Deploy_42'], expect: ['--deployment-id must be 1-40 lower-case letters, digits or \'-\'', 'got "Deploy_42"'] },
  // Variables files
  {
    name: 'a malformed --variables file',
    process: true,
    args: () => ['-f', settings, ...inTeamA, '--variables', fixture('variables-malformed.yaml')],
    expect: [`${fixture('variables-malformed.yaml')}: not valid YAML or JSON:`],
  },
  {
    name: 'a --variables file with an unknown scope key',
    args: () => ['-f', settings, ...inTeamA, '--variables', fixture('variables-unknown-scope.yaml')],
    expect: [`${fixture('variables-unknown-scope.yaml')}: entry 1 (Greeting) value 1: unknown scope "regions" (expected environments, targetTags, targets, steps)`],
  },
  { name: 'a --variables path that cannot be read (a directory)', args: () => ['-f', settings, ...inTeamA, '--variables', noManifestsDir], expect: () => [`${noManifestsDir}: cannot read: EISDIR`] },
  // Kubeconfig
  {
    name: 'a --context the kubeconfig does not have',
    process: true,
    args: () => ['-f', settings, ...inTeamA, '--context', 'staging'],
    expect: () => [`kubeconfig ${t.kubeconfigPath} has no context "staging" (contexts: sandbox-admin, sandbox-cert, sandbox-basic)`],
  },
  { name: 'a --kubeconfig that does not exist', args: () => ['-f', settings, ...inTeamA, '--kubeconfig', join(t.dir, 'missing-kubeconfig')], expect: () => [`cannot read kubeconfig ${join(t.dir, 'missing-kubeconfig')}`] },
  // Found by the server in the pre-flight dry run
  {
    name: 'a field the schema lacks (spec.replicaz), rejected in the dry run',
    process: true,
    args: () => ['-f', fixture('unknown-field.yaml'), ...inTeamA],
    expect: ['the cluster rejected 1 object; nothing was applied', `${at('unknown-field.yaml')}Deployment/${NS}/typo: `, '.spec.replicaz: field not declared in schema'],
  },
  {
    name: 'a field of the wrong type (replicas: "two"), rejected in the dry run',
    args: () => ['-f', fixture('wrong-type.yaml'), ...inTeamA, '--output', 'json'],
    error: 'ObjectsRejectedError',
    expect: ['the cluster rejected 1 object; nothing was applied', `${at('wrong-type.yaml')}Deployment/${NS}/two: `, 'cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
  },
  {
    name: 'a field owned by another field manager, without --force',
    process: true,
    args: () => ['-f', fixture('conflict.yaml'), ...inTeamA],
    expect: [`${at('conflict.yaml', 2)}ConfigMap/${NS}/owned: `, '.data.mode (managed by "kubectl"); apply with force to take them'],
  },
  // Deploy-containers spec and the namespace boundary
  {
    name: 'a DeployContainers spec with an invalid container port',
    process: true,
    args: () => ['-f', fixture('deploy-containers-bad-port.yaml'), ...inTeamA, '--deployment-id', 'd1'],
    expect: [`${at('deploy-containers-bad-port.yaml')}spec.containers[0].ports[0].containerPort: must be 1-65535`],
  },
  {
    name: 'a Secret in another namespace than --namespace',
    args: () => ['-f', fixture('secret-other-namespace.yaml'), ...inTeamA, '--output', 'json'],
    error: 'NamespaceBoundaryError',
    expect: [`${at('secret-other-namespace.yaml')}Secret/credentials is in namespace "team-b", but target "${ADMIN_CONTEXT}" is confined to namespace "${NS}"`],
  },
  {
    name: 'a cluster-scoped ClusterRole with --namespace',
    process: true,
    args: () => ['-f', fixture('cluster-role.yaml'), ...inTeamA],
    expect: [`${at('cluster-role.yaml')}ClusterRole/settings-reader is cluster-scoped, but target "${ADMIN_CONTEXT}" is confined to namespace "${NS}" (not an admin target)`],
  },
];

const cases = [...corpusCases, ...commandCases];

// ---------------------------------------------------------------------------------------

const runProcess = (args: string[]): Promise<Run> => runConveyor(['apply', ...args]);

/** `run(argv)` of cli/commands/apply.ts with process.stdout and the console captured. */
async function runInProcess(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const write = process.stdout.write;
  const { log, error } = console;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  console.log = (...parts: unknown[]) => void (stdout += `${format(...parts)}\n`);
  console.error = (...parts: unknown[]) => void (stderr += `${format(...parts)}\n`);
  try {
    return { code: await run(args), stdout, stderr };
  } finally {
    process.stdout.write = write;
    console.log = log;
    console.error = error;
  }
}

const shown = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

async function settledVersion(): Promise<number> {
  await t.sandbox.settle();
  return t.sandbox.cluster.store.resourceVersion;
}

beforeAll(async () => {
  t = await startTestSandbox();
  const admin = { url: t.sandbox.url, caPem: t.sandbox.caPem, token: t.sandbox.credentials.adminToken };
  // The target namespace exists, so the pre-flight dry run checks objects in it.
  const created = await rawRequest(admin, { method: 'POST', path: '/api/v1/namespaces', token: admin.token, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } });
  expect(created.status, created.text).toBe(201);
  // data.mode owned by another field manager, as `kubectl apply --server-side` leaves it.
  const owned = await rawRequest(admin, {
    method: 'PATCH',
    path: `/api/v1/namespaces/${NS}/configmaps/owned?fieldManager=kubectl`,
    token: admin.token,
    headers: { 'Content-Type': 'application/apply-patch+yaml' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owned' }, data: { mode: 'fast' } }),
  });
  expect(owned.status, owned.text).toBe(201);
  for (const c of Object.values(corpus)) {
    const namespace = c.target?.namespace ?? NS;
    if (corpusKubeconfigs.has(namespace)) continue;
    // One file per namespace, each with the context (so the target) named "corpus".
    const file = writeUserKubeconfig(t, 'corpus', { token: admin.token }, namespace);
    corpusKubeconfigs.set(namespace, renameSync(file, `${file}-${namespace}`) ?? `${file}-${namespace}`);
  }
  noManifestsDir = join(t.dir, 'no-manifests');
  mkdirSync(noManifestsDir);
  writeFileSync(join(noManifestsDir, 'notes.txt'), 'not a manifest\n');
});

afterAll(async () => {
  await t?.close();
});

describe('conveyor apply: bad input', () => {
  it('has enough cases, every corpus file among them', () => {
    expect(cases.length).toBeGreaterThanOrEqual(MINIMUM_CASES);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.filter((c) => c.process).length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases.map((c) => [`${c.name}${c.process ? ' (process)' : ''}`, c] as const))('exits 2 on %s, names the problem and changes nothing', async (_title, c) => {
    // Prepare
    const args = c.args();
    if (!args.includes('--kubeconfig')) args.push('--kubeconfig', t.kubeconfigPath);
    const before = await settledVersion();

    // Act
    const result = c.process ? await runProcess(args) : await runInProcess(args);

    // Assess
    expect(result.code, shown(result)).toBe(2);
    for (const fragment of typeof c.expect === 'function' ? c.expect() : c.expect) expect(result.stderr, shown(result)).toContain(fragment);
    if (c.error) expect(JSON.parse(result.stdout), shown(result)).toEqual({ state: 'error', error: { type: c.error, message: expect.any(String) } });
    for (const secret of c.secrets ?? []) expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    expect(await settledVersion()).toBe(before);
  });
});
