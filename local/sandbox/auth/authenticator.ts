/**
 * Request authentication in kube-apiserver's order: client certificate, then bearer token (static,
 * ServiceAccount JWT, legacy ServiceAccount Secret token, EKS), then HTTP Basic. The first
 * credential that authenticates wins; a presented credential that fails makes the request
 * unauthorized unless a later one succeeds (kube's union authenticator); no credential at all is
 * anonymous. The caller learns nothing about which check failed.
 */
import type { UserInfo } from '../types.ts';
import { type BasicUsers, parseBasicAuthorization } from './basic.ts';
import { type EksAuthConfig, EksTokenVerifier } from './eks.ts';
import { TokenInvalidError } from './errors.ts';
import { looksLikeJwt } from './jwt.ts';
import { type ServiceAccountTokenIssuer, type ServiceAccountTokenLookups, StaticTokens } from './tokens.ts';

export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const ANONYMOUS_USERNAME = 'system:anonymous';
export const MASTERS_GROUP = 'system:masters';
export const ANONYMOUS_USER: Readonly<UserInfo> = Object.freeze({ username: ANONYMOUS_USERNAME, groups: [UNAUTHENTICATED_GROUP] });
const BEARER_SCHEME = 'bearer';

/** The fields of Node's `tls.TLSSocket#getPeerCertificate()` result read here; `{}` means no certificate. */
export type PeerCertificateLike = {
  subject?: Record<string, string | string[] | undefined> | null;
  raw?: Buffer;
};

export type AuthenticationRequest = {
  /** The raw Authorization header, if any. */
  authorization?: string;
  /** `socket.getPeerCertificate()`; undefined or `{}` when the client sent none. */
  peerCertificate?: PeerCertificateLike | null;
  /** `socket.authorized`: the certificate chains to the sandbox CA (server `ca` option). */
  peerAuthorized: boolean;
};

export type AuthenticationResult = { user: UserInfo } | { error: 'unauthorized' } | { anonymous: true };

export type AuthenticatorOptions = {
  /** kube-apiserver's --token-auth-file equivalent, e.g. the admin token. */
  staticTokens?: StaticTokens | Record<string, UserInfo>;
  /** ServiceAccount tokens (bound and legacy) and the store reads that keep them revocable. */
  serviceAccounts?: { issuer: ServiceAccountTokenIssuer; lookups: ServiceAccountTokenLookups };
  basicUsers?: BasicUsers;
  eks?: EksTokenVerifier | EksAuthConfig;
  /** kube-apiserver's --anonymous-auth (default true): whether credential-less requests are anonymous or unauthorized. */
  anonymous?: boolean;
  /** Told why a presented credential failed, for server logs. Never sent to clients. */
  onFailure?: (method: AuthMethod, reason: string) => void;
};

export type AuthMethod = 'x509' | 'token' | 'basic';

type Attempt = { user: UserInfo } | { failed: string } | undefined;

