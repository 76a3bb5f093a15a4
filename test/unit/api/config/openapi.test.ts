/**
 * The OpenAPI document generated from the route tables: valid JSON, OpenAPI 3.1, every route
 * of every table as an operation with IAM (SigV4) security, the error body on every 4xx and 5xx,
 * schemas for request bodies, parameters from the path and query schemas, and every reference
 * resolving inside the document.
 */
import { describe, expect, it } from 'vitest';
import { buildOpenApi, ERROR_RESPONSES, ERROR_SCHEMA, SECURITY_SCHEME } from '#functions/api/openapi.ts';
import { ROUTE_TABLES } from '#functions/api/routes.ts';
import { OPENAPI_FUNCTION, routes as openapiRoutes } from '#functions/handlers/http/openapi.ts';

type Operation = { operationId: string; security: unknown; parameters?: { name: string; in: string; required: boolean }[]; requestBody?: any; responses: Record<string, any> };

const TABLES = { ...ROUTE_TABLES, [OPENAPI_FUNCTION]: openapiRoutes };

function operations(document: any): [string, string, Operation][] {
  return Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => [method.toUpperCase(), path, op] as [string, string, Operation]),
  );
}

/** Every `$ref` anywhere in `value`. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => (key === '$ref' && typeof item === 'string' ? [item] : refs(item)));
}

function resolve(document: any, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node, part) => (node as Record<string, unknown> | undefined)?.[part], document);
}

describe('the OpenAPI document', () => {
  const document = JSON.parse(JSON.stringify(buildOpenApi(TABLES)));

  it('is OpenAPI 3.1 with every route of every table as an operation', () => {
    // Prepare
    const expected = Object.values(TABLES)
      .flatMap((table) => Object.entries(table).map(([key, route]) => `${key.replace('+}', '}')} ${route.operationId}`))
      .sort();

    // Act
    const found = operations(document)
      .map(([method, path, op]) => `${method} ${path} ${op.operationId}`)
      .sort();

    // Assess
    expect(document.openapi).toBe('3.1.0');
    expect(found).toEqual(expected);
    expect(found).toContain('PUT /roles/{principalArn} updateRoleBinding');
  });

  it('requires SigV4 on every operation and answers every 4xx and 5xx with the error body', () => {
    // Assess
    expect(document.components.securitySchemes[SECURITY_SCHEME]).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization', 'x-amazon-apigateway-authtype': 'awsSigv4' });
    expect(document.components.schemas[ERROR_SCHEMA]).toMatchObject({ type: 'object', required: ['error'], properties: { error: { required: ['code', 'message'] } } });
    for (const [method, path, op] of operations(document)) {
      expect(op.security, `${method} ${path}`).toEqual([{ [SECURITY_SCHEME]: [] }]);
      for (const status of Object.keys(ERROR_RESPONSES)) {
        const response = resolve(document, op.responses[status].$ref) as any;
        expect(response.content['application/json'].schema, `${method} ${path} ${status}`).toEqual({ $ref: `#/components/schemas/${ERROR_SCHEMA}` });
      }
    }
  });

  it('describes request bodies, parameters and answers from the route schemas', () => {
    // Act
    const byId = Object.fromEntries(operations(document).map(([, , op]) => [op.operationId, op]));
    const bodySchema = (id: string) => resolve(document, byId[id]!.requestBody.content['application/json'].schema.$ref) as any;

    // Assess
    for (const id of ['createEnvironment', 'updateEnvironment', 'createLifecycle', 'createProject', 'updateProject', 'createAccount', 'createTarget', 'createRoleBinding']) {
      expect(byId[id]!.requestBody.required, id).toBe(true);
    }
    expect(bodySchema('createEnvironment')).toMatchObject({ type: 'object', additionalProperties: false, required: ['id', 'name'] });
    expect(bodySchema('updateEnvironment').required).toContain('version');
    expect(bodySchema('createAccount').oneOf).toHaveLength(4);
    expect(byId.deleteProject!.parameters).toEqual([
      expect.objectContaining({ name: 'projectId', in: 'path', required: true }),
      expect.objectContaining({ name: 'version', in: 'query', required: true }),
    ]);
    expect(byId.createProject!.responses['201']).toBeDefined();
    expect(byId.deleteProject!.responses['204']).toEqual({ description: 'done' });
    expect(byId.getAccount!.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Account' });
  });

  it('shows no secret field in any answer schema', () => {
    // Act
    const accountFields = (document.components.schemas.Account.oneOf as { properties: object }[]).flatMap((branch) => Object.keys(branch.properties));
    const project = JSON.stringify(document.components.schemas.Project);

    // Assess
    for (const field of ['token', 'password', 'privateKeyPem', 'roleArn', 'secretArn']) expect(accountFields).not.toContain(field);
    expect(project).not.toContain('"secretArn"');
  });

  it('resolves every reference inside the document', () => {
    // Act
    const unresolved = refs(document).filter((ref) => resolve(document, ref) === undefined);

    // Assess
    expect(unresolved).toEqual([]);
  });
});
