/**
 * HTTP requests to an API Gateway (the local one) signed the way the AWS SDK signs them: with
 * @smithy/signature-v4, the SDK's own signer, for the `execute-api` service, X-Amz-Content-Sha256
 * included. `rawHttp` sends exactly what it is given (tampering tests, unsigned requests).
 */
import { request as httpRequest } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export type TestCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export type HttpResult = { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: any };

export type PlainRequest = { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer };

export type SignedRequestInput = {
  method: string;
  /** The path as it goes on the wire (already percent-encoded where needed). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  credentials: TestCredentials;
  region: string;
  service?: string;
  signingDate?: Date;
};

/** RFC 3986 encoding (what SigV4 canonicalizes to): encodeURIComponent plus !'()*. */
export const rfc3986 = (value: string): string => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function rawHttp(baseUrl: string, request: PlainRequest): Promise<HttpResult> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers: request.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(request.body);
  });
}

/** The headers (Authorization and the rest) the SDK would send for `input`. */
export async function signHeaders(baseUrl: string, input: SignedRequestInput): Promise<Record<string, string>> {
  const url = new URL(baseUrl);
  const signer = new SignatureV4({ service: input.service ?? 'execute-api', region: input.region, credentials: input.credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: input.path,
      query: input.query ?? {},
      headers: { host: url.host, ...(input.body !== undefined ? { 'content-type': 'application/json' } : {}), ...input.headers },
      body: input.body,
    },
    input.signingDate ? { signingDate: input.signingDate } : {},
  );
  return signed.headers as Record<string, string>;
}

export const wirePath = (path: string, query: Record<string, string> = {}): string => {
  const text = Object.entries(query)
    .map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`)
    .join('&');
  return text ? `${path}?${text}` : path;
};

/** Signs `input` as the SDK does and sends it. */
export async function signedHttp(baseUrl: string, input: SignedRequestInput): Promise<HttpResult> {
  const headers = await signHeaders(baseUrl, input);
  return rawHttp(baseUrl, { method: input.method, path: wirePath(input.path, input.query), headers, body: input.body });
}
