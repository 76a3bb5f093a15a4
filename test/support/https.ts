/**
 * Raw HTTPS requests to a sandbox, for protocol checks that a typed client would hide
 * (status codes, headers, exact bodies, client certificates, connection resets).
 */

import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type RawRequest = {
  method?: string;
  /** Path with query, e.g. `/api/v1/namespaces?limit=1`. */
  path: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as HTTP Basic. */
  basic?: { username: string; password: string };
  /** Client certificate and key (PEM). */
  cert?: { certPem: string; keyPem: string };
  headers?: Record<string, string>;
  /** Objects are sent as JSON unless a Content-Type header says otherwise. */
  body?: unknown;
};

export type RawResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
  /** Milliseconds from sending the request to the end of the response. */
  elapsedMs: number;
};

/** One request on a fresh connection (no keep-alive), verifying the server against `caPem`. */
export function rawRequest(target: { url: string; caPem: string }, r: RawRequest): Promise<RawResponse> {
  const url = new URL(r.path, target.url);
  const headers: Record<string, string> = { Accept: 'application/json', ...(r.headers ?? {}) };
  if (r.token !== undefined) headers['Authorization'] = `Bearer ${r.token}`;
  if (r.basic) headers['Authorization'] = `Basic ${Buffer.from(`${r.basic.username}:${r.basic.password}`).toString('base64')}`;
  let payload: Buffer | undefined;
  if (r.body !== undefined) {
    payload = Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(payload.length);
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: r.method ?? 'GET',
        headers,
        ca: target.caPem,
        agent: false,
        ...(r.cert ? { cert: r.cert.certPem, key: r.cert.keyPem } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, elapsedMs: performance.now() - started });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
