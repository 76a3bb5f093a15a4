/**
 * The operations of the local Secrets Manager, with AWS's behaviour where Conveyor or a
 * person with the AWS CLI could notice it: versions identified by ClientRequestToken (a
 * retried request with the same token and value changes nothing), AWSCURRENT moving to the
 * new version and AWSPREVIOUS to the one before, a secret scheduled for deletion answering
 * InvalidRequestException to everything but Describe, List and a forced Delete, and its name
 * staying taken until the recovery window ends. Responses use epoch seconds for dates and
 * base64 for SecretBinary, as the JSON protocol does.
 */
import { randomBytes } from 'node:crypto';
import { invalidParameter, markedForDeletion, ServiceError, secretNotFound, versionNotFound } from './errors.ts';
import { type Input, LIMITS, optionalBoolean, optionalInteger, optionalString, secretId, secretName, secretValue, tags, versionStages, versionToken } from './input.ts';
import type { SecretRecord, SecretsState, VersionRecord } from './state.ts';
import type { Vault } from './vault.ts';

/** What every operation works with. */
export type ServiceContext = {
  state: SecretsState;
  vault: Vault;
  region: string;
  /** The account id in ARNs. */
  account: string;
  /** Epoch milliseconds. */
  now: () => number;
};

export type Operation = (input: Input, context: ServiceContext) => Record<string, unknown>;

export const CURRENT = 'AWSCURRENT';
export const PREVIOUS = 'AWSPREVIOUS';
/** AWS keeps about 100 versions and removes the oldest unlabelled ones beyond that. */
const MAX_VERSIONS = 100;
const RECOVERY_WINDOW = { min: 7, max: 30, default: 30 } as const;
const MS_PER_DAY = 86_400_000;
const ARN_SUFFIX_LENGTH = 6;
const ARN_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Epoch seconds, the JSON protocol's timestamp format. */
export const seconds = (ms: number) => ms / 1000;

/** What a sealed value is bound to: its secret and version (see Vault). */
export const sealContext = (arn: string, versionId: string) => `${arn}\n${versionId}`;

function arnSuffix(): string {
  return [...randomBytes(ARN_SUFFIX_LENGTH)].map((byte) => ARN_SUFFIX_ALPHABET[byte % ARN_SUFFIX_ALPHABET.length]).join('');
}

/** The secret, scheduled for deletion or not; ResourceNotFoundException when there is none. */
function existing(context: ServiceContext, input: Input): SecretRecord {
  const secret = context.state.find(secretId(input));
  if (!secret) throw secretNotFound();
  return secret;
}

/** The secret, which must not be scheduled for deletion. */
function live(context: ServiceContext, input: Input): SecretRecord {
  const secret = existing(context, input);
  if (secret.deletedAt !== undefined) throw markedForDeletion();
  return secret;
}

function sameValue(context: ServiceContext, secret: SecretRecord, version: VersionRecord, value: { kind: string; bytes: Buffer }): boolean {
  return version.kind === value.kind && context.vault.open(version.sealed, sealContext(secret.arn, version.id)).equals(value.bytes);
}

/** Adds a version carrying `stages`, taking them from other versions; AWSCURRENT's old holder becomes AWSPREVIOUS. */
function addVersion(secret: SecretRecord, version: VersionRecord): void {
  const current = secret.versions.find((v) => v.stages.includes(CURRENT));
  for (const v of secret.versions) v.stages = v.stages.filter((stage) => !version.stages.includes(stage));
  if (current && version.stages.includes(CURRENT) && !version.stages.includes(PREVIOUS)) {
    for (const v of secret.versions) v.stages = v.stages.filter((stage) => stage !== PREVIOUS);
    current.stages.push(PREVIOUS);
  }
  secret.versions.push(version);
  while (secret.versions.length > MAX_VERSIONS) {
    const oldest = secret.versions.findIndex((v) => v.stages.length === 0);
    if (oldest < 0) break;
    secret.versions.splice(oldest, 1);
  }
}

function newVersion(context: ServiceContext, arn: string, id: string, value: { kind: 'string' | 'binary'; bytes: Buffer }, stages: string[]): VersionRecord {
  return { id, stages, created: context.now(), kind: value.kind, sealed: context.vault.seal(value.bytes, sealContext(arn, id)) };
}

