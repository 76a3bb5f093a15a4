/**
 * EKS IAM authentication (`aws eks get-token`, aws-iam-authenticator) without AWS.
 *
 * A token is `k8s-aws-v1.` + base64url(presigned STS GetCallerIdentity URL) whose SigV4 signature
 * covers the `x-k8s-aws-id: <cluster>` header. Real EKS forwards the URL to STS, which answers
 * with the caller's ARN. Here there is no STS: the verifier applies aws-iam-authenticator's
 * format rules, then recomputes the signature with locally configured credentials. Because the
 * header value it signs with is this cluster's name, a token minted for another cluster fails the
 * signature check exactly as STS would fail it.
 *
 * Validity follows aws-iam-authenticator, not X-Amz-Expires: STS accepts a presigned
 * GetCallerIdentity for 15 minutes after X-Amz-Date whatever X-Amz-Expires says (clients put 60),
 * and kubectl caches these tokens for 14 minutes; a 60-second window would break real sessions.
 */
import { timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { UserInfo } from '../types.ts';
import { AuthConfigError, TokenInvalidError } from './errors.ts';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** What aws-iam-authenticator and `aws eks get-token` pass to Presign; ignored by STS. */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** STS honours a presigned GetCallerIdentity this long after X-Amz-Date. */
export const PRESIGNED_URL_VALIDITY_MS = 15 * 60 * 1000;
/** ExecCredential expiry clients are given: one minute before the URL lapses. */
export const TOKEN_CACHE_VALIDITY_MS = PRESIGNED_URL_VALIDITY_MS - 60 * 1000;
const MAX_TOKEN_LENGTH = 4096;
const MAX_EXPIRES_SECONDS = 900;
const STS_ACTION = 'GetCallerIdentity';
const STS_VERSION = '2011-06-15';
const STS_SERVICE = 'sts';
const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const SCOPE_TERMINATOR = 'aws4_request';
/** STS endpoints of every partition: global, regional, FIPS, China. */
const STS_HOST = /^sts(-fips)?(\.[a-z]{2}(-gov)?-[a-z]+-\d)?\.amazonaws\.com(\.cn)?$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** aws-iam-authenticator's allow-list of query parameters (compared lower-cased). */
const ALLOWED_PARAMETERS = new Set(['action', 'version', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-security-token', 'x-amz-signature', 'x-amz-signedheaders']);
/** Parameters presign() itself adds; the rest of the query is re-signed as given. */
const PRESIGN_OWNED = new Set(['x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-expires', 'x-amz-security-token', 'x-amz-signature', 'x-amz-signedheaders']);
const ASSUMED_ROLE_ARN = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const IAM_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(user|role)\/(.+)$/;

export type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** A principal the sandbox plays STS for: whoever signs with this key is `arn`. */
export type EksAccount = AwsCredentials & {
  /** `arn:aws:iam::<acct>:user/<name>` or `arn:aws:sts::<acct>:assumed-role/<Role>/<session>`. */
  arn: string;
  /** STS UserId (AIDA…/AROA…); only reported in the user's uid and extra. */
  userId?: string;
};

/** An EKS access entry; username may use {{AccountID}}, {{SessionName}}, {{SessionNameRaw}}, {{AccessKeyID}}. */
export type EksAccessEntry = { principalArn: string; username?: string; groups?: string[] };

export type EksAuthConfig = {
  clusterName: string;
  accounts: EksAccount[];
  accessEntries: EksAccessEntry[];
  clock?: () => Date;
};

type Identity = { arn: string; canonicalArn: string; accountId: string; sessionName: string; accessKeyId: string; userId?: string };

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function stsHost(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

function signer(region: string, credentials: AwsCredentials): SignatureV4 {
  return new SignatureV4({ service: STS_SERVICE, region, credentials, sha256: Sha256 });
}

async function presignedUrl(
  host: string,
  query: Record<string, string>,
  clusterName: string,
  region: string,
  credentials: AwsCredentials,
  signingDate: Date,
  expiresIn: number,
): Promise<{ url: string; signature: string }> {
  const signed = await signer(region, credentials).presign(
    { method: 'GET', protocol: 'https:', hostname: host, path: '/', query, headers: { host, [CLUSTER_ID_HEADER]: clusterName } },
    { signingDate, expiresIn },
  );
  const params = Object.entries(signed.query ?? {})
    .map(([k, v]) => [k, String(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const url = `https://${host}/?${params.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&')}`;
  return { url, signature: String(signed.query?.['X-Amz-Signature'] ?? '') };
}

/** A token exactly as `aws eks get-token --cluster-name <clusterName> --region <region>` prints it. */
export async function createEksToken(options: { clusterName: string; region: string; credentials: AwsCredentials; now?: Date }): Promise<string> {
  const { url } = await presignedUrl(
    stsHost(options.region),
    { Action: STS_ACTION, Version: STS_VERSION },
    options.clusterName,
    options.region,
    options.credentials,
    options.now ?? new Date(),
    PRESIGN_EXPIRES_SECONDS,
  );
  return EKS_TOKEN_PREFIX + Buffer.from(url).toString('base64url');
}

/** `arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R`; IAM ARNs unchanged. Throws AuthConfigError otherwise. */
export function canonicalizeArn(arn: string): { canonicalArn: string; accountId: string; sessionName: string } {
  const assumed = ASSUMED_ROLE_ARN.exec(arn);
  if (assumed) return { canonicalArn: `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`, accountId: assumed[2]!, sessionName: assumed[4]! };
  const iam = IAM_ARN.exec(arn);
  if (iam) return { canonicalArn: arn, accountId: iam[2]!, sessionName: '' };
  throw new AuthConfigError(`unsupported principal ARN "${arn}"`);
}

/** Access entries name roles with their path; assumed-role ARNs carry none, so compare without it. */
function withoutRolePath(arn: string): string {
  const iam = IAM_ARN.exec(arn);
  if (iam?.[3] !== 'role') return arn;
  const name = iam[4]!.split('/').pop()!;
  return `arn:${iam[1]}:iam::${iam[2]}:role/${name}`;
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function sameBytes(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** Verifies EKS tokens against configured credentials and maps principals through access entries. */
export class EksTokenVerifier {
  readonly clusterName: string;
  private readonly accounts = new Map<string, EksAccount>();
  private readonly entries: EksAccessEntry[];
  private readonly clock: () => Date;

  /** Throws AuthConfigError for an unparsable ARN or a duplicate access key. */
  constructor(config: EksAuthConfig) {
    this.clusterName = config.clusterName;
    this.clock = config.clock ?? (() => new Date());
    for (const account of config.accounts) {
      canonicalizeArn(account.arn);
      if (this.accounts.has(account.accessKeyId)) throw new AuthConfigError(`access key ${account.accessKeyId} is configured twice`);
      this.accounts.set(account.accessKeyId, account);
    }
    for (const entry of config.accessEntries) canonicalizeArn(entry.principalArn);
    this.entries = config.accessEntries;
  }

  static isEksToken(token: string): boolean {
    return token.startsWith(EKS_TOKEN_PREFIX);
  }

  /** The Kubernetes user the token maps to (without system:authenticated). Throws TokenInvalidError. */
  async verify(token: string): Promise<UserInfo> {
    const identity = await this.verifySignature(token);
    return this.mapIdentity(identity);
  }

  /** aws-iam-authenticator's format checks, then our stand-in for the STS call. */
  private async verifySignature(token: string): Promise<Identity> {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenInvalidError('token is too large');
    if (!EksTokenVerifier.isEksToken(token)) throw new TokenInvalidError('missing token prefix');
    let url: URL;
    try {
      url = new URL(Buffer.from(token.slice(EKS_TOKEN_PREFIX.length), 'base64url').toString('utf8'));
    } catch (cause) {
      throw new TokenInvalidError('token is not a URL', { cause });
    }
    if (url.protocol !== 'https:') throw new TokenInvalidError('unexpected scheme in pre-signed URL');
    if (!STS_HOST.test(url.host)) throw new TokenInvalidError('unexpected hostname in pre-signed URL');
    if (url.pathname !== '/') throw new TokenInvalidError('unexpected path in pre-signed URL');
    const lower = new Map<string, string>();
    const unsigned: Record<string, string> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      const lk = key.toLowerCase();
      if (!ALLOWED_PARAMETERS.has(lk)) throw new TokenInvalidError('non-allowed query parameter');
      if (values.length !== 1 || lower.has(lk)) throw new TokenInvalidError('query parameter with multiple values');
      lower.set(lk, values[0]!);
      if (!PRESIGN_OWNED.has(lk)) unsigned[key] = values[0]!;
    }
    if (lower.get('action') !== STS_ACTION) throw new TokenInvalidError('unexpected action parameter');
    const signedHeaders = (lower.get('x-amz-signedheaders') ?? '').split(';').map((h) => h.toLowerCase());
    if (!signedHeaders.includes(CLUSTER_ID_HEADER)) throw new TokenInvalidError(`client did not sign the ${CLUSTER_ID_HEADER} header`);
    if ([...signedHeaders].sort().join(';') !== ['host', CLUSTER_ID_HEADER].join(';')) throw new TokenInvalidError('unexpected signed headers');
    const expiresText = lower.get('x-amz-expires') ?? '';
    const expires = /^\d+$/.test(expiresText) ? Number(expiresText) : NaN;
    if (!(expires >= 0 && expires <= MAX_EXPIRES_SECONDS)) throw new TokenInvalidError('invalid X-Amz-Expires parameter');
    const date = parseAmzDate(lower.get('x-amz-date') ?? '');
    if (!date) throw new TokenInvalidError('missing or malformed X-Amz-Date parameter');
    const now = this.clock().getTime();
    if (now > date.getTime() + PRESIGNED_URL_VALIDITY_MS) throw new TokenInvalidError('X-Amz-Date parameter is expired');
    if (date.getTime() > now + PRESIGNED_URL_VALIDITY_MS) throw new TokenInvalidError('X-Amz-Date parameter is in the future');
    if (lower.get('x-amz-algorithm') !== SIGV4_ALGORITHM) throw new TokenInvalidError('unsupported signing algorithm');
    const [accessKeyId = '', scopeDate, region = '', service, terminator, ...rest] = (lower.get('x-amz-credential') ?? '').split('/');
    const amzDate = lower.get('x-amz-date')!;
    if (rest.length > 0 || scopeDate !== amzDate.slice(0, 8) || service !== STS_SERVICE || terminator !== SCOPE_TERMINATOR || !region) {
      throw new TokenInvalidError('malformed credential scope');
    }
    const account = this.accounts.get(accessKeyId);
    if (!account) throw new TokenInvalidError('unknown access key');
    const sessionToken = lower.get('x-amz-security-token');
    if (account.sessionToken !== undefined && (sessionToken === undefined || !sameBytes(sessionToken, account.sessionToken))) {
      throw new TokenInvalidError('invalid security token');
    }
    const credentials: AwsCredentials = { accessKeyId, secretAccessKey: account.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    const { signature } = await presignedUrl(url.host, unsigned, this.clusterName, region, credentials, date, expires);
    if (!sameBytes(signature, lower.get('x-amz-signature') ?? '')) throw new TokenInvalidError('signature does not match');
    const { canonicalArn, accountId, sessionName } = canonicalizeArn(account.arn);
    return { arn: account.arn, canonicalArn, accountId, sessionName, accessKeyId, ...(account.userId ? { userId: account.userId } : {}) };
  }

  private mapIdentity(identity: Identity): UserInfo {
    const entry = this.entries.find((e) => e.principalArn === identity.canonicalArn || withoutRolePath(e.principalArn) === identity.canonicalArn);
    if (!entry) throw new TokenInvalidError('no access entry for principal');
    const isRole = identity.arn !== identity.canonicalArn;
    const template = entry.username ?? (isRole ? identity.arn.replace(/[^/]+$/, '{{SessionName}}') : identity.canonicalArn);
    const username = renderUsername(template, identity);
    const principalId = identity.userId ? (identity.sessionName ? `${identity.userId}:${identity.sessionName}` : identity.userId) : undefined;
    return {
      username,
      uid: `aws-iam-authenticator:${identity.accountId}:${identity.userId ?? identity.accessKeyId}`,
      groups: [...(entry.groups ?? [])],
      extra: {
        accessKeyId: [identity.accessKeyId],
        arn: [identity.arn],
        canonicalArn: [identity.canonicalArn],
        sessionName: [identity.sessionName],
        ...(principalId ? { principalId: [principalId] } : {}),
      },
    };
  }
}

/** Fills an access entry's username template; a template needing a session name fails for IAM users. */
function renderUsername(template: string, identity: Identity): string {
  if (/\{\{SessionName(Raw)?\}\}/.test(template) && !identity.sessionName) {
    throw new TokenInvalidError('username template needs a session name');
  }
  return template
    .replaceAll('{{AccountID}}', identity.accountId)
    .replaceAll('{{SessionNameRaw}}', identity.sessionName)
    .replaceAll('{{SessionName}}', identity.sessionName.replaceAll('@', '-'))
    .replaceAll('{{AccessKeyID}}', identity.accessKeyId);
}
