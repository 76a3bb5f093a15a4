/**
 * The configuration part of the catalog agrees with the handlers: every route a handler serves
 * is in the catalog with the same operationId and function and nothing else is, every function's
 * entry file exists and exports the handler, and access is what the use cases need.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTE_TABLES } from '#functions/api/routes.ts';
import { PART } from '#functions/catalog/config-api.ts';
import { OPENAPI_FUNCTION, routes as openapiRoutes } from '#functions/handlers/http/openapi.ts';
import type { RouteTable } from '#functions/handlers/http/router.ts';

/** My part's tables: the configuration functions of routes.ts, and the OpenAPI function. */
const CONFIG_FUNCTIONS = new Set(PART.functions.map((fn) => fn.name));
const TABLES: [string, RouteTable][] = [...Object.entries(ROUTE_TABLES).filter(([fn]) => CONFIG_FUNCTIONS.has(fn)), [OPENAPI_FUNCTION, openapiRoutes]];

describe('config-api catalog part', () => {
  it('lists exactly the routes of the handlers, with their operationIds and functions', () => {
    // Prepare
    const fromHandlers = TABLES.flatMap(([fn, routes]) => Object.entries(routes).map(([key, route]) => `${key} ${fn} ${route.operationId}`)).sort();

    // Act
    const fromCatalog = PART.routes.map((r) => `${r.method} ${r.path} ${r.function} ${r.operationId}`).sort();

    // Assess
    expect(fromCatalog).toEqual(fromHandlers);
    expect(TABLES.map(([fn]) => fn).sort()).toEqual([...CONFIG_FUNCTIONS].sort());
  });

  it('points every function at a handler file that exists and exports `handler`', async () => {
    for (const fn of PART.functions) {
      // Act
      const module = (await import(/* @vite-ignore */ pathToFileURL(resolve(fn.entry)).href)) as Record<string, unknown>;

      // Assess
      expect(existsSync(fn.entry), fn.entry).toBe(true);
      expect(typeof module[fn.handler ?? 'handler'], fn.entry).toBe('function');
    }
  });

  it('grants what the use cases use: secrets to projects, accounts and targets, EKS to targets only, nothing to the OpenAPI document', () => {
    // Act
    const access = Object.fromEntries(PART.functions.map((fn) => [fn.name, fn.access]));

    // Assess
    expect(access['projects-api']).toEqual({ table: 'write', secrets: 'write' });
    expect(access['accounts-api']).toEqual({ table: 'write', secrets: 'write' });
    expect(access['targets-api']).toEqual({ table: 'write', secrets: 'read', eks: true });
    expect(access.openapi).toEqual({});
    for (const name of ['environments-api', 'lifecycles-api', 'roles-api']) expect(access[name]).toEqual({ table: 'write' });
  });
});
