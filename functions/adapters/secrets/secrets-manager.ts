/**
 * SecretStore over AWS Secrets Manager. The client is built once by the caller (one per cold
 * start, with the endpoint from AWS_ENDPOINT_URL_SECRETS_MANAGER when local) and passed in.
 * Names and values are checked before anything is sent; every failure comes back as a domain
 * error from errors.ts, whose messages never carry a value.
 */
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretNotFoundError, type SecretOperation, SecretRequestRejectedError } from '#domain/secret-errors.ts';
import {
  checkSecretTags,
  checkSecretValue,
  recoveryWindowOf,
  type SecretDeleteOptions,
  type SecretDeletion,
  type SecretDescription,
  SecretNames,
  type SecretStore,
  type SecretTags,
} from '#domain/secrets.ts';
import { toSecretError } from './errors.ts';

/** The code reported when a secret holds bytes that are not UTF-8 text (Conveyor stores text only). */
const NOT_TEXT = 'SecretBinaryNotText';

export type SecretsManagerStoreOptions = {
  /** The name prefix of Conveyor's secrets (DEFAULT_SECRET_PREFIX when absent). */
  prefix?: string;
};

export class SecretsManagerStore implements SecretStore {
  readonly names: SecretNames;

  constructor(
    private readonly client: SecretsManagerClient,
    options: SecretsManagerStoreOptions = {},
  ) {
    this.names = new SecretNames(options.prefix);
  }

  async create(name: string, value: string, tags: SecretTags = {}): Promise<string> {
    const full = this.names.full(name);
    checkSecretValue(full, value);
    checkSecretTags(full, tags);
    const Tags = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    const out = await this.call('create', full, () => this.client.send(new CreateSecretCommand({ Name: full, SecretString: value, ...(Tags.length ? { Tags } : {}) })));
    if (!out.ARN) throw new SecretRequestRejectedError(full, 'create', 'NoArnInResponse');
    return out.ARN;
  }

  async put(arn: string, value: string): Promise<string> {
    this.names.nameOf(arn);
    checkSecretValue(arn, value);
    const out = await this.call('put', arn, () => this.client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: value })));
    if (!out.VersionId) throw new SecretRequestRejectedError(arn, 'put', 'NoVersionIdInResponse');
    return out.VersionId;
  }

  async get(arn: string): Promise<string> {
    this.names.nameOf(arn);
    const out = await this.call('get', arn, () => this.client.send(new GetSecretValueCommand({ SecretId: arn })));
    if (out.SecretString !== undefined) return out.SecretString;
    if (out.SecretBinary === undefined) throw new SecretNotFoundError(arn, 'get');
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(out.SecretBinary);
    } catch {
      throw new SecretRequestRejectedError(arn, 'get', NOT_TEXT);
    }
  }

  async describe(arn: string): Promise<SecretDescription> {
    this.names.nameOf(arn);
    const out = await this.call('describe', arn, () => this.client.send(new DescribeSecretCommand({ SecretId: arn })));
    return {
      arn: out.ARN ?? arn,
      name: out.Name ?? this.names.nameOf(arn),
      ...(out.Description ? { description: out.Description } : {}),
      ...(out.CreatedDate ? { createdAt: out.CreatedDate } : {}),
      ...(out.LastChangedDate ? { lastChangedAt: out.LastChangedDate } : {}),
      ...(out.DeletedDate ? { deletedAt: out.DeletedDate } : {}),
      tags: Object.fromEntries((out.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      versions: Object.entries(out.VersionIdsToStages ?? {}).map(([id, stages]) => ({ id, stages: [...stages] })),
    };
  }

  async delete(arn: string, options?: SecretDeleteOptions): Promise<SecretDeletion> {
    const name = this.names.nameOf(arn);
    const days = recoveryWindowOf(arn, options);
    const input = days === undefined ? { SecretId: arn, ForceDeleteWithoutRecovery: true } : { SecretId: arn, RecoveryWindowInDays: days };
    const out = await this.call('delete', arn, () => this.client.send(new DeleteSecretCommand(input)));
    return { arn: out.ARN ?? arn, name: out.Name ?? name, ...(out.DeletionDate ? { deletionDate: out.DeletionDate } : {}) };
  }

  /** Sends one request; whatever it throws leaves as a domain error. */
  private async call<T>(operation: SecretOperation, subject: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toSecretError(error, operation, subject);
    }
  }
}
