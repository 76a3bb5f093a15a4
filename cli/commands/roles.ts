/**
 * `conveyor roles list|show|grant|revoke|delete`: /roles, the bindings of IAM principals to
 * Conveyor's roles. `grant` and `revoke` change one role of a binding (creating the binding, or
 * deleting it once it holds no role); Deployer and Approver grants may be limited to
 * environments (`--environment`), the others cover everything.
 */
import type { z } from 'zod';
import type { roleBinding, roleBindingList } from '#functions/api/schemas/roles.ts';
import { pathOf } from '../api/client.ts';
import { table } from '../output.ts';
import type { ApiContext } from '../tree/shared.ts';

type RoleBinding = z.infer<typeof roleBinding>;
type Grant = RoleBinding['roles'][number];

/** Principal ARNs hold "/" and ":": a greedy path parameter, each segment encoded. */
const item = (arn: string) => pathOf('/roles/{principalArn+}', { principalArn: arn });

const describeGrant = (grant: Grant) => `${grant.role}${grant.environments ? ` (${grant.environments.join(', ')})` : ''}`;

/** `grant` added to `roles`: a role held already covers the union of environments (or all, when either covers all). */
function withGrant(roles: readonly Grant[], grant: Grant): Grant[] {
  const held = roles.find((r) => r.role === grant.role);
  if (!held) return [...roles, grant];
  const environments = held.environments && grant.environments ? [...new Set([...held.environments, ...grant.environments])] : undefined;
  return roles.map((r) => (r === held ? { role: r.role, ...(environments ? { environments } : {}) } : r));
}

/** `role` (in `environments` only, when given) taken out of `roles`. */
function withoutGrant(roles: readonly Grant[], role: string, environments: readonly string[]): Grant[] {
  return roles.flatMap((r) => {
    if (r.role !== role) return [r];
    if (!environments.length || !r.environments) return [];
    const left = r.environments.filter((e) => !environments.includes(e));
    return left.length ? [{ role: r.role, environments: left }] : [];
  });
}

export async function list({ api, out }: ApiContext): Promise<void> {
  const answer = await api.get<z.infer<typeof roleBindingList>>('/roles');
  out.result(answer, () =>
    table(
      ['PRINCIPAL', 'ROLES'],
      answer.items.map((b) => [b.principalArn, b.roles.map(describeGrant).join(', ')]),
      '(no role bindings)',
    ),
  );
}

export async function show({ api, out, args: [arn] }: ApiContext): Promise<void> {
  const found = await api.get<RoleBinding>(item(arn));
  out.result(found, () => `${found.principalArn}: ${found.roles.map(describeGrant).join(', ')} (version ${found.version})`);
}

export async function grant({ api, out, args: [arn], options }: ApiContext): Promise<void> {
  const environments: string[] = options.environment ?? [];
  const added: Grant = { role: options.role, ...(environments.length ? { environments } : {}) };
  const current = await api.find<RoleBinding>(item(arn));
  const saved = current
    ? await api.put<RoleBinding>(item(arn), { roles: withGrant(current.roles, added), version: current.version })
    : await api.post<RoleBinding>('/roles', { principalArn: arn, roles: [added] });
  out.result(saved, () => `${saved.principalArn} now has ${saved.roles.map(describeGrant).join(', ')}`);
}

export async function revoke({ api, out, args: [arn], options }: ApiContext): Promise<void> {
  const environments: string[] = options.environment ?? [];
  const current = await api.get<RoleBinding>(item(arn));
  const roles = withoutGrant(current.roles, options.role, environments);
  if (JSON.stringify(roles) === JSON.stringify(current.roles)) {
    out.result(current, () => `${arn} has no ${options.role}${environments.length ? ` in ${environments.join(', ')}` : ''}: nothing to revoke`);
    return;
  }
  if (roles.length === 0) {
    await api.delete(item(arn), { version: current.version });
    out.result({ deleted: arn }, () => `${arn} has no role any more: binding deleted`);
    return;
  }
  const saved = await api.put<RoleBinding>(item(arn), { roles, version: current.version });
  out.result(saved, () => `${saved.principalArn} now has ${saved.roles.map(describeGrant).join(', ')}`);
}

export async function remove({ api, out, args: [arn] }: ApiContext): Promise<void> {
  const current = await api.get<RoleBinding>(item(arn));
  await api.delete(item(arn), { version: current.version });
  out.result({ deleted: arn }, () => `role binding of ${arn} deleted`);
}
