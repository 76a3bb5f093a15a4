/**
 * EKS authentication the way `aws eks get-token` and aws-iam-authenticator do it: a bearer
 * token that is `k8s-aws-v1.` + base64url(presigned STS GetCallerIdentity URL), signed with
 * SigV4 over the `x-k8s-aws-id: <cluster>` header, so EKS can ask STS who signed it.
 *
 * AWS calls (AssumeRole, DescribeCluster) go through the small function types below, which the
 * caller builds once from its SDK clients (aws.ts) and tests replace with hand-written fakes.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ClusterAccessError, ClusterUnavailableError } from '#domain/errors.ts';
import type { Account } from '#domain/model.ts';

export type EksAccount = Extract<Account, { kind: 'eks' }>;

export type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

/** sts:AssumeRole; `sourceCredentials` are the account's explicit keys, the caller's own when absent. */
export type AssumeRole = (request: { roleArn: string; sessionName: string; durationSeconds: number; sourceCredentials?: AwsCredentials }) => Promise<AwsCredentials & { expiration: Date }>;

/** eks:DescribeCluster, reduced to what a connection needs. `caData` is base64 PEM, as EKS returns it. */
export type DescribeCluster = (request: { clusterName: string; region: string }) => Promise<{ endpoint: string; caData?: string }>;

/** The caller's own credentials (the SDK's default provider chain), for accounts without keys or role. */
export type CredentialsProvider = () => Promise<AwsCredentials>;

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/** What aws-iam-authenticator passes to Presign; STS honours the URL 15 minutes regardless. */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** kubectl's cache lifetime for these tokens: one minute before STS stops accepting the URL. */
export const TOKEN_LIFETIME_MS = 14 * 60 * 1000;
/** Refresh role credentials this long before they expire, so a token never outlives its keys. */
export const CREDENTIALS_REFRESH_MARGIN_MS = 5 * 60 * 1000;
/** Role sessions long enough for several tokens; STS's default for AssumeRole. */
export const ROLE_SESSION_SECONDS = 3600;
const STS_ACTION = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
const SESSION_NAME_PREFIX = 'conveyor-';
const MAX_SESSION_NAME = 64;

function stsHost(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** RFC 3986 query encoding, the form STS and aws-iam-authenticator expect. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One token, exactly as `aws eks get-token --cluster-name <name> --region <region>` prints it. */
export async function presignEksToken(clusterName: string, region: string, credentials: AwsCredentials, now: Date): Promise<string> {
  const host = stsHost(region);
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  const signer = new SignatureV4({ service: 'sts', region, sha256: Sha256, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } });
  const signed = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname: host, path: '/', query: { ...STS_ACTION }, headers: { host, [CLUSTER_ID_HEADER]: clusterName } },
    { signingDate: now, expiresIn: PRESIGN_EXPIRES_SECONDS },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encode(k)}=${encode(String(v))}`)
    .sort()
    .join('&');
  return EKS_TOKEN_PREFIX + Buffer.from(`https://${host}/?${query}`).toString('base64url');
}

/** A stable, valid RoleSessionName (`[\w+=,.@-]{2,64}`) so CloudTrail and access entries can tell targets apart. */
export function roleSessionName(targetName: string): string {
  return (SESSION_NAME_PREFIX + targetName.replace(/[^\w+=,.@-]/g, '-')).slice(0, MAX_SESSION_NAME);
}

export type EksTokenSourceOptions = {
  account: EksAccount;
  /** Names the role session (`conveyor-<target>`) and error messages. */
  targetName: string;
  assumeRole?: AssumeRole;
  defaultCredentials?: CredentialsProvider;
  /** Injected for tests; Date.now by default. */
  now?: () => number;
};

/**
 * Mints and caches EKS tokens for one account. Tokens are reused for 14 minutes (or until the
 * role credentials that signed them are about to expire); concurrent callers share one refresh.
 */
export class EksTokenSource {
  private token?: { value: string; expiresAt: number };
  private roleCredentials?: AwsCredentials & { expiration: Date };
  private pending?: Promise<string>;
  private readonly now: () => number;

