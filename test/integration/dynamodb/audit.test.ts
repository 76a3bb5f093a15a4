/**
 * The audit chain on DynamoDB Local: concurrent appends that serialize on the head and never
 * fork the chain, listings by time and by subject, and tampering with stored items through
 * the SDK (edited, removed, inserted, reordered) that verification finds and names.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashEvent, sealEvent } from '#domain/pipeline/audit.ts';
import type { AuditEvent } from '#domain/pipeline/model.ts';
import { ACTOR, createTestTable, FORBIDDEN_COMMANDS, SECRET_ARN, type TestTable } from './helpers.ts';

const CONCURRENT_APPENDS = 30;
const SUBJECTS = ['project/web', 'project/api', 'target/prod-eu'];

let t: TestTable;

beforeAll(async () => {
  t = await createTestTable('audit');
});

afterAll(async () => {
  expect(t.commands.filter((name) => FORBIDDEN_COMMANDS.includes(name))).toEqual([]);
  await t.drop();
});

const eventKey = (sequence: number) => ({ PK: 'AUDIT', SK: `EVENT#${String(sequence).padStart(12, '0')}` });

async function storedItem(sequence: number): Promise<Record<string, unknown>> {
  const out = await t.client.send(new GetCommand({ TableName: t.tableName, Key: eventKey(sequence) }));
  return out.Item!;
}

async function putItem(item: Record<string, unknown>): Promise<void> {
  await t.client.send(new PutCommand({ TableName: t.tableName, Item: item }));
}

describe('appending', () => {
  it(`keeps one chain under ${CONCURRENT_APPENDS} concurrent appends`, async () => {
    // Act
    const events = await Promise.all(
      Array.from({ length: CONCURRENT_APPENDS }, (_, i) =>
        t.stores.audit.append({ actorArn: ACTOR, action: 'release.create', subject: SUBJECTS[i % SUBJECTS.length], requestId: `req-${i}`, details: { number: i } }),
      ),
    );

    // Assess
    expect(events.map((e) => e.sequence).sort((a, b) => a - b)).toEqual(Array.from({ length: CONCURRENT_APPENDS }, (_, i) => i + 1));
    expect(await t.stores.audit.verify()).toMatchObject({ ok: true, count: CONCURRENT_APPENDS });
    expect(await t.stores.audit.head()).toMatchObject({ sequence: CONCURRENT_APPENDS });
  });

  it('keeps secret values out of stored details', async () => {
    // Act
    const event = await t.stores.audit.append({
      actorArn: ACTOR,
      action: 'account.update',
      subject: 'account/deployer',
      requestId: 'req-secret',
      details: { password: 'hunter2-hunter2', secretArn: SECRET_ARN },
    });
    const item = await storedItem(event.sequence);

    // Assess
    expect(item.details).toEqual({ password: '***', secretArn: SECRET_ARN });
  });

  it('lists events by time and by subject, paged', async () => {
    // Prepare: the test clock stands still, so events share a time and sort by sequence.
    t.clock.advance(60);
    await t.stores.audit.append({ actorArn: ACTOR, action: 'deployment.start', subject: 'project/web', requestId: 'req-late', details: {} });
    const lateTime = t.clock.now().toISOString();

    // Act
    const first = await t.stores.audit.listBySubject('project/web', { limit: 5 });
    const rest = await t.stores.audit.listBySubject('project/web', { limit: 50, cursor: first.cursor });
    const late = await t.stores.audit.listByTime({ from: lateTime });
    const early = await t.stores.audit.listByTime({ to: '2026-01-31T12:00:00.000Z' }, { limit: 100 });
    const newest = await t.stores.audit.listByTime({ newestFirst: true }, { limit: 1 });

    // Assess
    const web = [...first.items, ...rest.items];
    expect(web).toHaveLength(11);
    expect(web.every((e) => e.subject === 'project/web')).toBe(true);
    expect(web.map((e) => e.sequence)).toEqual([...web.map((e) => e.sequence)].sort((a, b) => a - b));
    expect(late.items.map((e) => e.requestId)).toEqual(['req-late']);
    expect(early.items).toHaveLength(CONCURRENT_APPENDS + 1);
    expect(newest.items[0].requestId).toBe('req-late');
  });
});

describe('tampering with stored events is found, and the first bad event named', () => {
  /** Each case changes stored items directly and returns how to put them back. */
  const cases: [string, () => Promise<() => Promise<void>>, { problem: string; sequence: number }][] = [
    [
      'an edited event',
      async () => {
        const original = await storedItem(5);
        await t.client.send(
          new UpdateCommand({
            TableName: t.tableName,
            Key: eventKey(5),
            UpdateExpression: 'SET details.#n = :n',
            ExpressionAttributeNames: { '#n': 'number' },
            ExpressionAttributeValues: { ':n': 999 },
          }),
        );
        return () => putItem(original);
      },
      { problem: 'edited', sequence: 5 },
    ],
    [
      'an edited event whose hash was recomputed',
      async () => {
        const original = await storedItem(5);
        const forged = { ...(original as unknown as AuditEvent), actorArn: 'arn:aws:iam::123456789012:user/mallory' };
        await putItem({ ...original, actorArn: forged.actorArn, hash: hashEvent(forged.previousHash, forged) });
        return () => putItem(original);
      },
      { problem: 'edited', sequence: 5 },
    ],
    [
      'a removed event',
      async () => {
        const original = await storedItem(7);
        await t.client.send(new DeleteCommand({ TableName: t.tableName, Key: eventKey(7) }));
        return () => putItem(original);
      },
      { problem: 'removed', sequence: 7 },
    ],
    [
      'an event inserted between two others, with a valid hash',
      async () => {
        const five = (await storedItem(5)) as unknown as AuditEvent;
        const forged = sealEvent(
          { sequence: 5, hash: five.hash, time: five.time },
          { actorArn: ACTOR, action: 'target.delete', subject: 'target/prod-eu', requestId: 'forged', details: {} },
          'forged-id',
          new Date(five.time),
        );
        const key = { PK: 'AUDIT', SK: `${eventKey(5).SK}~` };
        await putItem({ ...forged, ...key, type: 'AuditEvent' });
        return () => t.client.send(new DeleteCommand({ TableName: t.tableName, Key: key })).then(() => undefined);
      },
      { problem: 'inserted', sequence: 6 },
    ],
    [
      'an event appended past the head',
      async () => {
        const head = (await t.stores.audit.head())!;
        const forged = sealEvent(head, { actorArn: ACTOR, action: 'role.grant', subject: 'role/admin', requestId: 'forged', details: {} }, 'forged-tail', new Date(head.time));
        await putItem({ ...forged, ...eventKey(forged.sequence), type: 'AuditEvent' });
        return () => t.client.send(new DeleteCommand({ TableName: t.tableName, Key: eventKey(forged.sequence) })).then(() => undefined);
      },
      { problem: 'inserted', sequence: CONCURRENT_APPENDS + 3 },
    ],
    [
      'two events swapped',
      async () => {
        const [ten, eleven] = [await storedItem(10), await storedItem(11)];
        await putItem({ ...eleven, PK: ten.PK, SK: ten.SK });
        await putItem({ ...ten, PK: eleven.PK, SK: eleven.SK });
        return async () => {
          await putItem(ten);
          await putItem(eleven);
        };
      },
      { problem: 'reordered', sequence: 11 },
    ],
  ];

  it.each(cases)('%s', async (_name, tamper, expected) => {
    // Prepare
    expect((await t.stores.audit.verify()).ok).toBe(true);
    const restore = await tamper();

    // Act
    const result = await t.stores.audit.verify();
    await restore();

    // Assess
    expect(result).toMatchObject({ ok: false, ...expected });
    expect(result.ok || result.message).toMatch(new RegExp(`^audit event ${expected.sequence}\\b`));
    expect((await t.stores.audit.verify()).ok).toBe(true);
  });
});