export const createSecret: Operation = (input, context) => {
  const name = secretName(input);
  const description = optionalString(input, 'Description', LIMITS.description, 0);
  const kmsKeyId = optionalString(input, 'KmsKeyId', LIMITS.kmsKeyId);
  const secretTags = tags(input);
  const value = secretValue(input);
  const token = versionToken(input);
  const taken = context.state.find(name);
  if (taken && taken.name === name) {
    if (taken.deletedAt !== undefined) {
      throw new ServiceError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
    }
    // The SDK retries a request whose answer was lost with the same token: same answer.
    const retried = taken.versions.find((v) => v.id === token);
    if (retried && value && sameValue(context, taken, retried, value)) return { ARN: taken.arn, Name: taken.name, VersionId: retried.id };
    throw new ServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
  }
  let arn: string;
  do arn = `arn:aws:secretsmanager:${context.region}:${context.account}:secret:${name}-${arnSuffix()}`;
  while (context.state.has(arn));
  const now = context.now();
  const secret: SecretRecord = {
    arn,
    name,
    ...(description !== undefined ? { description } : {}),
    ...(kmsKeyId !== undefined ? { kmsKeyId } : {}),
    tags: secretTags,
    created: now,
    lastChanged: now,
    versions: value ? [newVersion(context, arn, token, value, [CURRENT])] : [],
  };
  context.state.commit((secrets) => secrets.set(arn, secret));
  return { ARN: arn, Name: name, ...(value ? { VersionId: token } : {}) };
};

export const putSecretValue: Operation = (input, context) => {
  const secret = live(context, input);
  const value = secretValue(input);
  if (!value) throw invalidParameter('You must provide either SecretString or SecretBinary.');
  const token = versionToken(input);
  const stages = versionStages(input) ?? [CURRENT];
  const retried = secret.versions.find((v) => v.id === token);
  if (retried) {
    if (sameValue(context, secret, retried, value)) return { ARN: secret.arn, Name: secret.name, VersionId: retried.id, VersionStages: retried.stages };
    throw new ServiceError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
  }
  const version = newVersion(context, secret.arn, token, value, [...new Set(stages)]);
  context.state.commit((secrets) => {
    const record = secrets.get(secret.arn)!;
    addVersion(record, version);
    record.lastChanged = context.now();
  });
  return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: version.stages };
};

export const getSecretValue: Operation = (input, context) => {
  const secret = live(context, input);
  const versionId = optionalString(input, 'VersionId', LIMITS.clientRequestToken.max, LIMITS.clientRequestToken.min);
  const stage = optionalString(input, 'VersionStage', LIMITS.versionStage);
  const version =
    versionId !== undefined ? secret.versions.find((v) => v.id === versionId && (stage === undefined || v.stages.includes(stage))) : secret.versions.find((v) => v.stages.includes(stage ?? CURRENT));
  if (!version) throw versionNotFound(versionId !== undefined ? `VersionId: ${versionId}` : `staging label: ${stage ?? CURRENT}`);
  const plain = context.vault.open(version.sealed, sealContext(secret.arn, version.id));
  // Informational and day-granular: kept in memory and saved with the next change, so that
  // reads never wait for the disk.
  secret.lastAccessed = Math.floor(context.now() / MS_PER_DAY) * MS_PER_DAY;
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.id,
    ...(version.kind === 'string' ? { SecretString: plain.toString('utf8') } : { SecretBinary: plain.toString('base64') }),
    VersionStages: version.stages,
    CreatedDate: seconds(version.created),
  };
};

/** The labelled versions: unlabelled ones are deprecated and not reported. */
export function versionsToStages(secret: SecretRecord): Record<string, string[]> {
  return Object.fromEntries(secret.versions.filter((v) => v.stages.length > 0).map((v) => [v.id, v.stages]));
}

export const describeSecret: Operation = (input, context) => {
  const secret = existing(context, input);
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description !== undefined ? { Description: secret.description } : {}),
    ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
    RotationEnabled: false,
    LastChangedDate: seconds(secret.lastChanged),
    ...(secret.lastAccessed !== undefined ? { LastAccessedDate: seconds(secret.lastAccessed) } : {}),
    ...(secret.deletedAt !== undefined ? { DeletedDate: seconds(secret.deletedAt) } : {}),
    ...(secret.tags.length ? { Tags: secret.tags } : {}),
    VersionIdsToStages: versionsToStages(secret),
    CreatedDate: seconds(secret.created),
  };
};

export const deleteSecret: Operation = (input, context) => {
  const secret = existing(context, input);
  const window = optionalInteger(input, 'RecoveryWindowInDays', RECOVERY_WINDOW.min, RECOVERY_WINDOW.max);
  const force = optionalBoolean(input, 'ForceDeleteWithoutRecovery') ?? false;
  if (force && window !== undefined) {
    throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
  }
  const now = context.now();
  if (force) {
    context.state.commit((secrets) => secrets.delete(secret.arn));
    return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(now) };
  }
  if (secret.deletedAt !== undefined) {
    throw new ServiceError('InvalidRequestException', "You tried to perform the operation on a secret that's currently marked deleted.");
  }
  const purgeAt = now + (window ?? RECOVERY_WINDOW.default) * MS_PER_DAY;
  context.state.commit((secrets) => Object.assign(secrets.get(secret.arn)!, { deletedAt: now, purgeAt }));
  return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(purgeAt) };
};
