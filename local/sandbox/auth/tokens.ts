/**
 * ServiceAccount tokens as kube-apiserver issues and checks them, plus static admin tokens.
 *
 * - Bound tokens (TokenRequest, `kubectl create token`): short-lived RS256 JWTs with the
 *   `kubernetes.io` claim; valid only while the ServiceAccount (and any bound Pod/Secret) still
 *   exists with the same uid, so deleting the ServiceAccount revokes its tokens.
 * - Legacy tokens (`kubernetes.io/service-account-token` Secrets): non-expiring JWTs that stay
 *   valid only while the Secret still holds exactly that token and the ServiceAccount exists.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { KubeObject, UserInfo } from '../types.ts';
import { TokenInvalidError, TokenRequestInvalidError } from './errors.ts';
import { type JwtClaims, peekClaims, publicJwk, type RsaSigningKey, rsaSigningKey, signJwt, verifyJwtSignature } from './jwt.ts';

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const LEGACY_SERVICE_ACCOUNT_ISSUER = 'kubernetes/serviceaccount';
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** TokenRequest's defaulted spec.expirationSeconds. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** kube-apiserver's validation floor and ceiling for spec.expirationSeconds. */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
export const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;
/** go-jose's default leeway, which kube-apiserver's validator uses for exp/nbf/iat. */
export const TOKEN_CLOCK_LEEWAY_SECONDS = 60;
export const SERVICE_ACCOUNT_TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
/** Label the legacy-token cleaner puts on Secrets whose token must no longer authenticate. */
export const LEGACY_TOKEN_INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';

export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';
export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';

const KUBE_CLAIM = 'kubernetes.io';
const LEGACY_CLAIM_PREFIX = 'kubernetes.io/serviceaccount/';
const LEGACY_NAMESPACE_CLAIM = `${LEGACY_CLAIM_PREFIX}namespace`;
const LEGACY_SECRET_NAME_CLAIM = `${LEGACY_CLAIM_PREFIX}secret.name`;
const LEGACY_SA_NAME_CLAIM = `${LEGACY_CLAIM_PREFIX}service-account.name`;
const LEGACY_SA_UID_CLAIM = `${LEGACY_CLAIM_PREFIX}service-account.uid`;
const EXPIRATION_FIELD = 'spec.expirationSeconds';
const BOUND_OBJECT_FIELD = 'spec.boundObjectRef.kind';
const BOUND_OBJECT_KINDS = ['Pod', 'Secret', 'Node'] as const;
const MS_PER_SECOND = 1000;

type MaybePromise<T> = T | Promise<T>;

export type Clock = () => Date;

export type ServiceAccountRef = { namespace: string; name: string; uid: string };

export type BoundObjectRef = { kind: (typeof BOUND_OBJECT_KINDS)[number]; name: string; uid: string; apiVersion?: string };

/** The parts of a TokenRequest's spec the issuer honours. */
export type TokenRequestSpec = { audiences?: string[]; expirationSeconds?: number; boundObjectRef?: BoundObjectRef };

/** What goes back into the TokenRequest: status.token, status.expirationTimestamp and the defaulted spec. */
export type IssuedToken = { token: string; expirationTimestamp: string; audiences: string[]; expirationSeconds: number };

/**
 * Store reads the verifier needs. Each returns the live object or undefined when absent; sync or
 * async. `object` is only asked for when a token is bound to a Pod, Secret or Node.
 */
export type ServiceAccountTokenLookups = {
  serviceAccount(namespace: string, name: string): MaybePromise<KubeObject | undefined>;
  secret(namespace: string, name: string): MaybePromise<KubeObject | undefined>;
  object?(kind: BoundObjectRef['kind'], namespace: string, name: string): MaybePromise<KubeObject | undefined>;
};

export type ServiceAccountTokenIssuerOptions = {
  /** PEM private key (PKCS#1 or PKCS#8), e.g. Pki.serviceAccountKey.privateKeyPem. */
  signingKeyPem: string;
  issuer?: string;
  /** kube-apiserver's --api-audiences: what tokens default to and what the authenticator accepts. Default [issuer]. */
  apiAudiences?: string[];
  clock?: Clock;
};

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;
}

/** The groups kube-apiserver gives every ServiceAccount user (system:authenticated is added later). */
export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** Splits `system:serviceaccount:<ns>:<name>`; undefined for any other user name. */
export function parseServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) return undefined;
  const parts = username.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isBeingDeleted(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
}

/** Issues and verifies ServiceAccount JWTs with one RSA key. */
export class ServiceAccountTokenIssuer {
  readonly issuer: string;
  readonly apiAudiences: string[];
  private readonly key: RsaSigningKey;
  private readonly clock: Clock;

  constructor(options: ServiceAccountTokenIssuerOptions) {
    this.key = rsaSigningKey(options.signingKeyPem);
    this.issuer = options.issuer ?? SERVICE_ACCOUNT_ISSUER;
    this.apiAudiences = options.apiAudiences ?? [this.issuer];
    this.clock = options.clock ?? (() => new Date());
  }

  get keyId(): string {
    return this.key.keyId;
  }

