/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the route tables the handlers serve
 * (functions/api/routes.ts): the same zod schemas that validate requests describe them here
 * (`z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses it), so the document cannot
 * disagree with the code. Every operation requires IAM (SigV4) authorization and answers its
 * errors with the one error body (`ErrorBody`) on every 4xx and 5xx.
 *
 * Schemas that carry an id (`.meta({ id })`) become `components/schemas`; a schema whose input
 * form (request: defaults optional) differs from its output form (response: defaults filled in)
 * gets the output form under `<Id>Output`.
 */
import { z } from 'zod';
import type { Route, RouteTable } from '#functions/handlers/http/router.ts';
import { errorBody } from './schemas/common.ts';

export const OPENAPI_VERSION = '3.1.0';
export const API_TITLE = 'Conveyor';
export const API_VERSION = '1';
export const SECURITY_SCHEME = 'sigv4';
export const ERROR_SCHEMA = 'ErrorBody';

/** Error answers every operation may give, and what each means. */
export const ERROR_RESPONSES: Record<string, string> = {
  '400': 'invalid request: malformed JSON, a field that breaks a rule, an unknown reference (the known ids are listed), a body over its limit',
  '403': 'no IAM principal, or its roles do not allow this (denials are audited)',
  '404': 'the resource in the path does not exist',
  '409': 'a version conflict (read again and retry), a duplicate, or a state that does not allow this',
  '500': 'internal error; the body names the request id only',
  '503': 'a dependency is unavailable for a moment; retry',
};

type Json = Record<string, unknown>;
type Io = 'input' | 'output';
type Parameter = { name: string; in: 'path' | 'query'; required: boolean; schema: unknown; description?: string };

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const DEFS_REF = '#/$defs/';
const COMPONENTS_REF = '#/components/schemas/';
/** API Gateway's greedy path variable (`{principalArn+}`): OpenAPI names it without the "+". */
const GREEDY = /\{([A-Za-z0-9_]+)\+\}/g;
const DEFAULT_STATUS = 200;
const NO_CONTENT = 204;

/** Collects `components/schemas` from the conversions, refusing two different schemas under one name. */
class Components {
  readonly schemas: Record<string, unknown> = {};

  /** JSON Schema of `schema`, with its identified parts moved to components and referenced from there. */
  convert(schema: z.ZodType, io: Io): unknown {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
    delete json.$schema;
    const defs = Object.entries((json.$defs ?? {}) as Record<string, unknown>);
    delete json.$defs;
    const names = new Map(defs.map(([id, def]) => [id, this.nameFor(id, def, io)]));
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (!value || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [
          key,
          key === '$ref' && typeof item === 'string' && item.startsWith(DEFS_REF) ? COMPONENTS_REF + names.get(item.slice(DEFS_REF.length)) : rewrite(item),
        ]),
      );
    };
    for (const [id, def] of defs) this.schemas[names.get(id)!] = rewrite(def);
    return rewrite(json);
  }

  /** The component name for `id`: its own, or with the form's suffix when the other form took it with another shape. */
  private nameFor(id: string, def: unknown, io: Io): string {
    for (const name of [id, `${id}${io === 'output' ? 'Output' : 'Input'}`]) {
      const existing = this.schemas[name];
      if (existing === undefined || sameShape(existing, def)) return name;
    }
    throw new Error(`OpenAPI: two different schemas are named "${id}"`);
  }
}

/** Whether a stored component (references rewritten) and a fresh definition (references to $defs) describe the same schema. */
function sameShape(stored: unknown, fresh: unknown): boolean {
  const normalize = (value: unknown) => JSON.stringify(value).replace(/"#\/(?:\$defs|components\/schemas)\/([A-Za-z0-9]+?)(?:Input|Output)?"/g, '"$1"');
  return normalize(stored) === normalize(fresh);
}

function parameters(components: Components, schema: z.ZodType | undefined, where: 'path' | 'query'): Parameter[] {
  if (!schema) return [];
  const json = components.convert(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function operation(components: Components, route: Route, tag: string): Json {
  const status = route.status ?? DEFAULT_STATUS;
  const success =
    status === NO_CONTENT
      ? { description: 'done' }
      : {
          description: 'success',
          content: route.produces ? { [route.produces]: { schema: { type: 'string' } } } : { 'application/json': { schema: route.response ? components.convert(route.response, 'output') : {} } },
        };
  const errors = Object.fromEntries(Object.keys(ERROR_RESPONSES).map((code) => [code, { $ref: `#/components/responses/Error${code}` }]));
  const params = [...parameters(components, route.schemas.path, 'path'), ...parameters(components, route.schemas.query, 'query')];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [tag],
    security: [{ [SECURITY_SCHEME]: [] }],
    ...(params.length ? { parameters: params } : {}),
    ...(route.schemas.body ? { requestBody: { required: true, content: { 'application/json': { schema: components.convert(route.schemas.body, 'input') } } } } : {}),
    responses: { [String(status)]: success, ...errors },
  };
}

/**
 * The document for `tables` (function name → its route table; the name becomes the operations'
 * tag). Throws on a route key that is not `METHOD /path`, or two operations with one id.
 */
export function buildOpenApi(tables: Record<string, RouteTable>): Json {
  const components = new Components();
  const paths: Record<string, Record<string, Json>> = {};
  const operationIds = new Set<string>();
  for (const [tag, table] of Object.entries(tables)) {
    for (const [key, route] of Object.entries(table)) {
      const [method, path] = key.split(' ');
      if (!method || !path || !METHODS.has(method)) throw new Error(`OpenAPI: route key "${key}" is not "METHOD /path"`);
      if (operationIds.has(route.operationId)) throw new Error(`OpenAPI: operationId ${route.operationId} is used twice`);
      operationIds.add(route.operationId);
      const openApiPath = path.replace(GREEDY, '{$1}');
      (paths[openApiPath] ??= {})[method.toLowerCase()] = operation(components, route, tag);
    }
  }
  const errorSchema = components.convert(errorBody, 'output');
  return {
    openapi: OPENAPI_VERSION,
    info: { title: API_TITLE, version: API_VERSION, description: 'Release promotion for Kubernetes. Every operation needs AWS SigV4 (IAM) authorization; roles are checked per request.' },
    security: [{ [SECURITY_SCHEME]: [] }],
    paths,
    components: {
      schemas: { [ERROR_SCHEMA]: errorSchema, ...components.schemas },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([code, description]) => [`Error${code}`, { description, content: { 'application/json': { schema: { $ref: COMPONENTS_REF + ERROR_SCHEMA } } } }]),
      ),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4: API Gateway IAM authorization',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}
