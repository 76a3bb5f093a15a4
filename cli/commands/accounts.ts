/**
 * `conveyor account list|show|create|update|delete`: /accounts, the credentials targets use.
 * Secret material — a token, a password, a client key — is read from `--secret-file PATH` or
 * `--secret-stdin`, never from a flag's value (argv is readable by every process on the
 * machine), goes to the API once, and is never printed: the API does not answer it back either.
 */
import type { z } from 'zod';
import type { account, accountList } from '#functions/api/schemas/accounts.ts';
import { pathOf } from '../api/client.ts';
import { UsageError } from '../errors.ts';
import { fields, table } from '../output.ts';
import type { ApiContext } from '../tree/shared.ts';
import { MAX_SECRET_BYTES, readInput, readSecret, type SecretFlags } from './inputs.ts';

export type Account = z.infer<typeof account>;
export type AccountKind = Account['kind'];

const ITEM = '/accounts/{accountId}';
const item = (id: string) => pathOf(ITEM, { accountId: id });

/** What the secret is, per kind, for messages; EKS accounts have none (the role ARN is a flag). */
const SECRET_OF: Record<AccountKind, string | undefined> = { token: 'token', basic: 'password', certificate: 'client key', eks: undefined };

type AccountFlags = SecretFlags & { name?: string; username?: string; certificate?: string; cluster?: string; clusterRegion?: string; roleArn?: string };

/**
 * The kind's fields from the flags (the secret when given); a new account needs its secret, a
 * replaced one keeps what `current` has for fields the flags leave out.
 */
function kindFields(kind: AccountKind, flags: AccountFlags, current?: Account): Record<string, unknown> {
  const creating = current === undefined;
  const secretName = SECRET_OF[kind];
  if (!secretName && (flags.secretFile !== undefined || flags.secretStdin)) throw new UsageError('an eks account has no secret: Conveyor signs with its own AWS role (and --role-arn, when given)');
  const secret = secretName ? readSecret(flags, secretName, kind === 'certificate' ? 'none' : 'line') : undefined;
  if (creating && secretName && secret === undefined) throw new UsageError(`a ${kind} account needs its ${secretName}: --secret-file PATH or --secret-stdin (never on the command line)`);
  const need = (value: string | undefined, flag: string) => {
    if (value === undefined) throw new UsageError(`a ${kind} account needs ${flag}`);
    return value;
  };
  switch (kind) {
    case 'token':
      return secret !== undefined ? { token: secret } : {};
    case 'basic':
      return { username: need(flags.username ?? (current?.kind === 'basic' ? current.username : undefined), '--username NAME'), ...(secret !== undefined ? { password: secret } : {}) };
    case 'certificate': {
      const certificatePem =
        flags.certificate !== undefined
          ? readInput(flags.certificate, MAX_SECRET_BYTES, 'a certificate')
          : current?.kind === 'certificate'
            ? current.certificatePem
            : need(undefined, '--certificate FILE (the client certificate, PEM)');
      return { certificatePem, ...(secret !== undefined ? { privateKeyPem: secret } : {}) };
    }
    case 'eks': {
      const stored = current?.kind === 'eks' ? current : undefined;
      return {
        clusterName: need(flags.cluster ?? stored?.clusterName, '--cluster NAME'),
        region: need(flags.clusterRegion ?? stored?.region, '--cluster-region REGION'),
        ...(flags.roleArn ? { roleArn: flags.roleArn } : {}),
      };
    }
  }
}

function detail(account: Account): string {
  switch (account.kind) {
    case 'token':
      return 'bearer token';
    case 'basic':
      return `user ${account.username}`;
    case 'certificate':
      return 'client certificate';
    case 'eks':
      return `EKS ${account.clusterName} in ${account.region}${account.assumesRole ? ', assumes a role' : ''}`;
  }
}

export async function list({ api, out }: ApiContext): Promise<void> {
  const answer = await api.get<z.infer<typeof accountList>>('/accounts');
  out.result(answer, () =>
    table(
      ['ID', 'NAME', 'KIND', 'DETAIL'],
      answer.items.map((a) => [a.id, a.name, a.kind, detail(a)]),
      '(no accounts)',
    ),
  );
}

export async function show({ api, out, args: [id] }: ApiContext): Promise<void> {
  const found = await api.get<Account>(item(id));
  out.result(found, () =>
    fields([
      ['id', found.id],
      ['name', found.name],
      ['kind', found.kind],
      ['detail', detail(found)],
      ['version', found.version],
    ]),
  );
}

export async function create({ api, out, args: [id], options }: ApiContext): Promise<void> {
  const kind = options.kind as AccountKind;
  const created = await api.post<Account>('/accounts', { id, name: options.name ?? id, kind, ...kindFields(kind, options) });
  out.result(created, () => `account ${created.id} (${detail(created)}) created${SECRET_OF[kind] ? `; its ${SECRET_OF[kind]} is kept in the secret store` : ''}`);
}

/** Renames, or rotates the secret (absent: the stored one is kept), or changes the kind's fields. */
export async function update({ api, out, args: [id], options }: ApiContext): Promise<void> {
  const current = await api.get<Account>(item(id));
  const updated = await api.put<Account>(item(id), { name: options.name ?? current.name, kind: current.kind, ...kindFields(current.kind, options, current), version: current.version });
  out.result(updated, () => `account ${updated.id} updated (version ${updated.version})`);
}

export async function remove({ api, out, args: [id] }: ApiContext): Promise<void> {
  const current = await api.get<Account>(item(id));
  await api.delete(item(id), { version: current.version });
  out.result({ deleted: id }, () => `account ${id} deleted`);
}
