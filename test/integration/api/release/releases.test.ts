/**
 * Creating, listing and showing releases through the real handler: the images given (checked
 * against the channel and pinned by the pushed digest), or the latest each channel accepts; a
 * refused tag, an unknown project or channel, a version taken, a caller without the role —
 * each a clear 4xx with nothing stored and nothing started.
 */
import '../../../support/quiet-powertools.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '#domain/pipeline/errors.ts';
import { ADMIN, AUDITOR, createWorld, DB_PASSWORD, DEV_DEPLOYER, digestOf, everyItem, PROXY, RELEASE_MANAGER, STABLE_RANGE, seed, WEB, type World } from './world.ts';

const CREATE = 'POST /projects/{projectId}/releases';
const LIST = 'GET /projects/{projectId}/releases';
const GET = 'GET /projects/{projectId}/releases/{version}';

let world: World;
let secretArn: string;

beforeAll(async () => {
  world = await createWorld('release-api');
  ({ secretArn } = await seed(world));
});

afterAll(async () => {
  await world.close();
});

const create = (body: unknown, callerArn = RELEASE_MANAGER, projectId = 'web') => world.call('releases', CREATE, { callerArn, path: { projectId }, body });
const releaseCount = async () => (await world.deps.stores.releases.list('web')).items.length;

describe('POST /projects/{projectId}/releases', () => {
  it('snapshots the images given, pinned by the digests their pushes reported, and starts the release lifecycle', async () => {
    // Prepare
    const starts = world.workflows.callsOf('start').length;

    // Act
    const answer = await create({ version: '1.0.0', images: { [WEB]: '1.0.0', [PROXY]: 'v3' }, notes: 'first cut' });

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ projectId: 'web', number: 1, version: '1.0.0', channel: 'stable', createdBy: RELEASE_MANAGER, notes: 'first cut' });
    expect(answer.body.images).toEqual([
      { repository: WEB, tag: '1.0.0', digest: digestOf(1) },
      { repository: PROXY, tag: 'v3', digest: digestOf(4) },
    ]);
    expect(answer.body.snapshot).toMatchObject({ lifecycleId: 'default', projectVersion: 1, images: answer.body.images });
    expect(answer.body.snapshot.variables).toContainEqual({ name: 'DbPassword', values: [{ secretArn }] });
    expect(world.workflows.callsOf('start').slice(starts)).toEqual([{ method: 'start', workflow: 'release-lifecycle', name: 'web-1', input: { releaseId: 'web/1' } }]);
    expect(world.events.ofType('ReleaseCreated').at(-1)?.detail).toMatchObject({ releaseId: 'web/1', projectId: 'web', version: '1.0.0' });
    const events = (await world.deps.stores.audit.listBySubject('release/web/1')).items;
    expect(events.map((e) => [e.action, e.actorArn])).toEqual([['release.create', RELEASE_MANAGER]]);
  });

  it("takes the latest version each repository's channel accepts when none is given", async () => {
    // Act
    const answer = await create({ version: '1.1.0' });

    // Assess: 2.0.0 is newer but outside the stable range; the proxy has no rule, so its newest push wins.
    expect(answer.status).toBe(201);
    expect(answer.body.images).toEqual([
      { repository: WEB, tag: '1.1.0', digest: digestOf(2) },
      { repository: PROXY, tag: 'v4', digest: digestOf(5) },
    ]);
  });

  it('refuses a tag the channel does not accept, naming the rule, and stores and starts nothing', async () => {
    // Prepare
    const [count, starts] = [await releaseCount(), world.workflows.calls.length];

    // Act
    const answer = await create({ version: '2.0.0', images: { [WEB]: '2.0.0' } });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('ValidationError');
    expect(answer.body.error.message).toContain(`tag "2.0.0" is not accepted by channel stable rule for ${WEB} (versionRange "${STABLE_RANGE}")`);
    expect([await releaseCount(), world.workflows.calls.length]).toEqual([count, starts]);
  });

  it('says what to do when no accepted version was pushed, and when a digest alone cannot be checked', async () => {
    // Act
    const hotfix = await create({ version: '1.1.1-hotfix', channel: 'hotfix' });
    const digestOnly = await create({ version: '1.1.2', images: { [WEB]: digestOf(99) } });

    // Assess
    expect(hotfix.status).toBe(400);
    expect(hotfix.body.error.message).toContain(`no version of ${WEB} accepted by channel hotfix has been pushed; give it explicitly`);
    expect(digestOnly.status).toBe(400);
    expect(digestOnly.body.error.message).toContain(`give "<tag>@${digestOf(99)}"`);
  });

  it('refuses an image the process does not use, an unknown channel (listing the known ones) and an unknown project', async () => {
    // Act
    const stranger = await create({ version: '1.2.0', images: { 'registry.example/other': '1.0.0' } });
    const channel = await create({ version: '1.2.0', channel: 'nightly' });
    const project = await create({ version: '1.2.0' }, RELEASE_MANAGER, 'nope');

    // Assess
    expect(stranger.status).toBe(400);
    expect(stranger.body.error.message).toContain(`is not an image of the project's process (its repositories: ${WEB}, ${PROXY})`);
    expect(channel.status).toBe(400);
    expect(channel.body.error).toMatchObject({ code: 'UnknownReferenceError', details: { known: { channels: ['stable', 'hotfix'] } } });
    expect(project.status).toBe(404);
    expect(project.body.error.message).toBe('project nope does not exist');
  });

  it('refuses a version the project has already (409), a malformed body (400) and a caller without the role (403)', async () => {
    // Act
    const duplicate = await create({ version: '1.0.0' });
    const malformed = await create({ version: 'not a version', extra: true });
    const deployer = await create({ version: '1.3.0' }, DEV_DEPLOYER);

    // Assess
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toMatchObject({ code: 'DuplicateError', message: 'release 1.0.0 of project web exists already (release number 1)' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.problems).toEqual([expect.stringContaining('body.version'), 'body: unknown field "extra"']);
    expect(deployer.status).toBe(403);
    const denials = (await world.deps.stores.audit.listBySubject('project/web')).items.filter((e) => e.action === 'access.denied');
    expect(denials.at(-1)).toMatchObject({ actorArn: DEV_DEPLOYER, details: { action: 'createRelease' } });
  });
});

