/**
 * Projects and releases on DynamoDB Local: the release counter under concurrent creates, one
 * release per source digest when pushes race, unique versions, snapshots of a megabyte of
 * poorly compressible manifests (and the limit beyond which they are refused), paging newest
 * first with checked cursors, and project edits that never disturb release numbering.
 */
import { type AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuplicateError, InvalidStateError, NotFoundError, TooLargeError, ValidationError, VersionConflictError } from '#domain/pipeline/errors.ts';
import type { Project, Release } from '#domain/pipeline/model.ts';
import { MAX_SNAPSHOT_BYTES } from '#domain/pipeline/snapshot.ts';
import { applyStep, createTestTable, digestOf, FORBIDDEN_COMMANDS, incompressibleManifests, newProject, newRelease, rejectionOf, SECRET_ARN, snapshotOf, type TestTable } from './helpers.ts';

const MiB = 1024 * 1024;
const CONCURRENT_CREATES = 20;
/** DynamoDB's item size limit: no stored item may come near it. */
const DYNAMODB_ITEM_LIMIT = 400 * 1000;

/** About what DynamoDB counts for an item: names plus values, binary by its bytes. */
function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + name.length + (value.B ? value.B.length : Buffer.byteLength(JSON.stringify(value))), 0);
}

let t: TestTable;
let web: Project;

beforeAll(async () => {
  t = await createTestTable('releases');
  web = await t.stores.projects.create(newProject('web'));
});

afterAll(async () => {
  expect(t.commands.filter((name) => FORBIDDEN_COMMANDS.includes(name))).toEqual([]);
  await t.drop();
});

describe('projects', () => {
  it('round-trips the process and variables; sensitive values stay secret ARNs', async () => {
    // Act
    const stored = await t.stores.projects.get('web');

    // Assess
    expect(stored).toEqual({ ...newProject('web'), version: 1, releaseCounter: 0 });
    expect(stored.variables[1].values).toEqual([{ secretArn: SECRET_ARN }]);
  });

  it('refuses a sensitive value that is not a secret ARN', async () => {
    const project = newProject('leaky', { variables: [{ name: 'Password', values: [{ secretArn: 'hunter2-hunter2' }] }] });
    const error = await rejectionOf(t.stores.projects.create(project));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).not.toContain('hunter2');
  });

  it('stores a project whose manifests total 1 MiB, and shrinks it again without leftovers', async () => {
    // Prepare
    const big = await t.stores.projects.create(newProject('big', { process: [applyStep('data', incompressibleManifests(MiB))] }));

    // Act
    const read = await t.stores.projects.get('big');
    const small = await t.stores.projects.update({ ...read, process: newProject('big').process });
    const chunks = await t.raw.send(
      new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)', ExpressionAttributeValues: { ':pk': { S: 'PROJECT#big' }, ':p': { S: 'DEFINITION#' } } }),
    );

    // Assess
    expect(read.process).toEqual(big.process);
    expect(small.version).toBe(2);
    expect((await t.stores.projects.get('big')).process).toEqual(newProject('big').process);
    expect(chunks.Count).toBe(1);
  });

  it('lists projects without their process', async () => {
    const list = await t.stores.projects.list();
    expect(list.map((p) => p.id)).toEqual(['big', 'web']);
    expect(list.every((p) => !('process' in p) && !('definition' in p))).toBe(true);
  });

  it('refuses a stale edit and an edit of a missing project', async () => {
    await expect(t.stores.projects.update({ ...web, version: 9 })).rejects.toThrow(VersionConflictError);
    await expect(t.stores.projects.update({ ...web, id: 'ghost' })).rejects.toThrow(NotFoundError);
  });
});