  constructor(private readonly options: EksTokenSourceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A valid token, from cache when it has time left. Throws ClusterAccessError / ClusterUnavailableError. */
  async getToken(): Promise<string> {
    if (this.token && this.now() < this.token.expiresAt) return this.token.value;
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Every secret this source holds, for error redaction. */
  secrets(): string[] {
    const c = this.options.account.credentials;
    return [c?.secretAccessKey, c?.sessionToken, this.roleCredentials?.secretAccessKey, this.roleCredentials?.sessionToken, this.token?.value].filter((s): s is string => !!s);
  }

  private async refresh(): Promise<string> {
    const { account } = this.options;
    const credentials = await this.credentials();
    const issuedAt = this.now();
    const value = await presignEksToken(account.clusterName, account.region, credentials, new Date(issuedAt));
    const keysExpire = credentials.expiration ? credentials.expiration.getTime() - CREDENTIALS_REFRESH_MARGIN_MS : Infinity;
    this.token = { value, expiresAt: Math.min(issuedAt + TOKEN_LIFETIME_MS, Math.max(keysExpire, issuedAt)) };
    return value;
  }

  private async credentials(): Promise<AwsCredentials> {
    const { account, assumeRole, defaultCredentials, targetName } = this.options;
    if (!account.roleArn) {
      if (account.credentials) return account.credentials;
      if (!defaultCredentials) throw new ClusterAccessError(`target "${targetName}": the eks account has no credentials and no default credential provider was configured`, 401);
      return awsCall(targetName, 'resolve AWS credentials', defaultCredentials);
    }
    const cached = this.roleCredentials;
    if (cached && this.now() < cached.expiration.getTime() - CREDENTIALS_REFRESH_MARGIN_MS) return cached;
    if (!assumeRole) throw new ClusterAccessError(`target "${targetName}": the eks account names a role but no AssumeRole client was configured`, 403);
    const request = {
      roleArn: account.roleArn,
      sessionName: roleSessionName(targetName),
      durationSeconds: ROLE_SESSION_SECONDS,
      ...(account.credentials ? { sourceCredentials: account.credentials } : {}),
    };
    this.roleCredentials = await awsCall(targetName, `assume role ${account.roleArn}`, () => assumeRole(request));
    return this.roleCredentials;
  }
}

/** Where an EKS target's API server is: the target's URL and CA when given, DescribeCluster otherwise. */
export async function resolveEksEndpoint(account: EksAccount, targetName: string, describeCluster: DescribeCluster | undefined): Promise<{ url: string; caData?: string }> {
  if (!describeCluster) throw new ClusterAccessError(`target "${targetName}": no url and no DescribeCluster client to look up EKS cluster "${account.clusterName}"`, 403);
  const cluster = await awsCall(targetName, `describe EKS cluster "${account.clusterName}"`, () => describeCluster({ clusterName: account.clusterName, region: account.region }));
  return { url: cluster.endpoint, ...(cluster.caData ? { caData: cluster.caData } : {}) };
}

/** AWS error names that mean "these credentials or this role will not work": retrying cannot help. */
const AWS_ACCESS_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'ResourceNotFoundException',
  'CredentialsProviderError',
  'MalformedPolicyDocument',
  'ValidationError',
]);

/** Runs one AWS call and turns its failure into a domain error naming the step (never the keys). */
async function awsCall<T>(targetName: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
    const name = typeof e?.name === 'string' ? e.name : 'Error';
    const message = `target "${targetName}": could not ${what} for the eks account (${name})`;
    const status = e?.$metadata?.httpStatusCode;
    if (AWS_ACCESS_ERRORS.has(name) || (e?.$fault === 'client' && status !== 429)) {
      return Promise.reject(new ClusterAccessError(message, name === 'InvalidClientTokenId' || name === 'ExpiredToken' ? 401 : 403));
    }
    return Promise.reject(new ClusterUnavailableError(message));
  }
}
