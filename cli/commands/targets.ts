/**
 * `conveyor target list|show|create|update|delete|check|import`: /targets. A target is a
 * permission boundary: a cluster, a namespace (or admin), an account, TLS (a CA or an explicit
 * skip), the environments and tags steps pick it by. `check` asks the API to connect with the
 * target's account; `import` makes the account and the target from a kubeconfig context.
 */
import type { z } from 'zod';
import type { target, targetHealth, targetList } from '#functions/api/schemas/targets.ts';
import { type ApiClient, pathOf } from '../api/client.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit.ts';
import { fields, table } from '../output.ts';
import type { ApiContext } from '../tree/shared.ts';
import type { Account } from './accounts.ts';
import { MAX_SECRET_BYTES, readInput } from './inputs.ts';
import { type ImportedAccount, idFromContext, importContext, nameFromContext } from './kubeconfig-import.ts';

type Target = z.infer<typeof target>;
type Health = z.infer<typeof targetHealth>;

const ITEM = '/targets/{targetId}';
const item = (id: string) => pathOf(ITEM, { targetId: id });
const accountItem = (id: string) => pathOf('/accounts/{accountId}', { accountId: id });

const ADMIN_AND_NAMESPACE = '--admin and --namespace contradict: --namespace confines the target to one namespace, --admin allows any';

const scopeOf = (t: Pick<Target, 'namespace' | 'admin'>) => (t.admin ? `admin${t.namespace ? ` (default ${t.namespace})` : ''}` : (t.namespace ?? ''));
const tlsOf = (t: Pick<Target, 'caPem' | 'skipTlsVerify'>) => (t.skipTlsVerify ? 'not verified (skipTlsVerify)' : t.caPem ? 'verified with its CA' : "verified with the system's CAs");

/** The scope and TLS fields from flags; `--namespace` and `--admin` contradict as for `conveyor apply`. */
function boundary(options: Record<string, any>): Record<string, unknown> {
  if (options.admin && options.namespace !== undefined) throw new UsageError(ADMIN_AND_NAMESPACE);
  if (options.caFile !== undefined && options.skipTlsVerify) throw new UsageError('--ca-file and --skip-tls-verify contradict: give the CA to verify with, or turn verification off');
  return {
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.admin ? { admin: true } : {}),
    ...(options.caFile !== undefined ? { caPem: readInput(options.caFile, MAX_SECRET_BYTES, 'a CA bundle') } : {}),
    ...(options.skipTlsVerify ? { skipTlsVerify: true } : {}),
  };
}

export async function list({ api, out }: ApiContext): Promise<void> {
  const answer = await api.get<z.infer<typeof targetList>>('/targets');
  out.result(answer, () =>
    table(
      ['ID', 'URL', 'NAMESPACE', 'ACCOUNT', 'ENVIRONMENTS', 'TAGS'],
      answer.items.map((t) => [t.id, t.url, scopeOf(t), t.accountId, t.environments.join(','), t.tags.join(',')]),
      '(no targets)',
    ),
  );
}

export async function show({ api, out, args: [id] }: ApiContext): Promise<void> {
  const found = await api.get<Target>(item(id));
  out.result(found, () =>
    fields([
      ['id', found.id],
      ['url', found.url ?? '(from the EKS cluster)'],
      ['namespace', scopeOf(found)],
      ['account', found.accountId],
      ['tls', tlsOf(found)],
      ['environments', found.environments.join(', ')],
      ['tags', found.tags.join(', ')],
      ['version', found.version],
    ]),
  );
}

export async function create({ api, out, args: [id], options }: ApiContext): Promise<void> {
  const body = { id, ...(options.url ? { url: options.url } : {}), accountId: options.account, ...boundary(options), environments: options.environment, tags: options.tag };
  const created = await api.post<Target>('/targets', body);
  out.result(created, () => `target ${created.id} created: ${created.url ?? 'EKS'} ${scopeOf(created)}, account ${created.accountId}`);
}

