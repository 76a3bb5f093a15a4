/**
 * Where secret material lives: account credentials (tokens, passwords, client keys, role
 * ARNs) and sensitive variable values. The table holds only a secret's ARN; the value is
 * written once through the API (write-only: no API returns it) and read at run time by the
 * Lambdas that need it, which keep it in memory only.
 *
 * The port is small on purpose: Secrets Manager implements it in production and locally
 * (functions/adapters/secrets), fake-secrets.ts in unit tests. Every secret Conveyor manages
 * sits under one name prefix (`conveyor/` by default), which is also what its IAM policy
 * grants; SecretNames turns the names Conveyor uses into full names and checks ARNs against
 * the prefix, so no store touches a secret outside it.
 */
import { InvalidSecretNameError, InvalidSecretValueError } from './secret-errors.ts';

/** The prefix of every secret Conveyor manages, unless configured otherwise. */
export const DEFAULT_SECRET_PREFIX = 'conveyor/';
/** Secrets Manager's limit on a full secret name. */
export const SECRET_NAME_MAX_LENGTH = 512;
/** Secrets Manager's limit on a SecretString, in UTF-8 bytes. */
export const SECRET_VALUE_MAX_BYTES = 65_536;
/** Days a deleted secret can be restored, by default and at the extremes Secrets Manager allows. */
export const RECOVERY_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
/** Secrets Manager's limits on tags. */
export const TAG_LIMITS = { count: 50, keyLength: 128, valueLength: 256 } as const;

/** The characters Secrets Manager allows in a name. */
const NAME_CHARACTERS = /^[A-Za-z0-9/_+=.@-]+$/;
/**
 * Secrets Manager appends "-" and six characters to a name to make its ARN; a name that
 * already ends like that makes partial-ARN lookups ambiguous, so AWS advises against it.
 */
const ARN_SUFFIX_LOOKALIKE = /-[A-Za-z0-9]{6}$/;
/** arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>. */
const SECRET_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;
/** Tag keys AWS reserves for itself. */
const RESERVED_TAG_PREFIX = 'aws:';

/** Labels on the versions of a secret: what it is now, and what it was before the last put. */
export const CURRENT_STAGE = 'AWSCURRENT';
export const PREVIOUS_STAGE = 'AWSPREVIOUS';

/** Tags to put on a secret (owner, kind, the account or variable it belongs to). */
export type SecretTags = Readonly<Record<string, string>>;

/** One version of a secret, without its value. */
export type SecretVersionInfo = {
  /** Version id (a UUID). */
  id: string;
  /** Its labels: AWSCURRENT for the value `get` returns, AWSPREVIOUS for the one before. */
  stages: string[];
};

/** What `describe` tells about a secret: everything but its value. */
export type SecretDescription = {
  arn: string;
  /** The full name, prefix included. */
  name: string;
  description?: string;
  createdAt?: Date;
  /** When the value or the metadata last changed. */
  lastChangedAt?: Date;
  /** When deletion was requested; present only while the secret is scheduled for deletion. */
  deletedAt?: Date;
  tags: Record<string, string>;
  versions: SecretVersionInfo[];
};

/**
 * How to delete: after a recovery window (the default, RECOVERY_WINDOW_DAYS.default days,
 * during which the secret can be restored and its name stays taken), or at once with `force`.
 */
export type SecretDeleteOptions = { recoveryWindowDays?: number; force?: false } | { force: true };

/** What `delete` did. */
export type SecretDeletion = {
  arn: string;
  name: string;
  /** When the secret is (or was) removed for good. */
  deletionDate?: Date;
};

/** What a Lambda needs at run time: read a value. CachedSecrets and the stores implement it. */
export interface SecretSource {
  /** The current value (AWSCURRENT) of the secret with this ARN. */
  get(arn: string): Promise<string>;
}

/**
 * The secret store. Errors are those of secret-errors.ts: InvalidSecretNameError and
 * InvalidSecretValueError before anything is sent, SecretNotFoundError, SecretDeletedError,
 * SecretExistsError, SecretAccessError, SecretsUnavailableError (retryable) from the store.
 */
export interface SecretStore extends SecretSource {
  /**
   * Creates a secret named `<prefix><name>` holding `value` as its first (current) version;
   * resolves to its ARN, which is what callers keep. SecretExistsError when the name is taken.
   */
  create(name: string, value: string, tags?: SecretTags): Promise<string>;
  /** Stores a new version as AWSCURRENT (the one before becomes AWSPREVIOUS); resolves to its version id. */
  put(arn: string, value: string): Promise<string>;
  /** Metadata and versions, never the value. Works on a secret scheduled for deletion. */
  describe(arn: string): Promise<SecretDescription>;
  /** Schedules deletion after a recovery window, or deletes at once with `{ force: true }`. */
  delete(arn: string, options?: SecretDeleteOptions): Promise<SecretDeletion>;
}