describe('releases', () => {
  it(`numbers ${CONCURRENT_CREATES} concurrent releases 1..${CONCURRENT_CREATES}, without gaps or duplicates`, async () => {
    // Prepare
    const project = await t.stores.projects.create(newProject('busy'));
    const snapshot = snapshotOf(project);

    // Act
    const created = await Promise.all(Array.from({ length: CONCURRENT_CREATES }, (_, i) => t.stores.releases.create(newRelease('busy', `1.0.${i}`, snapshot))));

    // Assess
    const numbers = created.map((c) => c.release.number).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: CONCURRENT_CREATES }, (_, i) => i + 1));
    expect((await t.stores.projects.get('busy')).releaseCounter).toBe(CONCURRENT_CREATES);
    for (const { release } of created) expect((await t.stores.releases.getByVersion('busy', release.version)).number).toBe(release.number);
  });

  it('makes one release per source digest, also when the same push is delivered concurrently', async () => {
    // Prepare
    const project = await t.stores.projects.create(newProject('pushed'));
    const release = newRelease('pushed', '2.0.0', snapshotOf(project), { sourceDigest: digestOf(1) });

    // Act
    const results = await Promise.all(Array.from({ length: 8 }, () => t.stores.releases.create(release)));
    const later = await t.stores.releases.create(release);

    // Assess
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.release.number))).toEqual(new Set([1]));
    expect(later).toMatchObject({ created: false, release: { number: 1, version: '2.0.0' } });
    expect((await t.stores.projects.get('pushed')).releaseCounter).toBe(1);
  });

  it('refuses a version that another release has', async () => {
    // Prepare
    await t.stores.releases.create(newRelease('web', '1.0.0', snapshotOf(web)));

    // Act
    const error = await rejectionOf(t.stores.releases.create(newRelease('web', '1.0.0', snapshotOf(web), { sourceDigest: digestOf(2) })));

    // Assess
    expect(error).toBeInstanceOf(DuplicateError);
    expect(error.message).toBe('release 1.0.0 of project web exists already (release number 1)');
  });

  it('refuses a release of a project that does not exist', async () => {
    await expect(t.stores.releases.create(newRelease('ghost', '1.0.0', snapshotOf(web)))).rejects.toThrow('project ghost does not exist');
  });

  it('keeps the snapshot as it was, whatever happens to the project later', async () => {
    // Prepare
    const { release } = await t.stores.releases.create(newRelease('web', '1.1.0', snapshotOf(web)));

    // Act
    web = await t.stores.projects.update({ ...(await t.stores.projects.get('web')), process: [applyStep('changed', [{ name: 'x.yaml', content: 'kind: Secret' }])] });
    const read = await t.stores.releases.get('web', release.number);

    // Assess
    expect(read.snapshot.process).toEqual(newProject('web').process);
    expect(web.releaseCounter).toBe(2);
  });

  it('round-trips a release with 1 MiB of poorly compressible manifests, every item under the limit', async () => {
    // Prepare
    const project = await t.stores.projects.create(newProject('large', { process: [applyStep('data', incompressibleManifests(MiB))] }));

    // Act
    const { release } = await t.stores.releases.create(newRelease('large', '1.0.0', snapshotOf(project)));
    const read = await t.stores.releases.get('large', release.number);
    const items = await t.raw.send(new QueryCommand({ TableName: t.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': { S: 'PROJECT#large' } } }));

    // Assess
    expect(read).toEqual<Release>({ ...newRelease('large', '1.0.0', snapshotOf(project)), number: 1 });
    const sizes = (items.Items ?? []).map(itemBytes);
    expect(sizes.filter((size) => size > 100_000).length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThan(DYNAMODB_ITEM_LIMIT);
  });

  it('stores a release just under the documented maximum in one transaction', async () => {
    // Prepare: 4 MiB of JSON that barely compresses: the most one create transaction carries.
    const project = await t.stores.projects.create(newProject('largest', { process: [applyStep('data', incompressibleManifests(MAX_SNAPSHOT_BYTES - 8 * 1024, 8))] }));

    // Act
    const { release } = await t.stores.releases.create(newRelease('largest', '1.0.0', snapshotOf(project)));

    // Assess
    expect((await t.stores.releases.get('largest', release.number)).snapshot.process).toEqual(project.process);
  });

  it('refuses a 5 MiB release with a 4xx error that names the limit, and writes nothing', async () => {
    // Prepare
    const snapshot = { ...snapshotOf(web), process: [applyStep('data', incompressibleManifests(5 * MiB))] };

    // Act
    const error = await rejectionOf(t.stores.releases.create(newRelease('web', '9.9.9', snapshot)));

    // Assess
    expect(error).toBeInstanceOf(TooLargeError);
    expect((error as TooLargeError).category).toBe('input');
    expect(error.message).toMatch(/^release 9\.9\.9 of project web is 5 MiB; the limit \(process, manifests and variables as JSON\) is 4 MiB$/);
    await expect(t.stores.releases.getByVersion('web', '9.9.9')).rejects.toThrow(NotFoundError);
  });

  it('lists releases newest first, page by page, with opaque cursors', async () => {
    // Act
    const first = await t.stores.releases.list('busy', { limit: 8 });
    const second = await t.stores.releases.list('busy', { limit: 8, cursor: first.cursor });
    const third = await t.stores.releases.list('busy', { limit: 8, cursor: second.cursor });

    // Assess
    const numbers = [...first.items, ...second.items, ...third.items].map((r) => r.number);
    expect(numbers).toEqual(Array.from({ length: CONCURRENT_CREATES }, (_, i) => CONCURRENT_CREATES - i));
    expect(third.cursor).toBeUndefined();
    expect(first.items.every((r) => !('snapshot' in r) && !('snapshotManifest' in r))).toBe(true);
  });

  it.each([
    ['not base64', '%%%'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['another partition', Buffer.from(JSON.stringify({ PK: 'PROJECT#web', SK: 'RELEASE#0000000001' })).toString('base64url')],
    ['extra attributes', Buffer.from(JSON.stringify({ PK: 'PROJECT#busy', SK: 'RELEASE#0000000001', x: '1' })).toString('base64url')],
    ['a number where a string belongs', Buffer.from(JSON.stringify({ PK: 'PROJECT#busy', SK: 1 })).toString('base64url')],
  ])('refuses a cursor that is %s', async (_name, cursor) => {
    await expect(t.stores.releases.list('busy', { cursor })).rejects.toThrow(/cursor: it is not one this listing returned/);
  });

  it('refuses deleting a project that has releases', async () => {
    const busy = await t.stores.projects.get('busy');
    await expect(t.stores.projects.delete('busy', busy.version)).rejects.toThrow(InvalidStateError);
  });
});
