/**
 * Accounts: how Conveyor authenticates to clusters. Secret material (token, password, client
 * key, EKS role to assume) is write-only: it goes into one JSON secret per account under the
 * pipeline's prefix, the table keeps the secret's ARN, and no answer of the API carries either
 * (AccountView). A new value puts a new version of the same secret; deleting the account
 * schedules its secret for deletion (Secrets Manager's recovery window). An account a target
 * uses is not deleted.
 */

import { ValidationError, VersionConflictError } from '#domain/pipeline/errors.ts';
import type { Account } from '#domain/pipeline/model.ts';
import type { New } from '#domain/pipeline/ports.ts';
import { type AccountSecret, certificatePairProblems, readAccountSecret, SECRET_FIELD } from './account-material.ts';
import { discard, scheduleDeletion } from './config-secrets.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { inUse, subjectOf } from './references.ts';

/**
 * What a caller sends. Secret fields are optional on a replace: absent means "keep the stored
 * one" (of the same kind). For EKS, `roleArn: null` removes the role.
 */
export type AccountInput =
  | { kind: 'token'; name: string; token?: string }
  | { kind: 'basic'; name: string; username: string; password?: string }
  | { kind: 'certificate'; name: string; certificatePem: string; privateKeyPem?: string }
  | { kind: 'eks'; name: string; clusterName: string; region: string; roleArn?: string | null };
export type NewAccountInput = AccountInput & { id: string };
export type AccountUpdate = AccountInput & { version: number };

/** What the API shows of an account: public fields only; for EKS, whether it assumes a role. */
export type AccountView =
  | { id: string; name: string; version: number; kind: 'token' }
  | { id: string; name: string; version: number; kind: 'basic'; username: string }
  | { id: string; name: string; version: number; kind: 'certificate'; certificatePem: string }
  | { id: string; name: string; version: number; kind: 'eks'; clusterName: string; region: string; assumesRole: boolean };

const LIST_SUBJECT = 'accounts';
/** Tag keys on account secrets, so that a person in the console sees whose secret it is. */
const TAG_ACCOUNT = 'conveyor:account';
const TAG_PURPOSE = 'conveyor:purpose';
const PURPOSE = 'account-credentials';

export function accountView(account: Account): AccountView {
  const base = { id: account.id, name: account.name, version: account.version };
  switch (account.kind) {
    case 'token':
      return { ...base, kind: 'token' };
    case 'basic':
      return { ...base, kind: 'basic', username: account.username };
    case 'certificate':
      return { ...base, kind: 'certificate', certificatePem: account.certificatePem };
    case 'eks':
      return { ...base, kind: 'eks', clusterName: account.clusterName, region: account.region, assumesRole: account.secretArn !== undefined };
  }
}

/** The account as stored, without version and secret ARN. */
function publicFields(id: string, input: AccountInput): New<Account> {
  switch (input.kind) {
    case 'token':
      return { id, name: input.name, kind: 'token' };
    case 'basic':
      return { id, name: input.name, kind: 'basic', username: input.username };
    case 'certificate':
      return { id, name: input.name, kind: 'certificate', certificatePem: input.certificatePem };
    case 'eks':
      return { id, name: input.name, kind: 'eks', clusterName: input.clusterName, region: input.region };
  }
}

/** The secret value the input brings (undefined: none given; null: EKS role removed). */
function givenSecret(input: AccountInput): string | null | undefined {
  switch (input.kind) {
    case 'token':
      return input.token;
    case 'basic':
      return input.password;
    case 'certificate':
      return input.privateKeyPem;
    case 'eks':
      return input.roleArn;
  }
}

const materialOf = (kind: Account['kind'], value: string): string => JSON.stringify({ [SECRET_FIELD[kind]]: value } satisfies AccountSecret);

function assertPair(id: string, certificatePem: string, privateKeyPem: string | undefined): void {
  const problems = certificatePairProblems(certificatePem, privateKeyPem);
  if (problems.length > 0) throw new ValidationError(`account ${id}`, problems);
}

export async function listAccounts(deps: AppDeps, caller: Caller): Promise<AccountView[]> {
  await authorize(deps, caller, 'read', LIST_SUBJECT);
  return (await deps.stores.accounts.list()).map(accountView);
}

/** @throws NotFoundError */
export async function getAccount(deps: AppDeps, caller: Caller, id: string): Promise<AccountView> {
  await authorize(deps, caller, 'read', subjectOf('account', id));
  return accountView(await deps.stores.accounts.get(id));
}