  /**
   * A bound token as TokenRequest returns it. Throws TokenRequestInvalidError (→ 422) for an
   * expirationSeconds outside [600, 2^32] or an unsupported bound object kind.
   */
  issue(sa: ServiceAccountRef, spec: TokenRequestSpec = {}): IssuedToken {
    const expirationSeconds = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_TOKEN_EXPIRATION_SECONDS) {
      throw new TokenRequestInvalidError(EXPIRATION_FIELD, expirationSeconds, 'may not specify a duration less than 10 minutes');
    }
    if (expirationSeconds > MAX_TOKEN_EXPIRATION_SECONDS) {
      throw new TokenRequestInvalidError(EXPIRATION_FIELD, expirationSeconds, 'may not specify a duration larger than 2^32 seconds');
    }
    const bound = spec.boundObjectRef;
    if (bound && !BOUND_OBJECT_KINDS.includes(bound.kind)) {
      throw new TokenRequestInvalidError(BOUND_OBJECT_FIELD, bound.kind, 'supported values: "Pod", "Secret", "Node"');
    }
    const audiences = spec.audiences && spec.audiences.length > 0 ? [...spec.audiences] : [...this.apiAudiences];
    const nowSeconds = Math.floor(this.clock().getTime() / MS_PER_SECOND);
    const exp = nowSeconds + expirationSeconds;
    const kube: Record<string, unknown> = { namespace: sa.namespace, serviceaccount: { name: sa.name, uid: sa.uid } };
    if (bound) kube[bound.kind.toLowerCase()] = { name: bound.name, uid: bound.uid };
    const claims: JwtClaims = {
      aud: audiences,
      exp,
      iat: nowSeconds,
      iss: this.issuer,
      jti: randomUUID(),
      [KUBE_CLAIM]: kube,
      nbf: nowSeconds,
      sub: serviceAccountUsername(sa.namespace, sa.name),
    };
    return {
      token: signJwt(claims, this.key),
      expirationTimestamp: new Date(exp * MS_PER_SECOND).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      audiences,
      expirationSeconds,
    };
  }

  /** The token the token controller stores (base64) in a `kubernetes.io/service-account-token` Secret's data.token. */
  issueLegacy(sa: ServiceAccountRef, secretName: string): string {
    return signJwt(
      {
        iss: LEGACY_SERVICE_ACCOUNT_ISSUER,
        [LEGACY_NAMESPACE_CLAIM]: sa.namespace,
        [LEGACY_SECRET_NAME_CLAIM]: secretName,
        [LEGACY_SA_NAME_CLAIM]: sa.name,
        [LEGACY_SA_UID_CLAIM]: sa.uid,
        sub: serviceAccountUsername(sa.namespace, sa.name),
      },
      this.key,
    );
  }

  /** Whether a bearer token claims to come from this issuer (bound or legacy), so the authenticator can route it. */
  isServiceAccountToken(token: string): boolean {
    try {
      const iss = peekClaims(token)['iss'];
      return iss === this.issuer || iss === LEGACY_SERVICE_ACCOUNT_ISSUER;
    } catch {
      return false;
    }
  }

  /**
   * Verifies a bound or legacy token and returns the ServiceAccount user (groups without
   * system:authenticated). `audiences` defaults to the API audiences, as for requests; pass a
   * TokenReview's spec.audiences to check those instead. Throws TokenInvalidError.
   */
  async verify(token: string, lookups: ServiceAccountTokenLookups, audiences?: string[]): Promise<UserInfo & { audiences: string[] }> {
    const claims = verifyJwtSignature(token, this.key.publicKey);
    const requested = audiences ?? this.apiAudiences;
    if (claims['iss'] === LEGACY_SERVICE_ACCOUNT_ISSUER) {
      // Legacy tokens carry no aud; kube-apiserver treats them as issued for its own audiences only.
      const matched = requested.filter((a) => this.apiAudiences.includes(a));
      if (matched.length === 0) throw new TokenInvalidError('token audiences are not accepted');
      return { ...(await this.verifyLegacy(token, claims, lookups)), audiences: matched };
    }
    if (claims['iss'] !== this.issuer) throw new TokenInvalidError('unknown issuer');
    const matched = this.checkTimeAndAudience(claims, requested);
    const kube = claims[KUBE_CLAIM] as Record<string, any> | undefined;
    const namespace = str(kube?.['namespace']);
    const saName = str(kube?.['serviceaccount']?.name);
    const saUid = str(kube?.['serviceaccount']?.uid);
    if (!namespace || !saName || !saUid || claims['sub'] !== serviceAccountUsername(namespace, saName)) {
      throw new TokenInvalidError('malformed kubernetes.io claim');
    }
    const sa = await lookups.serviceAccount(namespace, saName);
    if (!sa || sa.metadata.uid !== saUid || isBeingDeleted(sa)) throw new TokenInvalidError('service account no longer exists');
    const extra: Record<string, string[]> = {};
    for (const kind of BOUND_OBJECT_KINDS) {
      const ref = kube?.[kind.toLowerCase()] as { name?: string; uid?: string } | undefined;
      if (!ref) continue;
      await this.checkBoundObject(kind, namespace, ref, lookups);
      if (kind === 'Pod') {
        extra[EXTRA_POD_NAME] = [ref.name ?? ''];
        extra[EXTRA_POD_UID] = [ref.uid ?? ''];
      } else if (kind === 'Node') {
        extra[EXTRA_NODE_NAME] = [ref.name ?? ''];
        extra[EXTRA_NODE_UID] = [ref.uid ?? ''];
      }
    }
    const jti = str(claims['jti']);
    if (jti) extra[EXTRA_CREDENTIAL_ID] = [`JTI=${jti}`];
    return {
      username: serviceAccountUsername(namespace, saName),
      uid: saUid,
      groups: serviceAccountGroups(namespace),
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
      audiences: matched,
    };
  }

  private checkTimeAndAudience(claims: JwtClaims, accepted: string[]): string[] {
    const now = this.clock().getTime() / MS_PER_SECOND;
    const exp = claims['exp'];
    const nbf = claims['nbf'];
    const iat = claims['iat'];
    if (typeof exp !== 'number' || now > exp + TOKEN_CLOCK_LEEWAY_SECONDS) throw new TokenInvalidError('token has expired');
    if (typeof nbf === 'number' && now < nbf - TOKEN_CLOCK_LEEWAY_SECONDS) throw new TokenInvalidError('token is not valid yet');
    if (typeof iat === 'number' && now < iat - TOKEN_CLOCK_LEEWAY_SECONDS) throw new TokenInvalidError('token issued in the future');
    const aud = claims['aud'];
    const tokenAudiences = Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : typeof aud === 'string' ? [aud] : [];
    const matched = accepted.filter((a) => tokenAudiences.includes(a));
    if (matched.length === 0) throw new TokenInvalidError('token audiences are not accepted');
    return matched;
  }

  private async checkBoundObject(kind: BoundObjectRef['kind'], namespace: string, ref: { name?: string; uid?: string }, lookups: ServiceAccountTokenLookups): Promise<void> {
    if (!ref.name || !ref.uid) throw new TokenInvalidError(`malformed ${kind.toLowerCase()} reference`);
    const obj = kind === 'Secret' ? await lookups.secret(namespace, ref.name) : lookups.object ? await lookups.object(kind, namespace, ref.name) : undefined;
    if (!obj || obj.metadata.uid !== ref.uid || isBeingDeleted(obj)) {
      throw new TokenInvalidError(`bound ${kind.toLowerCase()} no longer exists`);
    }
  }

  private async verifyLegacy(token: string, claims: JwtClaims, lookups: ServiceAccountTokenLookups): Promise<UserInfo> {
    const namespace = str(claims[LEGACY_NAMESPACE_CLAIM]);
    const secretName = str(claims[LEGACY_SECRET_NAME_CLAIM]);
    const saName = str(claims[LEGACY_SA_NAME_CLAIM]);
    const saUid = str(claims[LEGACY_SA_UID_CLAIM]);
    if (!namespace || !secretName || !saName || !saUid || claims['sub'] !== serviceAccountUsername(namespace, saName)) {
      throw new TokenInvalidError('malformed legacy token claims');
    }
    const secret = await lookups.secret(namespace, secretName);
    if (!secret || isBeingDeleted(secret) || secret.metadata.labels?.[LEGACY_TOKEN_INVALID_SINCE_LABEL] !== undefined) {
      throw new TokenInvalidError('token secret no longer exists');
    }
    const stored = str(secret['data']?.token);
    if (!stored || !constantTimeEqual(Buffer.from(stored, 'base64').toString('utf8'), token)) {
      throw new TokenInvalidError('token does not match its secret');
    }
    const sa = await lookups.serviceAccount(namespace, saName);
    if (!sa || sa.metadata.uid !== saUid || isBeingDeleted(sa)) throw new TokenInvalidError('service account no longer exists');
    return { username: serviceAccountUsername(namespace, saName), uid: saUid, groups: serviceAccountGroups(namespace) };
  }

  /** Body of /openid/v1/jwks. */
  jwks(): { keys: Record<string, string>[] } {
    return { keys: [publicJwk(this.key)] };
  }

  /** Body of /.well-known/openid-configuration, as kube-apiserver serves it. */
  openidConfiguration(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * kube-apiserver's --token-auth-file: fixed bearer tokens mapped to users. Tokens are kept only as
 * SHA-256 digests so the map lookup leaks no timing about the secret itself.
 */
export class StaticTokens {
  private readonly users = new Map<string, UserInfo>();

  constructor(tokens: Record<string, UserInfo> | Map<string, UserInfo> = {}) {
    const entries = tokens instanceof Map ? [...tokens.entries()] : Object.entries(tokens);
    for (const [token, user] of entries) this.add(token, user);
  }

  add(token: string, user: UserInfo): void {
    this.users.set(digest(token), { ...user, groups: [...user.groups] });
  }

  lookup(token: string): UserInfo | undefined {
    const user = this.users.get(digest(token));
    return user ? { ...user, groups: [...user.groups] } : undefined;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
