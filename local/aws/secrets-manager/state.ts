/**
 * The local Secrets Manager's records and where they are kept. Values are stored sealed
 * (vault.ts) even in memory, so the state file is a plain JSON dump that holds no value in
 * clear. Every change goes through `commit`: the file is rewritten atomically (temporary
 * file, fsync, rename, directory fsync) before the request is answered, and when that fails
 * the change is undone in memory too, so what clients were told matches what is on disk.
 * A local service holds few secrets: rewriting the whole file per change is simple and fast.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../files.ts';
import type { Sealed } from './vault.ts';
import { Vault } from './vault.ts';

/** A version of a secret: its id (the ClientRequestToken), labels, and sealed value. */
export type VersionRecord = {
  id: string;
  stages: string[];
  /** Epoch milliseconds. */
  created: number;
  kind: 'string' | 'binary';
  sealed: Sealed;
};

export type Tag = { Key: string; Value: string };

/** A secret; times are epoch milliseconds. */
export type SecretRecord = {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  created: number;
  lastChanged: number;
  /** Day-granular, as AWS reports it; kept in memory between writes (see GetSecretValue). */
  lastAccessed?: number;
  /** When deletion was requested; set while the secret is scheduled for deletion. */
  deletedAt?: number;
  /** When a scheduled deletion becomes final. */
  purgeAt?: number;
  /** Oldest first. */
  versions: VersionRecord[];
};

/** The state file's layout version: a file of another format is refused, not misread. */
const STATE_FORMAT = 1;
type StateDocument = { format: number; secrets: SecretRecord[] };

const STATE_FILE = 'secrets.json';
const KEY_FILE = 'secrets.key';
const DATA_DIR_MODE = 0o700;
const STATE_FILE_MODE = 0o600;
/** The "-" and six characters Secrets Manager appends to a name in an ARN. */
const ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;

export class StateFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateFileError';
  }
}

export class SecretsState {
  /** By ARN. */
  private secrets = new Map<string, SecretRecord>();

  private constructor(private readonly file: string | undefined) {}

  /** The state and key of `dataDir` (created when missing), or an in-memory pair without one. */
  static open(dataDir?: string): { state: SecretsState; vault: Vault } {
    if (!dataDir) return { state: new SecretsState(undefined), vault: Vault.inMemory() };
    mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
    const [keyFile, stateFile] = [join(dataDir, KEY_FILE), join(dataDir, STATE_FILE)];
    // A new key would make every stored secret unreadable: stop and say so instead.
    if (existsSync(stateFile) && !existsSync(keyFile)) {
      throw new StateFileError(`${stateFile} exists but its key file ${keyFile} is missing, so its secrets cannot be decrypted; restore the key file, or remove ${stateFile} to start empty`);
    }
    const vault = Vault.fromKeyFile(keyFile);
    const state = new SecretsState(stateFile);
    state.load();
    return { state, vault };
  }

  /** A secret by ARN, by name, or by partial ARN (the ARN without its six-character suffix). */
  find(secretId: string): SecretRecord | undefined {
    const byArn = this.secrets.get(secretId);
    if (byArn) return byArn;
    for (const secret of this.secrets.values()) {
      if (secret.name === secretId || secret.arn.replace(ARN_SUFFIX, '') === secretId) return secret;
    }
    return undefined;
  }

  has(arn: string): boolean {
    return this.secrets.has(arn);
  }

  all(): SecretRecord[] {
    return [...this.secrets.values()];
  }

  /**
   * Runs `change` (which may add, remove or modify records), then saves; if either throws,
   * the records are as they were before.
   */
  commit<T>(change: (secrets: Map<string, SecretRecord>) => T): T {
    const before = structuredClone(this.secrets);
    try {
      const result = change(this.secrets);
      this.save();
      return result;
    } catch (error) {
      this.secrets = before;
      throw error;
    }
  }

  /** Removes secrets whose recovery window has ended. */
  purgeExpired(now: number): void {
    const expired = this.all().filter((s) => s.purgeAt !== undefined && s.purgeAt <= now);
    if (expired.length) this.commit((secrets) => expired.forEach((s) => secrets.delete(s.arn)));
  }

  private load(): void {
    if (!this.file || !existsSync(this.file)) return;
    let document: StateDocument;
    try {
      document = JSON.parse(readFileSync(this.file, 'utf8')) as StateDocument;
    } catch (error) {
      throw new StateFileError(`cannot read the Secrets Manager state ${this.file}: ${(error as Error).name}`);
    }
    if (document?.format !== STATE_FORMAT || !Array.isArray(document.secrets)) {
      throw new StateFileError(`the Secrets Manager state ${this.file} is not in format ${STATE_FORMAT}`);
    }
    this.secrets = new Map(document.secrets.map((s) => [s.arn, s]));
  }

  private save(): void {
    if (!this.file) return;
    const document: StateDocument = { format: STATE_FORMAT, secrets: this.all() };
    writeFileAtomic(this.file, JSON.stringify(document), STATE_FILE_MODE);
  }
}