/** Why `name` is not a valid Secrets Manager name, or undefined when it is. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > SECRET_NAME_MAX_LENGTH) return `it is ${name.length} characters long; at most ${SECRET_NAME_MAX_LENGTH}`;
  if (!NAME_CHARACTERS.test(name)) return 'only letters, digits and / _ + = . @ - are allowed';
  return undefined;
}

/**
 * The names of Conveyor's secrets: a relative name such as `accounts/a-1/token` becomes
 * `conveyor/accounts/a-1/token`; an ARN is accepted only when it names a secret under the prefix.
 */
export class SecretNames {
  constructor(readonly prefix: string = DEFAULT_SECRET_PREFIX) {
    const problem = prefix === '' ? 'it is empty' : nameProblem(prefix);
    if (problem) throw new InvalidSecretNameError(prefix, `the secret prefix is invalid: ${problem}`);
  }

  /** The full name for a relative one; InvalidSecretNameError when it is not acceptable. */
  full(name: string): string {
    if (name.startsWith(this.prefix)) {
      throw new InvalidSecretNameError(name, `give the name without the prefix "${this.prefix}": it is added`);
    }
    const full = `${this.prefix}${name}`;
    const problem = name === '' ? 'it is empty' : nameProblem(full);
    if (problem) throw new InvalidSecretNameError(name, problem);
    if (ARN_SUFFIX_LOOKALIKE.test(full)) {
      throw new InvalidSecretNameError(name, 'it ends with a hyphen and six characters, which Secrets Manager confuses with an ARN suffix');
    }
    return full;
  }

  /** The full name inside a secret ARN under the prefix; InvalidSecretNameError otherwise. */
  nameOf(arn: string): string {
    const match = SECRET_ARN.exec(arn);
    if (!match) throw new InvalidSecretNameError(arn, 'not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)');
    const name = match[1]!;
    if (!name.startsWith(this.prefix)) throw new InvalidSecretNameError(arn, `the secret is outside the prefix "${this.prefix}" Conveyor manages`);
    const problem = nameProblem(name);
    if (problem) throw new InvalidSecretNameError(arn, problem);
    return name;
  }
}

/** Checks a value before it is sent: not empty, within Secrets Manager's size. Never quotes the value. */
export function checkSecretValue(subject: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new InvalidSecretValueError(subject, 'the value must be a non-empty string');
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > SECRET_VALUE_MAX_BYTES) throw new InvalidSecretValueError(subject, `the value is ${bytes} bytes; at most ${SECRET_VALUE_MAX_BYTES}`);
}

/** Checks tags against Secrets Manager's limits and reserved keys. */
export function checkSecretTags(subject: string, tags: SecretTags): void {
  const entries = Object.entries(tags);
  if (entries.length > TAG_LIMITS.count) throw new InvalidSecretValueError(subject, `${entries.length} tags; at most ${TAG_LIMITS.count}`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > TAG_LIMITS.keyLength) throw new InvalidSecretValueError(subject, `tag key "${key}" must be 1 to ${TAG_LIMITS.keyLength} characters`);
    if (key.toLowerCase().startsWith(RESERVED_TAG_PREFIX)) throw new InvalidSecretValueError(subject, `tag key "${key}" uses the reserved prefix "${RESERVED_TAG_PREFIX}"`);
    if (value.length > TAG_LIMITS.valueLength) throw new InvalidSecretValueError(subject, `tag "${key}" has a value over ${TAG_LIMITS.valueLength} characters`);
  }
}

/** The recovery window a delete asks for, checked; undefined for a forced delete. */
export function recoveryWindowOf(subject: string, options: SecretDeleteOptions = {}): number | undefined {
  if (options.force) return undefined;
  const days = options.recoveryWindowDays ?? RECOVERY_WINDOW_DAYS.default;
  if (!Number.isInteger(days) || days < RECOVERY_WINDOW_DAYS.min || days > RECOVERY_WINDOW_DAYS.max) {
    throw new InvalidSecretValueError(subject, `the recovery window must be ${RECOVERY_WINDOW_DAYS.min} to ${RECOVERY_WINDOW_DAYS.max} days, not ${days}`);
  }
  return days;
}
