/**
 * `conveyor apply` refuses bad input with exit code 2, a message that names the problem (and
 * the file, document and line when the input has them), and no change in the cluster: the
 * sandbox store's resourceVersion is the same before and after. Every file of the rendering
 * corpus (test/unit/domain/render/corpus/) is one case; the rest are the command's own:
 * flags, files, variables files, kubeconfig contexts, and what only the server's pre-flight
 * dry run can find (unknown fields, wrong types, field-manager conflicts) (command.ts); the
 * namespace guard, kubeconfigs, certificates and server URLs (target.ts); input that is too
 * large, endless or not text (input.ts).
 *
 * A few cases run the real process (`npm run conveyor -- apply`); the others call `run(argv)`
 * in-process with stdout and console captured, which is the same code without the start-up.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '#cli/commands/apply.ts';
import { type ConveyorRun, runConveyor } from '../../support/conveyor.ts';
import { rawRequest } from '../../support/https.ts';
import { startTestSandbox, writeUserKubeconfig } from '../../support/sandbox.ts';
import { CORPUS_DIR, loadCorpus } from '../../unit/domain/render/corpus/cases.ts';
import * as command from './bad-inputs/command.ts';
import { type BadInput, env, NS } from './bad-inputs/context.ts';
import * as input from './bad-inputs/input.ts';
import * as target from './bad-inputs/target.ts';

/** Every module of cases beside the corpus; each may have a setup. */
const MODULES: { cases: BadInput[]; setup?: () => Promise<void> }[] = [command, target, input];
const CORPUS = CORPUS_DIR;
const MINIMUM_CASES = 100;

type Run = Pick<ConveyorRun, 'code' | 'stdout' | 'stderr'>;

/** Kubeconfigs with a context named "corpus", by namespace: the corpus's target name. */
const corpusKubeconfigs = new Map<string, string>();

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
      '-f',
      path,
      '--kubeconfig',
      corpusKubeconfigs.get(target.namespace)!,
      // An admin target is asked for with --admin; its default namespace is the context's.
      ...(target.admin ? ['--admin'] : ['--namespace', target.namespace]),
      // The corpus's fixed deployment context (see renderContext in its fixtures).
      '--environment',
      'Production',
      '--deployment-id',
      'deployments-42',
      ...Object.entries(c.vars ?? {}).flatMap(([name, value]) => [sensitive.has(name) ? '--sensitive-var' : '--var', `${name}=${value}`]),
      ...Object.entries(c.images ?? {}).flatMap(([repository, ref]) => ['--image', `${repository}=${ref}`]),
      '--output',
      'json',
    ],
    // Messages name the file as given on the command line.
    expect: [c.expect.replaceAll(file, path)],
    error: c.error,
    secrets: [...sensitive].map((name) => c.vars![name]!),
    process: CORPUS_IN_PROCESS_EXCEPTIONS.has(file),
  };
});

const cases = [...corpusCases, ...MODULES.flatMap((m) => m.cases)];

// ---------------------------------------------------------------------------------------

const runProcess = (args: string[], c: BadInput): Promise<Run> => runConveyor(['apply', ...args], { stdin: c.stdin, stdinFile: c.stdinFile });

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
  await env.t.sandbox.settle();
  return env.t.sandbox.cluster.store.resourceVersion;
}

beforeAll(async () => {
  const t = (env.t = await startTestSandbox());
  env.dir = t.dir;
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
  for (const m of MODULES) await m.setup?.();
});

afterAll(async () => {
  await env.t?.close();
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
    if (!args.includes('--kubeconfig')) args.push('--kubeconfig', env.t.kubeconfigPath);
    const before = await settledVersion();

    // Act
    const result = c.process ? await runProcess(args, c) : await runInProcess(args);

    // Assess
    expect(result.code, shown(result)).toBe(2);
    for (const fragment of typeof c.expect === 'function' ? c.expect() : c.expect) expect(result.stderr, shown(result)).toContain(fragment);
    if (c.error) expect(JSON.parse(result.stdout), shown(result)).toEqual({ state: 'error', error: { type: c.error, message: expect.any(String) } });
    for (const secret of c.secrets ?? []) expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    expect(await settledVersion()).toBe(before);
  });
});
