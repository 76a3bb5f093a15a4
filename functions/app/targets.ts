/**
 * Targets: a cluster URL, a namespace (or an explicit admin target), the account to use there,
 * how the server's certificate is trusted (a CA bundle, the system roots, or an explicit
 * skipTlsVerify), and the environments and tags that pick the target for a step. The rules a
 * target must follow before it is stored:
 * - a namespace is a valid DNS label; only `admin: true` goes without one (never "" for admin);
 * - the URL is https, or http to this machine only (a local cluster), with no credentials in it;
 *   only EKS accounts may leave it out (the cluster's endpoint comes from DescribeCluster);
 * - a CA bundle holds certificates, and does not come with skipTlsVerify (one contradicts the other);
 * - the account and the environments exist.
 * The health check lives in target-health.ts.
 */
import { X509Certificate } from 'node:crypto';
import type { Target } from '#domain/pipeline/model.ts';
import { Problems } from '#domain/pipeline/validate.ts';
import { namespaceProblem } from '#domain/render/namespace.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { References, subjectOf } from './references.ts';

export type TargetInput = Omit<Target, 'id' | 'version'>;
export type NewTargetInput = TargetInput & { id: string };
export type TargetUpdate = TargetInput & { version: number };

const LIST_SUBJECT = 'targets';
/** Host names an http (not https) URL may name: a cluster on this machine, never one across a network. */
export const LOCAL_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Problems with the API server URL, never quoting a part that could hold a credential. */
function urlProblems(p: Problems, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    p.check(false, 'url is not a URL (expected https://HOST[:PORT])');
    return;
  }
  p.check(parsed.username === '' && parsed.password === '', "url must not carry credentials: put them in the target's account");
  p.check(parsed.search === '' && parsed.hash === '', 'url must not have a query or a fragment');
  if (parsed.protocol === 'http:') p.check(LOCAL_HOSTS.has(parsed.hostname), `url must use https; http is allowed only for ${[...LOCAL_HOSTS].join(', ')}`);
  else p.check(parsed.protocol === 'https:', 'url must use https');
}

function caProblems(p: Problems, caPem: string): void {
  const blocks = caPem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) {
    p.check(false, 'caPem is not PEM: it holds no "-----BEGIN CERTIFICATE-----" block');
    return;
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      p.check(false, `caPem holds a block that is not a valid certificate (certificate ${i + 1} of ${blocks.length})`);
    }
  });
}

const duplicates = (values: readonly string[]) => [...new Set(values.filter((value, i) => values.indexOf(value) !== i))];

/** Checks a target's own fields, then its references. */
async function checkTarget(deps: AppDeps, id: string, input: TargetInput): Promise<void> {
  const p = new Problems();
  if (input.namespace !== undefined) {
    const problem = namespaceProblem(input.namespace);
    if (problem) p.check(false, `namespace: ${problem}`);
  } else p.check(input.admin === true, 'namespace is required: only an admin target (admin: true) goes without one');
  if (input.url !== undefined) urlProblems(p, input.url);
  if (input.caPem !== undefined) caProblems(p, input.caPem);
  p.check(!(input.caPem !== undefined && input.skipTlsVerify === true), 'caPem and skipTlsVerify contradict each other: give one of them');
  for (const [field, values] of [
    ['environments', input.environments],
    ['tags', input.tags],
  ] as const) {
    const twice = duplicates(values);
    p.check(twice.length === 0, `${field} lists ${twice.join(', ')} more than once`);
  }
  p.throwIfAny(`target ${id}`);

  const [accounts, environments] = await Promise.all([deps.stores.accounts.list(), deps.stores.environments.list()]);
  new References(`target ${id}`)
    .check(
      'accountId',
      'account',
      [input.accountId],
      accounts.map((account) => account.id),
    )
    .check(
      'environments',
      'environment',
      input.environments,
      environments.map((environment) => environment.id),
    )
    .throwIfAny();
  const account = accounts.find((candidate) => candidate.id === input.accountId)!;
  if (input.url === undefined && account.kind !== 'eks') {
    new Problems().check(false, `url is required: only targets with an eks account may leave it out (account ${account.id} is ${account.kind})`).throwIfAny(`target ${id}`);
  }
}

/** The target as stored: optional fields only when set, `skipTlsVerify` and `admin` only when true. */
function fields(input: TargetInput): TargetInput {
  return {
    accountId: input.accountId,
    environments: input.environments,
    tags: input.tags,
    ...(input.url !== undefined ? { url: input.url } : {}),
    ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
    ...(input.admin ? { admin: true } : {}),
    ...(input.caPem !== undefined ? { caPem: input.caPem } : {}),
    ...(input.skipTlsVerify ? { skipTlsVerify: true } : {}),
  };
}

function details(target: Target): Record<string, string | number | boolean | string[]> {
  return {
    ...(target.url ? { url: target.url } : {}),
    namespace: target.namespace ?? '(admin)',
    account: target.accountId,
    environments: target.environments,
    tags: target.tags,
    skipTlsVerify: target.skipTlsVerify === true,
    version: target.version,
  };
}

export async function listTargets(deps: AppDeps, caller: Caller): Promise<Target[]> {
  await authorize(deps, caller, 'read', LIST_SUBJECT);
  return deps.stores.targets.list();
}

/** @throws NotFoundError */
export async function getTarget(deps: AppDeps, caller: Caller, id: string): Promise<Target> {
  await authorize(deps, caller, 'read', subjectOf('target', id));
  return deps.stores.targets.get(id);
}

/** @throws ValidationError, UnknownReferenceError (account, environments), DuplicateError */
export async function createTarget(deps: AppDeps, caller: Caller, input: NewTargetInput): Promise<Target> {
  const subject = subjectOf('target', input.id);
  await authorize(deps, caller, 'configure', subject);
  await checkTarget(deps, input.id, input);
  const created = await deps.stores.targets.create({ id: input.id, ...fields(input) });
  await audit(deps, caller, 'target.create', subject, details(created));
  return created;
}

/** @throws NotFoundError, VersionConflictError, ValidationError, UnknownReferenceError */
export async function updateTarget(deps: AppDeps, caller: Caller, id: string, input: TargetUpdate): Promise<Target> {
  const subject = subjectOf('target', id);
  await authorize(deps, caller, 'configure', subject);
  await deps.stores.targets.get(id);
  await checkTarget(deps, id, input);
  const updated = await deps.stores.targets.update({ id, ...fields(input), version: input.version });
  await audit(deps, caller, 'target.update', subject, details(updated));
  return updated;
}

/** @throws NotFoundError, VersionConflictError */
export async function deleteTarget(deps: AppDeps, caller: Caller, id: string, version: number): Promise<void> {
  const subject = subjectOf('target', id);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.targets.get(id);
  await deps.stores.targets.delete(id, version);
  await audit(deps, caller, 'target.delete', subject, { account: current.accountId, version });
}
