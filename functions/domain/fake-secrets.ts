/**
 * A hand-written SecretStore for unit tests of code that stores or reads secrets (the API's
 * account and variable handlers, the engine's credential lookup): secrets in memory with the
 * rules of the real store (prefix and name checks, versions with AWSCURRENT/AWSPREVIOUS,
 * deletion with a recovery window, the same domain errors) and scripted failures. `calls`
 * records what was asked, never a value, so a test can print it safely.
 */
import { SecretDeletedError, SecretExistsError, SecretNotFoundError, type SecretOperation } from './secret-errors.ts';
import {
  CURRENT_STAGE,
  checkSecretTags,
  checkSecretValue,
  PREVIOUS_STAGE,
  recoveryWindowOf,
  type SecretDeleteOptions,
  type SecretDeletion,
  type SecretDescription,
  SecretNames,
  type SecretStore,
  type SecretTags,
} from './secrets.ts';

/** One call to the fake: the operation and the name or ARN it was about. */
export type FakeSecretCall = { verb: SecretOperation; subject: string };
/** A failure to throw for calls of `verb`; `times` limits how often (always when absent). */
export type FakeSecretFailure = { verb: SecretOperation; error: Error; times?: number };

type FakeVersion = { id: string; stages: string[]; value: string };
type FakeSecret = {
  arn: string;
  name: string;
  tags: Record<string, string>;
  createdAt: Date;
  lastChangedAt: Date;
  deletedAt?: Date;
  versions: FakeVersion[];
};

const MS_PER_DAY = 86_400_000;
const ARN_SUFFIX_LENGTH = 6;

export class FakeSecrets implements SecretStore {
  readonly calls: FakeSecretCall[] = [];
  readonly failures: FakeSecretFailure[] = [];
  readonly names: SecretNames;
  private readonly secrets = new Map<string, FakeSecret>();
  private readonly region: string;
  private readonly now: () => Date;
  private sequence = 0;

  constructor(options: { prefix?: string; region?: string; now?: () => Date } = {}) {
    this.names = new SecretNames(options.prefix);
    this.region = options.region ?? 'us-east-1';
    this.now = options.now ?? (() => new Date());
  }

  async create(name: string, value: string, tags: SecretTags = {}): Promise<string> {
    this.record('create', name);
    const full = this.names.full(name);
    checkSecretValue(full, value);
    checkSecretTags(full, tags);
    const taken = [...this.secrets.values()].find((s) => s.name === full);
    if (taken) throw new SecretExistsError(full, taken.deletedAt !== undefined);
    // Deterministic suffixes keep ARNs stable across runs of a test.
    const suffix = String(++this.sequence).padStart(ARN_SUFFIX_LENGTH, '0');
    const arn = `arn:aws:secretsmanager:${this.region}:000000000000:secret:${full}-${suffix}`;
    const now = this.now();
    this.secrets.set(arn, { arn, name: full, tags: { ...tags }, createdAt: now, lastChangedAt: now, versions: [this.version(value)] });
    return arn;
  }

  async put(arn: string, value: string): Promise<string> {
    this.record('put', arn);
    this.names.nameOf(arn);
    checkSecretValue(arn, value);
    const secret = this.live(arn, 'put');
    for (const version of secret.versions) {
      version.stages = version.stages.filter((stage) => stage !== PREVIOUS_STAGE);
      if (version.stages.includes(CURRENT_STAGE)) version.stages = [PREVIOUS_STAGE];
    }
    const version = this.version(value);
    secret.versions.push(version);
    secret.lastChangedAt = this.now();
    return version.id;
  }

  async get(arn: string): Promise<string> {
    this.record('get', arn);
    this.names.nameOf(arn);
    const current = this.live(arn, 'get').versions.find((v) => v.stages.includes(CURRENT_STAGE));
    if (!current) throw new SecretNotFoundError(arn, 'get');
    return current.value;
  }

  async describe(arn: string): Promise<SecretDescription> {
    this.record('describe', arn);
    this.names.nameOf(arn);
    const secret = this.existing(arn, 'describe');
    return {
      arn: secret.arn,
      name: secret.name,
      createdAt: secret.createdAt,
      lastChangedAt: secret.lastChangedAt,
      ...(secret.deletedAt ? { deletedAt: secret.deletedAt } : {}),
      tags: { ...secret.tags },
      versions: secret.versions.filter((v) => v.stages.length > 0).map((v) => ({ id: v.id, stages: [...v.stages] })),
    };
  }

  async delete(arn: string, options?: SecretDeleteOptions): Promise<SecretDeletion> {
    this.record('delete', arn);
    this.names.nameOf(arn);
    const days = recoveryWindowOf(arn, options);
    const secret = this.existing(arn, 'delete');
    const now = this.now();
    if (days === undefined) {
      this.secrets.delete(arn);
      return { arn, name: secret.name, deletionDate: now };
    }
    if (secret.deletedAt) throw new SecretDeletedError(arn, 'delete');
    secret.deletedAt = now;
    return { arn, name: secret.name, deletionDate: new Date(now.getTime() + days * MS_PER_DAY) };
  }

  /** Makes calls of `verb` throw `error`, `times` times (always when absent). */
  fail(verb: SecretOperation, error: Error, times?: number): void {
    this.failures.push({ verb, error, ...(times !== undefined ? { times } : {}) });
  }

  /** For a test's assertions: the current value, whatever the secret's state; undefined when absent. */
  peek(arn: string): string | undefined {
    return this.secrets.get(arn)?.versions.find((v) => v.stages.includes(CURRENT_STAGE))?.value;
  }

  /** How many secrets exist, scheduled deletions included. */
  get size(): number {
    return this.secrets.size;
  }

  private version(value: string): FakeVersion {
    return { id: globalThis.crypto.randomUUID(), stages: [CURRENT_STAGE], value };
  }

  private existing(arn: string, operation: SecretOperation): FakeSecret {
    const secret = this.secrets.get(arn);
    if (!secret) throw new SecretNotFoundError(arn, operation);
    return secret;
  }

  private live(arn: string, operation: SecretOperation): FakeSecret {
    const secret = this.existing(arn, operation);
    if (secret.deletedAt) throw new SecretDeletedError(arn, operation);
    return secret;
  }

  private record(verb: SecretOperation, subject: string): void {
    this.calls.push({ verb, subject });
    const failure = this.failures.find((f) => f.verb === verb && (f.times === undefined || f.times > 0));
    if (!failure) return;
    if (failure.times !== undefined) failure.times--;
    throw failure.error;
  }
}
