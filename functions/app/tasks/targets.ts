/**
 * From what the table stores about a target (the Target item, its Account, and the account's
 * secret in Secrets Manager) to the engine's Target (functions/domain/model.ts), which the
 * cluster connector turns into a client. The secret is read through the per-container cache and
 * lives in memory only; messages name the account and the field, never the secret's content.
 */
import type { Account as EngineAccount, Target as EngineTarget } from '#domain/model.ts';
import { InvalidStateError, ValidationError } from '#domain/pipeline/errors.ts';
import type { Account, Target } from '#domain/pipeline/model.ts';
import type { TaskDeps } from './ports.ts';

/** The secret material of an account, as the account's secret holds it (JSON). */
type AccountSecret = { token?: unknown; password?: unknown; privateKeyPem?: unknown; roleArn?: unknown };

/** A target of the deployment's environment, with the engine's view of it. */
export type ResolvedTarget = { stored: Target; engine: EngineTarget };

/** Reads the target and its account, checks the target serves `environmentId`, and resolves the account's secret. */
export async function resolveTarget(deps: Pick<TaskDeps, 'stores' | 'secretValues'>, targetId: string, environmentId: string): Promise<ResolvedTarget> {
  const stored = await deps.stores.targets.get(targetId);
  if (!stored.environments.includes(environmentId)) {
    throw new InvalidStateError(`target ${targetId}`, `does not serve environment ${environmentId} (it serves ${stored.environments.join(', ') || 'none'}); plan the deployment again`);
  }
  const account = await deps.stores.accounts.get(stored.accountId);
  const secret = account.secretArn ? parseSecret(account, await deps.secretValues.get(account.secretArn)) : {};
  return {
    stored,
    engine: {
      name: stored.id,
      ...(stored.url ? { url: stored.url } : {}),
      ...(stored.namespace ? { namespace: stored.namespace } : {}),
      ...(stored.admin ? { admin: true } : {}),
      tags: [...stored.tags],
      ...(stored.caPem ? { caPem: stored.caPem } : {}),
      ...(stored.skipTlsVerify ? { skipTlsVerify: true } : {}),
      account: engineAccount(account, secret),
    },
  };
}

function parseSecret(account: Account, text: string): AccountSecret {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as AccountSecret;
  } catch {
    // JSON.parse quotes the text it failed on: never pass its message on.
  }
  throw new ValidationError(`account ${account.id}`, ['its secret must hold a JSON object (token, password, privateKeyPem or roleArn)']);
}

function field(account: Account, secret: AccountSecret, name: keyof AccountSecret): string {
  const value = secret[name];
  if (typeof value !== 'string' || value === '') throw new ValidationError(`account ${account.id}`, [`its secret has no "${name}" (a ${account.kind} account needs one)`]);
  return value;
}

function engineAccount(account: Account, secret: AccountSecret): EngineAccount {
  switch (account.kind) {
    case 'token':
      return { kind: 'token', token: field(account, secret, 'token') };
    case 'basic':
      return { kind: 'basic', username: account.username, password: field(account, secret, 'password') };
    case 'certificate':
      return { kind: 'certificate', certPem: account.certificatePem, keyPem: field(account, secret, 'privateKeyPem') };
    case 'eks':
      return { kind: 'eks', clusterName: account.clusterName, region: account.region, ...(typeof secret.roleArn === 'string' && secret.roleArn ? { roleArn: secret.roleArn } : {}) };
  }
}

/** Every secret value of an engine account, to mask in text that may quote it (script output). */
export function accountSecrets(target: EngineTarget): string[] {
  const { account } = target;
  switch (account.kind) {
    case 'token':
      return [account.token];
    case 'basic':
      return [account.password];
    case 'certificate':
      return [account.keyPem];
    case 'eks':
      return [account.credentials?.secretAccessKey, account.credentials?.sessionToken].filter((s): s is string => !!s);
  }
}
