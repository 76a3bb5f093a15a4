/**
 * AWS Signature Version 4 as API Gateway's IAM authorization checks it, for requests signed in
 * the Authorization header (what the SDK, the AWS CLI and `curl --aws-sigv4` send). The
 * canonical request is not rebuilt by hand: the request is signed again with
 * @smithy/signature-v4 — the signer of the SDK itself — over exactly the headers the client
 * listed in SignedHeaders, with the stored secret, and the two signatures are compared in
 * constant time. Around that, the checks AWS makes: the credential scope (date, region,
 * service), the clock skew of X-Amz-Date, the session token, and the body: its SHA-256 is
 * computed here, and a client's X-Amz-Content-Sha256 must be that hash, so a body changed on the
 * way fails.
 *
 * Failures carry API Gateway's own messages and nothing else: never the secret, the canonical
 * request or the expected signature.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Who signs with an access key, and with what. */
export type Principal = {
  secretAccessKey: string;
  /** Temporary credentials carry a token; a request must then send it as X-Amz-Security-Token. */
  sessionToken?: string;
  /** The IAM user or assumed-role session ARN the authorizer reports as `userArn`. */
  principalArn: string;
};

/** Principals by access key id. */
export type Principals = Readonly<Record<string, Principal>>;

/** A request as it arrived: the path and query still encoded, header names lower-case (repeated headers as several entries). */
export type ReceivedRequest = {
  method: string;
  /** The path as sent, without the query: `/roles/arn%3Aaws...`. */
  rawPath: string;
  /** The query string as sent, without "?". */
  rawQuery: string;
  headers: readonly (readonly [string, string])[];
  body: Buffer;
};

export type VerifyOptions = {
  principals: Principals;
  region: string;
  /** `execute-api` for API Gateway. */
  service?: string;
  now?: Date;
  /** How far X-Amz-Date may be from now. */
  maxSkewMs?: number;
};

export type Verdict = { ok: true; accessKeyId: string; principal: Principal } | { ok: false; message: string };

export const SERVICE = 'execute-api';
/** API Gateway allows five minutes between X-Amz-Date and its own clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const REQUIRED_PARAMETERS = ['Credential', 'Signature', 'SignedHeaders'] as const;

/** What API Gateway answers; `forbidden` when the request carries no signature at all. */
export const MESSAGES = {
  forbidden: 'Forbidden',
  mismatch: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  invalidToken: 'The security token included in the request is invalid.',
  missingDate: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  region: 'Credential should be scoped to a valid region.',
} as const;

/** Repeated headers are one value joined with ",", as SigV4 canonicalizes them. */
function headerMap(headers: ReceivedRequest['headers']): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const previous = map.get(key);
    map.set(key, previous === undefined ? value : `${previous},${value}`);
  }
  return map;
}

/** `Credential=..., SignedHeaders=..., Signature=...` → parameters; undefined when not SigV4. */
function parseAuthorization(value: string): Map<string, string> | undefined {
  if (!value.startsWith(`${ALGORITHM} `)) return undefined;
  const parameters = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const index = part.indexOf('=');
    if (index > 0) parameters.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return parameters;
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const amzDate = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** API Gateway's wording for a date outside the window, with the same three times it names. */
function skewProblem(signed: Date, now: Date, maxSkewMs: number): string | undefined {
  const minutes = Math.round(maxSkewMs / 60_000);
  if (signed.getTime() < now.getTime() - maxSkewMs) {
    return `Signature expired: ${amzDate(signed)} is now earlier than ${amzDate(new Date(now.getTime() - maxSkewMs))} (${amzDate(now)} - ${minutes} min.)`;
  }
  if (signed.getTime() > now.getTime() + maxSkewMs) {
    return `Signature not yet current: ${amzDate(signed)} is still later than ${amzDate(new Date(now.getTime() + maxSkewMs))} (${amzDate(now)} + ${minutes} min.)`;
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Query parameters decoded, repeated keys kept, `?flag` as an empty value (SigV4 signs `flag=`). */
function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const index = pair.indexOf('=');
    const key = decodeQueryPart(index < 0 ? pair : pair.slice(0, index));
    const value = index < 0 ? '' : decodeQueryPart(pair.slice(index + 1));
    const previous = query[key];
    query[key] = previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return query;
}

function decodeQueryPart(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The signature the client should have sent, computed with the principal's secret. */
async function expectedSignature(
  request: ReceivedRequest,
  headers: Map<string, string>,
  signedHeaders: string[],
  scope: { accessKeyId: string; region: string; service: string; date: Date },
  secretAccessKey: string,
): Promise<string> {
  const signer = new SignatureV4({
    service: scope.service,
    region: scope.region,
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey },
    sha256: Sha256,
    // The client's own X-Amz-Content-Sha256 is re-signed when it listed it; none is added.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: headers.get('host') ?? '',
      path: request.rawPath,
      query: parseQuery(request.rawQuery),
      headers: Object.fromEntries(signedHeaders.map((name) => [name, headers.get(name)!])),
      body: request.body,
    },
    // Headers the signer would skip (User-Agent, ...) are signed when the client signed them.
    { signingDate: scope.date, signableHeaders: new Set(signedHeaders) },
  );
  return /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization))?.[1] ?? '';
}

