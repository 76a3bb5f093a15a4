/**
 * An account's secret material: what goes into its one JSON secret (`{token}`, `{password}`,
 * `{privateKeyPem}`, or `{roleArn}` for EKS), how a stored account and its secret become the
 * deploy engine's Account again (read at run time, kept in memory), and the check that a
 * client certificate and its key are a pair. Nothing here quotes a secret value: messages name
 * the field and what is wrong with it. A secret that is not what Conveyor wrote is a
 * CorruptDataError naming the account, never quoting the content.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { Account as EngineAccount, Target as EngineTarget } from '#domain/model.ts';
import { CorruptDataError } from '#domain/pipeline/errors.ts';
import type { Account, Target } from '#domain/pipeline/model.ts';
import type { SecretSource } from '#domain/secrets.ts';

/** The secret's JSON; which field is set depends on the account's kind. */
export type AccountSecret = { token?: string; password?: string; privateKeyPem?: string; roleArn?: string };

/** The field of the secret each kind needs (EKS needs none: its role is optional). */
export const SECRET_FIELD = { token: 'token', basic: 'password', certificate: 'privateKeyPem', eks: 'roleArn' } as const satisfies Record<Account['kind'], keyof AccountSecret>;

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/;
const PRIVATE_KEY_BEGIN = /-----BEGIN ([A-Z]+ )*PRIVATE KEY-----/;
/** What a person does about a secret that is not what Conveyor wrote. */
const SAVE_AGAIN = "save the account's credentials again";
/** PKCS#8 encrypted, or OpenSSL's legacy encrypted PEM (a Proc-Type header). */
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

/** Problems with a client certificate and key (empty when they are a valid pair). */
export function certificatePairProblems(certificatePem: string, privateKeyPem: string | undefined): string[] {
  const block = CERTIFICATE_BLOCK.exec(certificatePem)?.[0];
  if (!block) return ['certificatePem is not PEM: it holds no "-----BEGIN CERTIFICATE-----" block'];
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(block);
  } catch {
    return ['certificatePem holds a PEM block that is not a valid certificate'];
  }
  if (privateKeyPem === undefined) return [];
  if (!PRIVATE_KEY_BEGIN.test(privateKeyPem)) return ['privateKeyPem is not PEM: it holds no "-----BEGIN ... PRIVATE KEY-----" block'];
  if (ENCRYPTED_KEY.test(privateKeyPem)) return ['privateKeyPem is encrypted with a passphrase; Conveyor needs it unencrypted'];
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(privateKeyPem))) return ['privateKeyPem does not match certificatePem: they must be a pair'];
  } catch {
    return ['privateKeyPem is not a valid private key (PEM block present, content unreadable)'];
  }
  return [];
}

/** The secret of `account` as JSON, read from the store; CorruptDataError when it is not what Conveyor wrote. */
export async function readAccountSecret(account: Account, secrets: SecretSource): Promise<AccountSecret> {
  const subject = `account ${account.id}`;
  if (!account.secretArn) return {};
  const text = await secrets.get(account.secretArn);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CorruptDataError(subject, `its secret is not JSON; ${SAVE_AGAIN}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CorruptDataError(subject, `its secret is not a JSON object; ${SAVE_AGAIN}`);
  const material = parsed as Record<string, unknown>;
  const field = SECRET_FIELD[account.kind];
  const value = material[field];
  if (value !== undefined && typeof value !== 'string') throw new CorruptDataError(subject, `its secret's ${field} is not text; ${SAVE_AGAIN}`);
  return value === undefined ? {} : { [field]: value };
}

/** The deploy engine's Account for a stored account: its public fields and its secret, resolved now. */
export async function engineAccount(account: Account, secrets: SecretSource): Promise<EngineAccount> {
  const material = await readAccountSecret(account, secrets);
  const missing = (field: string) => new CorruptDataError(`account ${account.id}`, `its secret has no ${field}; ${SAVE_AGAIN}`);
  switch (account.kind) {
    case 'token':
      if (!material.token) throw missing('token');
      return { kind: 'token', token: material.token };
    case 'basic':
      if (!material.password) throw missing('password');
      return { kind: 'basic', username: account.username, password: material.password };
    case 'certificate':
      if (!material.privateKeyPem) throw missing('privateKeyPem');
      return { kind: 'certificate', certPem: account.certificatePem, keyPem: material.privateKeyPem };
    case 'eks':
      return { kind: 'eks', clusterName: account.clusterName, region: account.region, ...(material.roleArn ? { roleArn: material.roleArn } : {}) };
  }
}

/**
 * The deploy engine's Target for a stored target and its account (the secret resolved now,
 * kept in memory only): what the cluster connector and the health check connect with.
 */
export async function engineTarget(target: Target, account: Account, secrets: SecretSource): Promise<EngineTarget> {
  return {
    name: target.id,
    tags: [...target.tags],
    account: await engineAccount(account, secrets),
    ...(target.url ? { url: target.url } : {}),
    ...(target.namespace ? { namespace: target.namespace } : {}),
    ...(target.admin ? { admin: true } : {}),
    ...(target.caPem ? { caPem: target.caPem } : {}),
    ...(target.skipTlsVerify ? { skipTlsVerify: true } : {}),
  };
}
