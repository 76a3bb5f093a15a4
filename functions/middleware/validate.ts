/**
 * Validate at the edge, then trust types: a middy `before` that bounds the body, parses it as
 * JSON, and checks body, path parameters and query string against zod schemas. Every problem
 * becomes one ValidationError (HTTP 400) listing each field with what is wrong, before the
 * domain sees anything; the handler reads the typed result from `event.input`.
 *
 * Values are never echoed: a rejected field is named by its path and the rule it broke, so a
 * secret sent to the wrong field does not come back in the error.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { TooLargeError, ValidationError } from '#domain/pipeline/errors.ts';

/** API Gateway HTTP APIs accept up to 10 MB; Conveyor's bodies are configuration, far smaller. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
const BODY_LIMIT_NAME = 'request body size';

export type HttpSchemas<B, P, Q> = { body?: z.ZodType<B>; path?: z.ZodType<P>; query?: z.ZodType<Q> };

/** What the handler reads after validation. */
export type ValidatedInput<B, P, Q> = { body: B; path: P; query: Q };

export type ValidatedEvent<B = unknown, P = unknown, Q = unknown> = APIGatewayProxyEventV2 & { input: ValidatedInput<B, P, Q> };

type ZodIssue = { path: PropertyKey[]; message: string; code: string; keys?: string[] };

/** `body.phases[0].name: Invalid input: expected string` — the field path and the rule, never the value. */
export function describeIssues(where: string, issues: readonly ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`), where);
    const message = issue.code === 'unrecognized_keys' && issue.keys ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
    return `${path}: ${message}`;
  });
}

function check<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string, problems: string[]): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  problems.push(...describeIssues(where, result.error.issues as readonly ZodIssue[]));
  return undefined as T;
}

/** The body's text, bounded; undefined when there is none. */
function bodyText(event: APIGatewayProxyEventV2, maxBytes: number): string | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > maxBytes) throw new TooLargeError('the request body', bytes.length, maxBytes, BODY_LIMIT_NAME);
  return bytes.toString('utf8');
}

function parseJson(text: string | undefined): { value?: unknown; problem?: string } {
  if (text === undefined) return {};
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    // JSON.parse quotes the text around the error: keep only where it is.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    return { problem: `body: not valid JSON${position ? ` (at character ${position})` : ''}` };
  }
}

export function validateHttp<B = undefined, P = undefined, Q = undefined>(schemas: HttpSchemas<B, P, Q>, options: { maxBodyBytes?: number } = {}): MiddlewareObj<APIGatewayProxyEventV2> {
  return {
    before: async (request) => {
      const event = request.event;
      const problems: string[] = [];
      const parsed = parseJson(bodyText(event, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES));
      if (parsed.problem) problems.push(parsed.problem);
      if (schemas.body && parsed.value === undefined && !parsed.problem) problems.push('body: a JSON body is required');
      const body = parsed.problem || (schemas.body && parsed.value === undefined) ? (undefined as B) : check(schemas.body, parsed.value, 'body', problems);
      const path = check(schemas.path, event.pathParameters ?? {}, 'path', problems);
      const query = check(schemas.query, event.queryStringParameters ?? {}, 'query', problems);
      if (problems.length) throw new ValidationError('the request', problems);
      (event as ValidatedEvent<B, P, Q>).input = { body, path, query };
    },
  };
}