/** Whether `request` is signed by a known principal; the message of API Gateway's 403 when not. */
export async function verifySigV4(request: ReceivedRequest, options: VerifyOptions): Promise<Verdict> {
  const fail = (message: string): Verdict => ({ ok: false, message });
  const headers = headerMap(request.headers);
  const authorization = headers.get('authorization');
  if (authorization === undefined) return fail(MESSAGES.forbidden);
  const parameters = parseAuthorization(authorization);
  if (!parameters) return fail(MESSAGES.forbidden);
  const missing = REQUIRED_PARAMETERS.filter((name) => !parameters.get(name));
  if (missing.length) return fail(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));

  const [accessKeyId = '', shortDate = '', region = '', service = '', terminator = '', ...extra] = parameters.get('Credential')!.split('/');
  if (extra.length || !terminator) return fail(`Credential should be scoped with a valid terminator: '${TERMINATOR}'.`);
  if (terminator !== TERMINATOR) return fail(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'.`);
  const dateHeader = headers.get('x-amz-date');
  const signedAt = dateHeader === undefined ? undefined : parseAmzDate(dateHeader);
  if (!signedAt) return fail(MESSAGES.missingDate);
  if (shortDate !== dateHeader!.slice(0, 8)) {
    return fail(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${shortDate}' != '${dateHeader!.slice(0, 8)}', from '${dateHeader}'.`);
  }
  if (region !== options.region) return fail(MESSAGES.region);
  const expectedService = options.service ?? SERVICE;
  if (service !== expectedService) return fail(`Credential should be scoped to correct service: '${expectedService}'.`);

  const principal = Object.hasOwn(options.principals, accessKeyId) ? options.principals[accessKeyId] : undefined;
  if (!principal) return fail(MESSAGES.invalidToken);
  const token = headers.get('x-amz-security-token');
  if (principal.sessionToken !== undefined ? token === undefined || !sameText(token, principal.sessionToken) : token !== undefined) return fail(MESSAGES.invalidToken);

  const skew = skewProblem(signedAt, options.now ?? new Date(), options.maxSkewMs ?? MAX_CLOCK_SKEW_MS);
  if (skew) return fail(skew);

  const signedHeaders = parameters.get('SignedHeaders')!.split(';');
  const signature = parameters.get('Signature')!;
  // Host must be signed (SigV4 requires it); every signed header must be there to be checked.
  if (!signedHeaders.includes('host') || signedHeaders.some((name) => !headers.has(name)) || !SIGNATURE.test(signature)) return fail(MESSAGES.mismatch);
  const claimedHash = headers.get('x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash.toLowerCase() !== createHash('sha256').update(request.body).digest('hex')) return fail(MESSAGES.mismatch);

  const expected = await expectedSignature(request, headers, signedHeaders, { accessKeyId, region, service, date: signedAt }, principal.secretAccessKey);
  return sameText(expected, signature) ? { ok: true, accessKeyId, principal } : fail(MESSAGES.mismatch);
}