/** Appends system:authenticated as kube's AuthenticatedGroupAdder does. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  const groups = user.groups.includes(AUTHENTICATED_GROUP) ? [...user.groups] : [...user.groups, AUTHENTICATED_GROUP];
  return { ...user, groups };
}

/** Extracts the bearer token the way kube's bearertoken authenticator does; undefined if none. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const auth = (authorization ?? '').trim();
  if (!auth) return undefined;
  const parts = auth.split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== BEARER_SCHEME) return undefined;
  return parts[1] ? parts[1] : undefined;
}

function subjectValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function hasCertificate(cert: PeerCertificateLike | null | undefined): cert is PeerCertificateLike {
  return !!cert && (cert.raw !== undefined || (!!cert.subject && Object.keys(cert.subject).length > 0));
}

export class Authenticator {
  private readonly staticTokens: StaticTokens;
  private readonly serviceAccounts: AuthenticatorOptions['serviceAccounts'];
  private readonly basicUsers: BasicUsers | undefined;
  private readonly eks: EksTokenVerifier | undefined;
  private readonly anonymous: boolean;
  private readonly onFailure: NonNullable<AuthenticatorOptions['onFailure']>;

  constructor(options: AuthenticatorOptions = {}) {
    this.staticTokens = options.staticTokens instanceof StaticTokens ? options.staticTokens : new StaticTokens(options.staticTokens ?? {});
    this.serviceAccounts = options.serviceAccounts;
    this.basicUsers = options.basicUsers;
    this.eks = options.eks === undefined ? undefined : options.eks instanceof EksTokenVerifier ? options.eks : new EksTokenVerifier(options.eks);
    this.anonymous = options.anonymous ?? true;
    this.onFailure = options.onFailure ?? (() => {});
  }

  async authenticate(request: AuthenticationRequest): Promise<AuthenticationResult> {
    let failed = false;
    const attempts: [AuthMethod, () => Attempt | Promise<Attempt>][] = [
      ['x509', () => this.fromCertificate(request)],
      ['token', () => this.fromBearer(request.authorization)],
      ['basic', () => this.fromBasic(request.authorization)],
    ];
    for (const [method, attempt] of attempts) {
      const result = await attempt();
      if (result === undefined) continue;
      if ('user' in result) return { user: withAuthenticatedGroup(result.user) };
      failed = true;
      this.onFailure(method, result.failed);
    }
    if (failed || !this.anonymous) return { error: 'unauthorized' };
    return { anonymous: true };
  }

  /**
   * TokenReview: the user a bearer token stands for, or undefined. `audiences` (spec.audiences)
   * applies to ServiceAccount tokens; the returned audiences are those the token matched.
   */
  async authenticateToken(token: string, audiences?: string[]): Promise<{ user: UserInfo; audiences: string[] } | undefined> {
    const result = await this.tokenUser(token, audiences);
    if (!('user' in result)) {
      this.onFailure('token', result.failed);
      return undefined;
    }
    // Tokens other than ServiceAccount ones are valid for whatever the review asked, as in kube.
    const implicit = this.serviceAccounts?.issuer.apiAudiences ?? [];
    return { user: withAuthenticatedGroup(result.user), audiences: result.audiences ?? audiences ?? implicit };
  }

  private fromCertificate(request: AuthenticationRequest): Attempt {
    const cert = request.peerCertificate;
    if (!hasCertificate(cert)) return undefined;
    if (!request.peerAuthorized) return { failed: 'client certificate not signed by the sandbox CA' };
    const username = subjectValues(cert.subject?.['CN'] ?? undefined)[0];
    if (!username) return undefined;
    return { user: { username, groups: subjectValues(cert.subject?.['O'] ?? undefined) } };
  }

  private async fromBearer(authorization: string | undefined): Promise<Attempt> {
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const result = await this.tokenUser(token);
    return 'user' in result ? { user: result.user } : result;
  }

  private async tokenUser(token: string, audiences?: string[]): Promise<{ user: UserInfo; audiences?: string[] } | { failed: string }> {
    const fixed = this.staticTokens.lookup(token);
    if (fixed) return { user: fixed };
    try {
      if (this.eks && EksTokenVerifier.isEksToken(token)) return { user: await this.eks.verify(token) };
      if (this.serviceAccounts && looksLikeJwt(token) && this.serviceAccounts.issuer.isServiceAccountToken(token)) {
        const { audiences: matched, ...user } = await this.serviceAccounts.issuer.verify(token, this.serviceAccounts.lookups, audiences);
        return { user, audiences: matched };
      }
    } catch (err) {
      if (err instanceof TokenInvalidError) return { failed: err.message };
      throw err;
    }
    return { failed: 'invalid bearer token' };
  }

  private async fromBasic(authorization: string | undefined): Promise<Attempt> {
    if (!authorization) return undefined;
    const creds = parseBasicAuthorization(authorization.trim());
    if (!creds) return undefined;
    const user = this.basicUsers ? await this.basicUsers.verify(creds.username, creds.password) : undefined;
    return user ? { user } : { failed: 'invalid username or password' };
  }
}
