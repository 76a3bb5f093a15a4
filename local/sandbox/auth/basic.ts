/**
 * Username/password users (HTTP Basic), which kube-apiserver dropped in 1.19 but client-go and
 * kubectl still send when a kubeconfig user has `username`/`password`. Passwords are held only as
 * salted scrypt hashes, and every check costs one scrypt whether or not the user exists, so
 * response timing does not reveal which user names are valid.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { UserInfo } from '../types.ts';
import { AuthConfigError } from './errors.ts';

const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** scrypt cost; Node's default N=16384 keeps one check in the tens of milliseconds. */
const SCRYPT_OPTIONS = { N: 16384, r: 8, p: 1 } as const;
const BASIC_PREFIX = /^basic\s+/i;

export type BasicUserConfig = { username: string; password: string; uid?: string; groups?: string[] };

type StoredUser = { salt: Buffer; hash: Buffer; user: UserInfo };

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, HASH_BYTES, SCRYPT_OPTIONS, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Parses an `Authorization: Basic ...` header value; undefined when it is not Basic or is malformed. */
export function parseBasicAuthorization(header: string): { username: string; password: string } | undefined {
  if (!BASIC_PREFIX.test(header)) return undefined;
  const decoded = Buffer.from(header.replace(BASIC_PREFIX, '').trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicUsers {
  private readonly users = new Map<string, StoredUser>();
  /** Hashed against when the user is unknown, so unknown and known users cost the same. */
  private readonly decoy: StoredUser;

  constructor(users: BasicUserConfig[] = []) {
    const salt = randomBytes(SALT_BYTES);
    this.decoy = { salt, hash: scryptSync(randomBytes(SALT_BYTES).toString('hex'), salt, HASH_BYTES, SCRYPT_OPTIONS), user: { username: '', groups: [] } };
    for (const u of users) this.add(u);
  }

  /** Throws AuthConfigError for an empty or duplicate user name. */
  add(config: BasicUserConfig): void {
    if (!config.username) throw new AuthConfigError('basic-auth user name must not be empty');
    if (this.users.has(config.username)) throw new AuthConfigError(`basic-auth user "${config.username}" is defined twice`);
    const salt = randomBytes(SALT_BYTES);
    this.users.set(config.username, {
      salt,
      hash: scryptSync(config.password, salt, HASH_BYTES, SCRYPT_OPTIONS),
      user: { username: config.username, ...(config.uid ? { uid: config.uid } : {}), groups: [...(config.groups ?? [])] },
    });
  }

  get size(): number {
    return this.users.size;
  }

  /** The user when the password matches, otherwise undefined. */
  async verify(username: string, password: string): Promise<UserInfo | undefined> {
    const stored = this.users.get(username);
    const target = stored ?? this.decoy;
    const hash = await scryptAsync(password, target.salt);
    const match = timingSafeEqual(hash, target.hash);
    return stored && match ? { ...stored.user, groups: [...stored.user.groups] } : undefined;
  }
}
