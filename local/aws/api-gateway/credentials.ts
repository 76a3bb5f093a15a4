/**
 * Local access keys for the demo users, and the AWS shared-credentials file that holds them: one
 * profile per user, so `AWS_PROFILE=approver conveyor approve ...`, the SDK and
 * `curl --aws-sigv4` sign requests the local API Gateway maps to that user's principal ARN, as
 * IAM does on AWS. Keys have AWS's shapes (AKIA + 16 base32 characters, 40-character secrets);
 * they are generated here and are good for this machine's stack only.
 *
 * The file is written atomically with mode 0600 (the AWS CLI's own mode for it). Nothing here
 * prints a secret.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../files.ts';
import { LOCAL_ACCOUNT } from './server.ts';
import type { Principals } from './sigv4.ts';

/** A demo user: the profile people name, and the principal the API sees. */
export type DemoUser = { profile: string; principalArn: string };

export type DemoCredential = DemoUser & { accessKeyId: string; secretAccessKey: string };

/** The demo users `conveyor up` creates: who configures, who releases, who approves, who audits. */
export const DEMO_PROFILES = ['admin', 'release-manager', 'approver', 'auditor'] as const;

const ACCESS_KEY_PREFIX = 'AKIA';
const ACCESS_KEY_SUFFIX_LENGTH = 16;
/** IAM access key ids use the RFC 4648 base32 alphabet. */
const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SECRET_LENGTH = 40;
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Owner read/write only: the file holds secrets. */
export const CREDENTIALS_FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;
const PROFILE_NAME = /^[A-Za-z0-9_.-]+$/;

function randomText(alphabet: string, length: number): string {
  // randomInt draws without modulo bias.
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

export const generateAccessKeyId = (): string => ACCESS_KEY_PREFIX + randomText(ACCESS_KEY_ALPHABET, ACCESS_KEY_SUFFIX_LENGTH);
export const generateSecretAccessKey = (): string => randomText(SECRET_ALPHABET, SECRET_LENGTH);

/** IAM users of the local account, one per demo profile. */
export function demoUsers(accountId = LOCAL_ACCOUNT): DemoUser[] {
  return DEMO_PROFILES.map((profile) => ({ profile, principalArn: `arn:aws:iam::${accountId}:user/${profile}` }));
}

/** A fresh access key pair for each user. */
export function generateDemoCredentials(users: readonly DemoUser[]): DemoCredential[] {
  return users.map((user) => ({ ...user, accessKeyId: generateAccessKeyId(), secretAccessKey: generateSecretAccessKey() }));
}

/** What the local API Gateway verifies signatures against. */
export function principalsOf(credentials: readonly DemoCredential[]): Principals {
  return Object.fromEntries(credentials.map((c) => [c.accessKeyId, { secretAccessKey: c.secretAccessKey, principalArn: c.principalArn }]));
}

/** A profile name the INI format and the AWS tools read back unchanged. */
export class ProfileNameError extends Error {
  constructor(profile: string) {
    super(`profile name ${JSON.stringify(profile)} must be letters, digits, ".", "_" or "-"`);
    this.name = 'ProfileNameError';
  }
}

/**
 * The shared-credentials file's text. `defaultProfile` also writes that user's keys as
 * `[default]`, so tools work without AWS_PROFILE.
 */
export function credentialsFileText(credentials: readonly DemoCredential[], options: { defaultProfile?: string } = {}): string {
  const section = (profile: string, c: DemoCredential) => `[${profile}]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\n`;
  const sections = credentials.map((c) => {
    if (!PROFILE_NAME.test(c.profile)) throw new ProfileNameError(c.profile);
    return section(c.profile, c);
  });
  const fallback = options.defaultProfile === undefined ? undefined : credentials.find((c) => c.profile === options.defaultProfile);
  if (options.defaultProfile !== undefined && !fallback) throw new Error(`no credentials for the default profile "${options.defaultProfile}"`);
  const header = '# Local access keys for the Conveyor stack on this machine (written by conveyor up).\n';
  return [header, ...(fallback ? [section('default', fallback)] : []), ...sections].join('\n');
}

/** Writes the file atomically with mode 0600, creating its directory (0700) when missing. */
export function writeCredentialsFile(path: string, credentials: readonly DemoCredential[], options: { defaultProfile?: string } = {}): void {
  mkdirSync(dirname(path), { recursive: true, mode: DIRECTORY_MODE });
  writeFileAtomic(path, credentialsFileText(credentials, options), CREDENTIALS_FILE_MODE);
}

/**
 * The users' keys from a file this module wrote, so a restarted stack keeps them; undefined
 * when the file is missing or lacks one of the users (then new keys are due).
 */
export function readDemoCredentials(path: string, users: readonly DemoUser[]): DemoCredential[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    const section = /^\[([^\]]+)\]$/.exec(trimmed);
    if (section) profiles.set(section[1]!.trim(), (current = {}));
    else if (current && trimmed.includes('=') && !trimmed.startsWith('#')) {
      const index = trimmed.indexOf('=');
      current[trimmed.slice(0, index).trim()] = trimmed.slice(index + 1).trim();
    }
  }
  const found: DemoCredential[] = [];
  for (const user of users) {
    const keys = profiles.get(user.profile);
    if (!keys?.aws_access_key_id || !keys.aws_secret_access_key) return undefined;
    found.push({ ...user, accessKeyId: keys.aws_access_key_id, secretAccessKey: keys.aws_secret_access_key });
  }
  return found;
}

/** The users' keys from `path` when it has them all, else new ones written there. */
export function loadOrCreateDemoCredentials(path: string, users: readonly DemoUser[], options: { defaultProfile?: string } = {}): DemoCredential[] {
  const existing = readDemoCredentials(path, users);
  if (existing) return existing;
  const created = generateDemoCredentials(users);
  writeCredentialsFile(path, created, options);
  return created;
}
