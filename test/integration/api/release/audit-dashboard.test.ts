/**
 * The audit trail and the dashboard through the real handlers: queries by time and subject
 * (Auditor and Admin only), the NDJSON export of a range (refused past its size limit, naming
 * it), chain verification that names an event edited in the table, and the dashboard's
 * projects × environments matrix.
 */
import '../../../support/quiet-powertools.ts';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '#domain/pipeline/model.ts';
import { ExportTooLargeError, exportAudit } from '#functions/app/audit.ts';
import { auditRoutes } from '#functions/handlers/http/audit.ts';
import { httpHandler } from '#functions/handlers/http/router.ts';
import { apiEvent, lambdaContext } from '../../../support/api-events.ts';
import { rejectionOf } from '../../dynamodb/helpers.ts';
import { AUDITOR, createWorld, DEV_DEPLOYER, moveDeployment, PROXY, RELEASE_MANAGER, seed, WEB, type World } from './world.ts';

let world: World;
let started: string;
let ended: string;

beforeAll(async () => {
  world = await createWorld('audit-api');
  await seed(world);
  // An event before the range the tests ask for; audit times come from the table's clock.
  await world.call('releases', 'POST /projects/{projectId}/releases', { callerArn: DEV_DEPLOYER, path: { projectId: 'web' }, body: { version: '0.9.0' } });
  world.table.clock.advance(60);
  started = world.table.clock.now().toISOString();
  await world.call('releases', 'POST /projects/{projectId}/releases', {
    callerArn: RELEASE_MANAGER,
    path: { projectId: 'web' },
    body: { version: '1.0.0', images: { [WEB]: '1.0.0', [PROXY]: 'v3' } },
  });
  const promoted = await world.call('releases', 'POST /projects/{projectId}/releases/{version}/deployments', {
    callerArn: DEV_DEPLOYER,
    path: { projectId: 'web', version: '1.0.0' },
    body: { environmentId: 'dev' },
  });
  await moveDeployment(world, promoted.body.deployment.id, ['Running', 'Succeeded'], { startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() });
  await world.call('releases', 'POST /projects/{projectId}/releases/{version}/deployments', { callerArn: DEV_DEPLOYER, path: { projectId: 'web', version: '1.0.0' }, body: { environmentId: 'prod' } });
  // Events the tests themselves cause (denials) come after the range.
  ended = world.table.clock.now().toISOString();
  world.table.clock.advance(60);
});

afterAll(async () => {
  await world.close();
});

describe('GET /audit', () => {
  it('lists events by time, oldest first, to an Auditor; refuses a Deployer', async () => {
    // Act
    const answer = await world.call('audit', 'GET /audit', { callerArn: AUDITOR, query: { from: started, to: ended } });
    const deployer = await world.call('audit', 'GET /audit', { callerArn: DEV_DEPLOYER });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((e: AuditEvent) => e.action)).toEqual(['release.create', 'deployment.queue', 'access.denied']);
    expect(deployer.status).toBe(403);
  });

  it('lists the events of one subject, and refuses a malformed time', async () => {
    // Act
    const answer = await world.call('audit', 'GET /audit', { callerArn: AUDITOR, query: { subject: 'release/web/1' } });
    const malformed = await world.call('audit', 'GET /audit', { callerArn: AUDITOR, query: { from: 'yesterday' } });

    // Assess
    expect(answer.body.items.map((e: AuditEvent) => [e.action, e.actorArn])).toEqual([['release.create', RELEASE_MANAGER]]);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.problems[0]).toContain('query.from');
  });
});

describe('GET /audit/export', () => {
  it('answers every event of the range as NDJSON, one event per line, oldest first', async () => {
    // Prepare
    const handler = httpHandler(auditRoutes, () => world.deps);

    // Act
    const response = (await handler(apiEvent('GET /audit/export', { callerArn: AUDITOR, query: { from: started, to: ended } }), lambdaContext())) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const events = response.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEvent);
    expect(events.map((e) => e.action)).toEqual(['release.create', 'deployment.queue', 'access.denied']);
    expect(response.body.endsWith('\n')).toBe(true);
  });

  it('refuses a range larger than one response can hold, naming the limit and where to cut', async () => {
    // Act: the same use case with a limit two events fit under.
    const all = (await world.deps.stores.audit.listByTime({ from: started })).items;
    const twoEvents = JSON.stringify(`${JSON.stringify(all[0])}\n${JSON.stringify(all[1])}\n`).length;
    const error = await rejectionOf(exportAudit(world.deps, { callerArn: AUDITOR, principalArn: AUDITOR, requestId: 'r' }, { from: started }, twoEvents));

    // Assess
    expect(error).toBeInstanceOf(ExportTooLargeError);
    expect(error).toMatchObject({ limit: twoEvents, limitName: 'audit export size (one Lambda response holds at most 6 MB)' });
    expect(error.message).toContain(`the events up to ${all[1]!.time} (sequence ${all[1]!.sequence}) fit: export the range in parts`);
  });
});

describe('GET /audit/verify', () => {
  it('says the chain is intact, then names the event edited directly in the table', async () => {
    // Prepare
    const intact = await world.call('audit', 'GET /audit/verify', { callerArn: AUDITOR });
    await world.table.raw.send(
      new UpdateItemCommand({
        TableName: world.table.tableName,
        Key: { PK: { S: 'AUDIT' }, SK: { S: 'EVENT#000000000002' } },
        UpdateExpression: 'SET actorArn = :someoneElse',
        ExpressionAttributeValues: { ':someoneElse': { S: 'arn:aws:iam::123456789012:user/mallory' } },
      }),
    );

    // Act
    const tampered = await world.call('audit', 'GET /audit/verify', { callerArn: AUDITOR });

    // Assess
    expect(intact.body).toMatchObject({ ok: true, count: expect.any(Number) });
    expect(tampered.body).toMatchObject({ ok: false, problem: 'edited', sequence: 2 });
    expect(tampered.body.message).toContain('does not match its hash: its content was changed');
  });
});

describe('GET /dashboard', () => {
  it('shows projects as rows, environments in order as columns, the latest deployment in each cell', async () => {
    // Act
    const answer = await world.call('dashboard', 'GET /dashboard', { callerArn: DEV_DEPLOYER });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.environments).toEqual([
      { id: 'dev', name: 'Development', order: 1 },
      { id: 'test', name: 'Test', order: 2 },
      { id: 'prod', name: 'Production', order: 3 },
    ]);
    expect(answer.body.rows).toHaveLength(1);
    const [row] = answer.body.rows;
    expect(row.project).toEqual({ id: 'web', name: 'Web shop' });
    expect(row.cells.map((c: { environmentId: string }) => c.environmentId)).toEqual(['dev', 'test', 'prod']);
    expect(row.cells[0].latest).toMatchObject({
      releaseNumber: 1,
      releaseVersion: '1.0.0',
      state: 'Succeeded',
      deploymentId: expect.any(String),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
    expect(row.cells[1].latest).toBeNull();
    expect(row.cells[2].latest).toBeNull();
  });
});