export async function update({ api, out, args: [id], options }: ApiContext): Promise<void> {
  const current = await api.get<Target>(item(id));
  const changedBoundary = boundary(options);
  const keep = <K extends keyof Target>(key: K) => (current[key] !== undefined ? { [key]: current[key] } : {});
  const scope = options.admin || options.namespace !== undefined ? {} : { ...keep('namespace'), ...keep('admin') };
  const tls = options.caFile !== undefined || options.skipTlsVerify ? {} : { ...keep('caPem'), ...keep('skipTlsVerify') };
  const updated = await api.put<Target>(item(id), {
    ...(options.url ? { url: options.url } : keep('url')),
    accountId: options.account ?? current.accountId,
    ...scope,
    ...tls,
    ...changedBoundary,
    environments: options.environment ?? current.environments,
    tags: options.tag ?? current.tags,
    version: current.version,
  });
  out.result(updated, () => `target ${updated.id} updated (version ${updated.version})`);
}

export async function remove({ api, out, args: [id] }: ApiContext): Promise<void> {
  const current = await api.get<Target>(item(id));
  await api.delete(item(id), { version: current.version });
  out.result({ deleted: id }, () => `target ${id} deleted`);
}

/** Exit 0 when the cluster answered and accepted the account, 3 when not (a cluster or credentials problem). */
export async function check({ api, out, args: [id] }: ApiContext): Promise<number> {
  const health = await api.post<Health>(`${item(id)}/health`);
  const healthy = health.reachable && health.authenticated;
  out.result(health, () => {
    const state = !health.reachable ? 'not reachable' : !health.authenticated ? 'reachable, but the account was refused' : `reachable, authenticated as ${health.authenticatedAs ?? '(unknown)'}`;
    const lines = [`target ${id}: ${state}${health.serverVersion ? `; Kubernetes ${health.serverVersion}` : ''}`];
    if (health.reason) lines.push(`  ${health.reason}`);
    const denied = health.permissions.filter((p) => !p.allowed).map((p) => `${p.verb} ${p.resource}`);
    const allowed = health.permissions.filter((p) => p.allowed).map((p) => `${p.verb} ${p.resource}`);
    const where = health.namespace ? `in namespace ${health.namespace}` : 'cluster-wide';
    if (allowed.length) lines.push(`  may ${where}: ${allowed.join(', ')}`);
    if (denied.length) lines.push(`  may not ${where}: ${denied.join(', ')}`);
    return lines.join('\n');
  });
  return healthy ? EXIT.done : EXIT.unavailable;
}

const describeAccount = (account: ImportedAccount) => (account.kind === 'eks' ? `EKS ${account.clusterName} in ${account.region}${account.roleArn ? ', assuming a role' : ''}` : account.kind);

/**
 * The account and the target of a kubeconfig context. The account is created first (the target
 * names it); when the target is then refused, the new account is deleted again, so a failed
 * import leaves nothing behind.
 */
export async function importTarget({ api, out, options }: ApiContext): Promise<void> {
  if (options.admin && options.namespace !== undefined) throw new UsageError(ADMIN_AND_NAMESPACE);
  const imported = importContext(options.kubeconfig, options.context);
  const id = options.id ?? idFromContext(imported.context);
  const accountId = options.accountId ?? id;
  const { kind, ...material } = imported.account;
  const account = await api.post<Account>('/accounts', { id: accountId, name: options.name ?? nameFromContext(imported.context, accountId), kind, ...material });
  const scope = options.admin ? { admin: true, ...(imported.namespace ? { namespace: imported.namespace } : {}) } : { namespace: options.namespace ?? imported.namespace ?? 'default' };
  let created: Target;
  try {
    created = await api.post<Target>('/targets', {
      id,
      url: imported.url,
      accountId,
      ...scope,
      ...(imported.caPem ? { caPem: imported.caPem } : {}),
      ...(imported.skipTlsVerify ? { skipTlsVerify: true } : {}),
      environments: options.environment,
      tags: options.tag,
    });
  } catch (error) {
    await deleteQuietly(api, accountId, account.version);
    throw error;
  }
  out.result({ account, target: created }, () =>
    [
      `account ${account.id} (${describeAccount(imported.account)}) created from user of context "${imported.context}"`,
      `target ${created.id} created: ${created.url} ${scopeOf(created)}, TLS ${tlsOf(created)}, environments ${created.environments.join(', ')}, tags ${created.tags.join(', ')}`,
    ].join('\n'),
  );
}

async function deleteQuietly(api: ApiClient, accountId: string, version: number): Promise<void> {
  try {
    await api.delete(accountItem(accountId), { version });
  } catch {
    // The target's refusal is what the user needs to see; a leftover account shows in `account list`.
  }
}