/** @throws ValidationError (missing secret, certificate and key not a pair), DuplicateError */
export async function createAccount(deps: AppDeps, caller: Caller, input: NewAccountInput): Promise<AccountView> {
  const subject = subjectOf('account', input.id);
  await authorize(deps, caller, 'configure', subject);
  const secret = givenSecret(input);
  if (input.kind !== 'eks' && !secret) throw new ValidationError(`account ${input.id}`, [`a ${input.kind} account needs ${SECRET_FIELD[input.kind]}`]);
  if (input.kind === 'certificate') assertPair(input.id, input.certificatePem, input.privateKeyPem);
  const secretArn = secret ? await deps.secrets.create(`accounts/${input.id}/${deps.newId()}`, materialOf(input.kind, secret), { [TAG_ACCOUNT]: input.id, [TAG_PURPOSE]: PURPOSE }) : undefined;
  let created: Account;
  try {
    created = await deps.stores.accounts.create({ ...publicFields(input.id, input), ...(secretArn ? { secretArn } : {}) } as New<Account>);
  } catch (error) {
    // Nothing refers to the secret just made: remove it at once rather than after a recovery window.
    if (secretArn) await discard(deps.secrets, [secretArn]);
    throw error;
  }
  await audit(deps, caller, 'account.create', subject, { name: created.name, kind: created.kind, ...(secretArn ? { secretArn } : {}) });
  return accountView(created);
}

/**
 * Replaces the account read at `input.version`. A secret value given puts a new version of the
 * account's secret (or creates it); none given keeps the stored one, which must then suit the
 * kind. A new certificate without a new key is checked against the stored key.
 * @throws NotFoundError, VersionConflictError, ValidationError
 */
export async function updateAccount(deps: AppDeps, caller: Caller, id: string, input: AccountUpdate): Promise<AccountView> {
  const subject = subjectOf('account', id);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.accounts.get(id);
  // Checked before any secret is touched: a stale write must not change the credentials either.
  if (current.version !== input.version) throw new VersionConflictError(`account ${id}`, input.version, current.version);
  const secret = givenSecret(input);
  const kindChanged = current.kind !== input.kind;
  if (kindChanged && input.kind !== 'eks' && !secret) {
    throw new ValidationError(`account ${id}`, [`changing the kind from ${current.kind} to ${input.kind} needs the new ${SECRET_FIELD[input.kind]}`]);
  }
  if (input.kind === 'certificate') {
    const key = input.privateKeyPem ?? (kindChanged ? undefined : (await readAccountSecret(current, deps.secrets)).privateKeyPem);
    assertPair(id, input.certificatePem, key);
  }
  // For EKS, a kind change without a role drops the old kind's secret, as `roleArn: null` does.
  const dropSecret = input.kind === 'eks' && (secret === null || (kindChanged && secret === undefined));
  let secretArn = dropSecret ? undefined : current.secretArn;
  let createdArn: string | undefined;
  if (secret) {
    const material = materialOf(input.kind, secret);
    if (current.secretArn) await deps.secrets.put(current.secretArn, material);
    else secretArn = createdArn = await deps.secrets.create(`accounts/${id}/${deps.newId()}`, material, { [TAG_ACCOUNT]: id, [TAG_PURPOSE]: PURPOSE });
  }
  let updated: Account;
  try {
    updated = await deps.stores.accounts.update({ ...publicFields(id, input), ...(secretArn ? { secretArn } : {}), version: input.version } as Account);
  } catch (error) {
    if (createdArn) await discard(deps.secrets, [createdArn]);
    throw error;
  }
  const retired = dropSecret && current.secretArn ? await scheduleDeletion(deps.secrets, current.secretArn) : undefined;
  await audit(deps, caller, 'account.update', subject, {
    name: updated.name,
    kind: updated.kind,
    version: updated.version,
    credentialsChanged: Boolean(secret) || dropSecret,
    ...(retired ? { cleanup: retired } : {}),
  });
  return accountView(updated);
}

/** @throws NotFoundError, VersionConflictError, InvalidStateError (targets use it) */
export async function deleteAccount(deps: AppDeps, caller: Caller, id: string, version: number): Promise<void> {
  const subject = subjectOf('account', id);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.accounts.get(id);
  if (current.version !== version) throw new VersionConflictError(`account ${id}`, version, current.version);
  const targets = (await deps.stores.targets.list()).filter((target) => target.accountId === id).map((target) => target.id);
  const refusal = inUse(`account ${id}`, { targets });
  if (refusal) throw refusal;
  await deps.stores.accounts.delete(id, version);
  const deletion = current.secretArn ? await scheduleDeletion(deps.secrets, current.secretArn) : undefined;
  await audit(deps, caller, 'account.delete', subject, { name: current.name, kind: current.kind, version, ...(deletion ? { cleanup: deletion } : {}) });
}
