/**
 * One HTTP exchange with the API over node:http(s), with a deadline. Headers go out exactly as
 * signed (Host included), which fetch would not allow. The response body is bounded: the
 * largest answer the API gives (an audit export) is 5 MiB.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type WireRequest = { url: URL; method: string; headers: Record<string, string>; body?: string; timeoutMs: number };
export type WireResponse = { status: number; headers: IncomingHttpHeaders; body: string };

/** Sends one request; rejects with the socket's error (ECONNREFUSED, ECONNRESET, a timeout). */
export type Transport = (request: WireRequest) => Promise<WireResponse>;

/** Far above the API's largest answer (the 5 MiB audit export cap). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class TransportTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no answer within ${Math.round(ms / 1000)} s`);
    this.name = 'TransportTimeoutError';
  }
}

export const nodeTransport: Transport = (wire) =>
  new Promise((resolve, reject) => {
    const send = wire.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(wire.url, { method: wire.method, headers: wire.headers }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          request.destroy(new Error(`the answer is larger than ${MAX_RESPONSE_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.setTimeout(wire.timeoutMs, () => request.destroy(new TransportTimeoutError(wire.timeoutMs)));
    request.on('error', reject);
    request.end(wire.body);
  });
