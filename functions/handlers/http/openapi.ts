/**
 * `GET /openapi.json`: the API's OpenAPI 3.1 document, generated once per container from the
 * route tables. Any caller API Gateway authenticated (IAM) may read it, with or without a role:
 * it describes the API and holds no data, and a principal without roles needs it to learn
 * what to ask an Admin for.
 */

import { z } from 'zod';
import { buildOpenApi } from '#functions/api/openapi.ts';
import { ROUTE_TABLES } from '#functions/api/routes.ts';
import { productionDeps } from '#functions/runtime/deps.ts';
import { defineRoute, httpHandler, type RouteTable } from './router.ts';

/** The function's catalog name, which is also the tag of its operation. */
export const OPENAPI_FUNCTION = 'openapi';

let document: Record<string, unknown> | undefined;

export const routes: RouteTable = {
  'GET /openapi.json': defineRoute({
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI 3.1 document',
    schemas: {},
    response: z.record(z.string(), z.unknown()).meta({ id: 'OpenApiDocument' }),
    run: async () => (document ??= buildOpenApi({ ...ROUTE_TABLES, [OPENAPI_FUNCTION]: routes })),
  }),
};

export const handler = httpHandler(routes, () => productionDeps([]));
