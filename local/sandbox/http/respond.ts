/**
 * Writing responses: JSON bodies, and the one place where errors become HTTP.
 */
import type { ServerResponse } from 'node:http';
import { ApiError, internalError } from '../errors.ts';

/**
 * A JSON response, returned by the resource handlers rather than sent, so that the pipeline
 * can hold the answer to a write until the write is durable.
 */
export type Reply = { code: number; body: unknown; headers?: Record<string, string | string[]> };

export function reply(code: number, body: unknown, headers?: Record<string, string | string[]>): Reply {
  return { code, body, headers };
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/** kubectl prints these as "Warning: ..." (RFC 7234 warn-code 299, as kube-apiserver sends). */
export function warningHeaders(warnings: string[]): Record<string, string[]> {
  return warnings.length ? { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) } : {};
}

/**
 * Turns any thrown value into a Kubernetes Status response. ApiErrors carry their own
 * status; anything else is an internal error whose details stay in the server log only.
 */
export function sendError(res: ServerResponse, error: unknown, log: (message: string) => void = () => {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const apiError = error instanceof ApiError ? error : internalError();
  if (!(error instanceof ApiError)) log(`internal error: ${(error as Error)?.stack ?? String(error)}`);
  const headers: Record<string, string> = {};
  if (apiError.details?.retryAfterSeconds) headers['Retry-After'] = String(apiError.details.retryAfterSeconds);
  sendJson(res, apiError.code, apiError.toStatus(), headers);
}
