/**
 * Encryption at rest for the local Secrets Manager: AES-256-GCM with a fresh 96-bit IV per
 * value, the secret's ARN and version id as additional authenticated data (so a ciphertext
 * moved to another secret or version does not decrypt), and the auth tag checked on every
 * read. The key is 32 random bytes in a file only its owner may read: created with mode 0600,
 * and a service that finds it readable by anyone else refuses to start rather than use a key
 * that may have leaked. Without a data directory the key lives in memory for the process.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { decryptionFailure } from './errors.ts';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** The IV length GCM is specified for. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Owner read and write, nobody else. */
export const KEY_FILE_MODE = 0o600;
/** Permission bits of group and others: any of them set and the key is no longer the owner's alone. */
const GROUP_AND_OTHERS = 0o077;
const PERMISSION_BITS = 0o777;

/** One encrypted value as stored: base64 of the IV, the GCM tag and the ciphertext. */
export type Sealed = { iv: string; tag: string; data: string };

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

export class Vault {
  private constructor(private readonly key: Buffer) {}

  /** A key for this process only (no data directory: nothing outlives it anyway). */
  static inMemory(): Vault {
    return new Vault(randomBytes(KEY_BYTES));
  }

  /** The key in `file`, created (mode 0600) when missing; KeyFileError when it is not safe or not a key. */
  static fromKeyFile(file: string): Vault {
    let fd: number;
    try {
      // 'wx' fails if the file exists, so two starts never both write a key.
      fd = openSync(file, 'wx', KEY_FILE_MODE);
      try {
        writeSync(fd, randomBytes(KEY_BYTES));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new KeyFileError(`cannot create the key file ${file}: ${(error as Error).message}`);
    }
    fd = openSync(file, 'r');
    try {
      const stat = fstatSync(fd);
      if (stat.mode & GROUP_AND_OTHERS) {
        const mode = (stat.mode & PERMISSION_BITS).toString(8).padStart(3, '0');
        throw new KeyFileError(`key file ${file} is accessible to other users (mode ${mode}); make it readable by its owner only (chmod 600 ${file}) or remove it and the data it encrypts`);
      }
      if (stat.size !== KEY_BYTES) throw new KeyFileError(`key file ${file} holds ${stat.size} bytes, not a ${KEY_BYTES}-byte key`);
      const key = Buffer.alloc(KEY_BYTES);
      readSync(fd, key, 0, KEY_BYTES, 0);
      return new Vault(key);
    } finally {
      closeSync(fd);
    }
  }

  /** Encrypts `plain`, bound to `context` (the secret's ARN and version). */
  seal(plain: Buffer, context: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** Decrypts and authenticates; DecryptionFailure when the data, the context or the key do not match. */
  open(sealed: Sealed, context: string): Buffer {
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(sealed.iv, 'base64'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    } catch {
      throw decryptionFailure();
    }
  }
}
