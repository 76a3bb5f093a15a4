/**
 * The real HTTP handlers behind the local API Gateway (their stores on DynamoDB Local, the local
 * Secrets Manager): demo credentials are written to a shared-credentials file, read back by the
 * SDK's own profile reader, and the requests they sign reach the handlers as their users — the
 * Admin creates an environment, the Auditor reads it and is refused a write by the application
 * (an audited 403, not the gateway's).
 */
import '../../../support/quiet-powertools.ts';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fromIni } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_TABLES } from '#functions/api/routes.ts';
import { CATALOG } from '#functions/catalog.ts';
import { httpHandler } from '#functions/handlers/http/router.ts';
import { CREDENTIALS_FILE_MODE, generateDemoCredentials, principalsOf, writeCredentialsFile } from '#local/aws/api-gateway/credentials.ts';
import { type ApiGatewayService, startApiGateway } from '#local/aws/api-gateway/server.ts';
import { lambdaContext } from '../../../support/api-events.ts';
import { signedHttp, type TestCredentials } from '../../../support/signed-http.ts';
import { ADMIN, AUDITOR, createWorld, type World } from '../../api/config/world.ts';
import { temporaryDirectory } from '../secrets/helpers.ts';
import { REGION } from './helpers.ts';

let world: World;
let gateway: ApiGatewayService;
const dir = temporaryDirectory('conveyor-apigw-');
const credentialsFile = join(dir.path, 'credentials');
const keys: Record<string, TestCredentials> = {};

beforeAll(async () => {
  world = await createWorld('apigw');
  const handlers = Object.fromEntries(Object.entries(ROUTE_TABLES).map(([name, routes]) => [name, httpHandler(routes, () => world.deps)]));
  const credentials = generateDemoCredentials([
    { profile: 'admin', principalArn: ADMIN },
    { profile: 'auditor', principalArn: AUDITOR },
  ]);
  writeCredentialsFile(credentialsFile, credentials);
  gateway = await startApiGateway({
    routes: CATALOG.routes,
    principals: principalsOf(credentials),
    region: REGION,
    invoke: (name, event) => handlers[name]!(event, lambdaContext(name)),
  });
  // What every SDK client and the CLI do: the profile from the shared-credentials file.
  for (const profile of ['admin', 'auditor']) keys[profile] = await fromIni({ profile, filepath: credentialsFile, configFilepath: join(dir.path, 'no-config') })();
});

afterAll(async () => {
  await gateway?.close();
  await world?.close();
  dir.remove();
});

describe('the real handlers behind the local API Gateway', () => {
  it('writes the credentials file owner-only, and the SDK reads each profile from it', () => {
    expect(statSync(credentialsFile).mode & 0o777).toBe(CREDENTIALS_FILE_MODE);
    expect(keys.admin!.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(keys.auditor!.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
  });

  it('lets the Admin create an environment and the Auditor read it, as themselves', async () => {
    // Act
    const created = await signedHttp(gateway.url, { method: 'POST', path: '/environments', body: JSON.stringify({ id: 'dev', name: 'Development' }), credentials: keys.admin!, region: REGION });
    const shown = await signedHttp(gateway.url, { method: 'GET', path: '/environments/dev', credentials: keys.auditor!, region: REGION });

    // Assess
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ id: 'dev', name: 'Development', version: 1 });
    expect(shown.status, shown.text).toBe(200);
    expect(shown.json).toMatchObject({ id: 'dev', name: 'Development' });
    const audit = await world.auditEvents();
    expect(audit.find((e) => e.action === 'environment.create')?.actorArn).toBe(ADMIN);
  });

  it("passes the application's own refusals through: the Auditor may not write (403), a bad body is a 400", async () => {
    // Act
    const refused = await signedHttp(gateway.url, { method: 'POST', path: '/environments', body: JSON.stringify({ id: 'prod', name: 'Production' }), credentials: keys.auditor!, region: REGION });
    const invalid = await signedHttp(gateway.url, { method: 'POST', path: '/environments', body: JSON.stringify({ id: 'Not A Slug', name: 'x' }), credentials: keys.admin!, region: REGION });

    // Assess
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'ForbiddenError' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toMatchObject({ code: 'ValidationError', message: expect.stringContaining('body.id') });
    const denied = (await world.auditEvents()).filter((e) => e.action === 'access.denied');
    expect(denied.map((e) => e.actorArn)).toContain(AUDITOR);
  });
});
