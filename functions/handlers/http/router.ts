/**
 * One Lambda serves a group of HTTP routes (one resource); this builds its handler. The
 * middy chain is the same for every route: Powertools, errors mapped in one place, the route
 * picked by API Gateway's routeKey, its body, path and query validated by its schemas, the
 * caller taken from the IAM authorizer; then the route makes one call into the application.
 * The route tables are also what the OpenAPI document is generated from.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import type { AppDeps, Caller } from '#functions/app/context.ts';
import { httpErrors } from '#functions/middleware/http-errors.ts';
import { callerOf } from '#functions/middleware/principal.ts';
import { type HttpSchemas, type ValidatedInput, validateHttp } from '#functions/middleware/validate.ts';
import { logger, observe } from '#functions/runtime/observability.ts';

/** One route: its schemas, its answer's status and schema (for OpenAPI), and the one call it makes. */
export type Route<B = any, P = any, Q = any, R = any> = {
  operationId: string;
  summary: string;
  schemas: HttpSchemas<B, P, Q>;
  /** The success response's schema (documentation and tests); absent for 204. */
  response?: z.ZodType<R>;
  /** 200 unless said (201 for creates, 202 for accepted work, 204 for deletes). */
  status?: number;
  /** Largest request body accepted (DEFAULT_MAX_BODY_BYTES unless said: a project with its manifests is larger). */
  maxBodyBytes?: number;
  /** The success response's media type when it is not JSON (the route returns a RawBody): for OpenAPI. */
  produces?: string;
  run(input: ValidatedInput<B, P, Q>, deps: AppDeps, caller: Caller): Promise<R>;
};

/** A route with its input types inferred from its schemas (a route table's values are untyped). */
export function defineRoute<B, P, Q, R>(route: Route<B, P, Q, R>): Route<B, P, Q, R> {
  return route;
}

/** Marks a route's answer as a body to send as it is, not as JSON. */
const RAW_BODY = Symbol('rawBody');

/** A response body that is not JSON (an NDJSON export): the router sends it as it is, with its content type. */
export type RawBody = { readonly [RAW_BODY]: true; contentType: string; body: string };

/** What a route returns to answer with `body` as `contentType` instead of JSON. */
export function rawBody(contentType: string, body: string): RawBody {
  return { [RAW_BODY]: true, contentType, body };
}

function isRawBody(value: unknown): value is RawBody {
  return typeof value === 'object' && value !== null && RAW_BODY in value;
}

/** Routes by API Gateway routeKey: `GET /projects/{projectId}`. */
export type RouteTable = Record<string, Route>;

const JSON_HEADERS = { 'content-type': 'application/json' };
const NO_CONTENT = 204;

/** A route key this function does not serve: a wiring bug between the catalog and the handler. */
class UnknownRouteError extends Error {
  constructor(routeKey: string) {
    super(`no route ${routeKey} in this function`);
    this.name = 'UnknownRouteError';
  }
}

/**
 * The handler for `routes`. `deps` is called once, at the first request (the container's cold
 * start), so that configuration is read once and tests can pass their own.
 */
export function httpHandler(routes: RouteTable, deps: () => AppDeps) {
  let built: AppDeps | undefined;
  const validators = new Map(Object.entries(routes).map(([key, route]) => [key, validateHttp(route.schemas, { maxBodyBytes: route.maxBodyBytes })]));
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(observe())
    .use(httpErrors(logger))
    .use({
      before: async (request) => {
        const validator = validators.get(request.event.routeKey);
        if (!validator) throw new UnknownRouteError(request.event.routeKey);
        await validator.before!(request as never);
      },
    })
    .handler(async (event) => {
      built ??= deps();
      const route = routes[event.routeKey]!;
      const caller = { ...callerOf(event as APIGatewayProxyEventV2WithIAMAuthorizer), requestId: event.requestContext.requestId };
      const result = await route.run((event as APIGatewayProxyEventV2 & { input: ValidatedInput<unknown, unknown, unknown> }).input, built, caller);
      const status = route.status ?? 200;
      if (status === NO_CONTENT) return { statusCode: NO_CONTENT };
      if (isRawBody(result)) return { statusCode: status, headers: { 'content-type': result.contentType }, body: result.body };
      return { statusCode: status, headers: JSON_HEADERS, body: JSON.stringify(result) };
    });
}