describe('GET releases', () => {
  it('lists a project’s releases newest first, and 404s for a project that does not exist', async () => {
    // Act
    const listed = await world.call('releases', LIST, { callerArn: AUDITOR, path: { projectId: 'web' }, query: { limit: '1' } });
    const next = await world.call('releases', LIST, { callerArn: AUDITOR, path: { projectId: 'web' }, query: { limit: '1', cursor: listed.body.cursor } });
    const missing = await world.call('releases', LIST, { callerArn: AUDITOR, path: { projectId: 'nope' } });

    // Assess
    expect(listed.body.items.map((r: { version: string }) => r.version)).toEqual(['1.1.0']);
    expect(listed.body.items[0].snapshot).toBeUndefined();
    expect(next.body.items.map((r: { version: string }) => r.version)).toEqual(['1.0.0']);
    expect(missing.status).toBe(404);
  });

  it('shows a release with its snapshot, its deployments and its lifecycle progress', async () => {
    // Act
    const answer = await world.call('releases', GET, { callerArn: ADMIN, path: { projectId: 'web', version: '1.0.0' } });
    const missing = await world.call('releases', GET, { callerArn: ADMIN, path: { projectId: 'web', version: '9.9.9' } });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ releaseId: 'web/1', deployments: [], release: { version: '1.0.0', snapshot: { lifecycleId: 'default' } } });
    expect(answer.body.progress.map((p: { name: string; open: boolean; complete: boolean }) => [p.name, p.open, p.complete])).toEqual([
      ['Development', true, false],
      ['Test', false, false],
      ['Production', false, false],
    ]);
    expect(missing.status).toBe(404);
  });

  it('never shows a secret value: not in an answer, an item or an audit event', async () => {
    // Act
    const items = await everyItem(world, ['PROJECT#web', 'AUDIT']);

    // Assess
    for (const text of [...world.answers.map((a) => a.text), items, JSON.stringify(world.events.published)]) expect(text).not.toContain(DB_PASSWORD);
  });
});

describe('POST /projects/{projectId}/releases, retried', () => {
  it('answers a retried create with the release its first attempt stored, when starting the lifecycle failed after it', async () => {
    // Prepare: the first attempt stores the release, then cannot start its lifecycle.
    world.workflows.fail('start', new ServiceUnavailableError('Step Functions could not start (ThrottlingException); retry later'), 1);
    const body = { version: '1.4.0', images: { [WEB]: '1.0.0', [PROXY]: 'v3' } };
    const starts = world.workflows.callsOf('start').length;

    // Act
    const first = await create(body);
    const retried = await create(body);
    const other = await create({ ...body, images: { [WEB]: '1.1.0', [PROXY]: 'v3' } });

    // Assess
    expect(first.status).toBe(503);
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({
      version: '1.4.0',
      images: [
        { repository: WEB, tag: '1.0.0' },
        { repository: PROXY, tag: 'v3' },
      ],
    });
    const started = world.workflows.callsOf('start').slice(starts);
    expect(started.at(-1)).toMatchObject({ workflow: 'release-lifecycle', name: `web-${retried.body.number}` });
    expect(other.status).toBe(409);
  });
});
