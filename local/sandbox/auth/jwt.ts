/**
 * Minimal RS256 JSON Web Tokens: just what ServiceAccount tokens need. Written here rather than
 * pulled in as a dependency because the sandbox only ever signs with its own RSA key and only
 * ever accepts RS256, which keeps algorithm-confusion attacks (`alg: none`, HS256 with the public
 * key) out by construction.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { TokenInvalidError } from './errors.ts';

export const JWT_ALGORITHM = 'RS256';
const NODE_DIGEST = 'sha256';
/** Three dot-separated base64url segments; anything else is not a JWT. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export type JwtClaims = Record<string, unknown>;

export type RsaSigningKey = { privateKey: KeyObject; publicKey: KeyObject; keyId: string };

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * kube-apiserver's key id: base64url(SHA-256(DER SubjectPublicKeyInfo)). Clients that fetch
 * /openid/v1/jwks match keys by this id.
 */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash(NODE_DIGEST)
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url');
}

export function rsaSigningKey(privateKeyPem: string): RsaSigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function signJwt(claims: JwtClaims, key: RsaSigningKey): string {
  const header = base64url(JSON.stringify({ alg: JWT_ALGORITHM, kid: key.keyId }));
  const payload = base64url(JSON.stringify(claims));
  const signature = sign(NODE_DIGEST, Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${base64url(signature)}`;
}

/** Whether a bearer token has the shape of a JWT, so other token kinds are not mis-parsed. */
export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token);
}

function parseSegment(segment: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (cause) {
    throw new TokenInvalidError(`malformed JWT ${what}`, { cause });
  }
  throw new TokenInvalidError(`malformed JWT ${what}`);
}

/** Reads the claims without checking the signature; only for routing a token to its verifier. */
export function peekClaims(token: string): JwtClaims {
  if (!looksLikeJwt(token)) throw new TokenInvalidError('not a JWT');
  return parseSegment(token.split('.')[1]!, 'payload');
}

/** Checks the RS256 signature against the key and returns the claims; throws TokenInvalidError. */
export function verifyJwtSignature(token: string, publicKey: KeyObject): JwtClaims {
  if (!looksLikeJwt(token)) throw new TokenInvalidError('not a JWT');
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const headerJson = parseSegment(header, 'header');
  if (headerJson['alg'] !== JWT_ALGORITHM) throw new TokenInvalidError('unsupported JWT algorithm');
  const ok = verify(NODE_DIGEST, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'));
  if (!ok) throw new TokenInvalidError('invalid JWT signature');
  return parseSegment(payload, 'payload');
}

/** The public key as a JWK, for /openid/v1/jwks. */
export function publicJwk(key: RsaSigningKey): Record<string, string> {
  const jwk = key.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { use: 'sig', kty: 'RSA', kid: key.keyId, alg: JWT_ALGORITHM, n: jwk['n']!, e: jwk['e']! };
}
