/**
 * Errors reach HTTP here and nowhere else (a middy `onError`), the way middy's
 * http-error-handler does it: the status comes from the error's category
 * (ERROR_CATEGORIES), the body is `{"error": {"code", "message", "details"}}`, and only errors
 * below 500 say what happened (`expose = status < 500`). Anything else — an unclassified
 * error, an unavailable store — answers with a generic message and the request id, and is
 * logged with its name and message only: a client exception carries response bodies and
 * headers, so it is never serialized whole.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { categoryOf, ERROR_CATEGORIES } from '#domain/errors.ts';

/** What an error may add to its HTTP body: problems by field, the names a lookup knows. */
export type ErrorDetails = Record<string, unknown>;

/** The wire form of an error, as the OpenAPI document describes it. */
export type ErrorBody = { error: { code: string; message: string; details?: ErrorDetails } };

const SERVER_ERROR = 500;
const UNAVAILABLE_MESSAGE = 'the service is unavailable for a moment; retry the request';
const INTERNAL_MESSAGE = 'internal error';
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Fields of an error that are safe to show as details (never `cause`, never stacks). */
const DETAIL_FIELDS = ['problems', 'subject', 'known', 'limit', 'limitName'] as const;

export type Logger = { error(message: string, extra: Record<string, unknown>): void };

/** The response for `error` to a request with id `requestId`. */
export function errorResponse(error: unknown, requestId: string): APIGatewayProxyStructuredResultV2 {
  const category = categoryOf(error);
  const status = ERROR_CATEGORIES[category].httpStatus;
  let body: ErrorBody;
  if (status < SERVER_ERROR && error instanceof Error) {
    const details: ErrorDetails = {};
    for (const field of DETAIL_FIELDS) {
      const value = (error as unknown as Record<string, unknown>)[field];
      if (value !== undefined) details[field] = value;
    }
    body = { error: { code: error.name, message: error.message, ...(Object.keys(details).length ? { details } : {}) } };
  } else {
    const unavailable = ERROR_CATEGORIES[category].retryable;
    body = { error: { code: unavailable ? 'ServiceUnavailable' : 'InternalError', message: `${unavailable ? UNAVAILABLE_MESSAGE : INTERNAL_MESSAGE} (request ${requestId})` } };
  }
  return { statusCode: status, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

/** The middleware: maps whatever the handler threw, logs what a 5xx hides. */
export function httpErrors(logger: Logger): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context> {
  return {
    onError: async (request) => {
      const requestId = request.event?.requestContext?.requestId ?? request.context?.awsRequestId ?? 'unknown';
      const response = errorResponse(request.error, requestId);
      if ((response.statusCode ?? SERVER_ERROR) >= SERVER_ERROR) {
        const error = request.error;
        logger.error('request failed', { requestId, errorName: error?.name, errorMessage: error?.message, category: categoryOf(error) });
      }
      request.response = response;
    },
  };
}
