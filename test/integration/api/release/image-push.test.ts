/**
 * The image-push handler with the documented ECR "ECR Image Action" event: one release per
 * project whose process uses the repository and whose default channel accepts the tag, its
 * lifecycle started; the same event delivered twice — one after the other, at once, or after a
 * delivery that failed half-way — makes one release and one lifecycle. Deletions, failed and
 * untagged pushes are ignored; a malformed event is answered with its problems, nothing made.
 */
import '../../../support/quiet-powertools.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '#domain/pipeline/errors.ts';
import type { Step } from '#domain/pipeline/model.ts';
import { type ImagePushResult, imagePushHandler, pipelineActor } from '#functions/handlers/events/on-image-push.ts';
import { lambdaContext } from '../../../support/api-events.ts';
import { rejectionOf } from '../../dynamodb/helpers.ts';
import { ACCOUNT, createWorld, digestOf, PROXY, seed, type World, webProject } from './world.ts';

const REGION = 'eu-west-1';
const REPOSITORY_NAME = 'team/api';
const ECR_API = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPOSITORY_NAME}`;
const PIPELINE = 'arn:aws:iam::123456789012:role/conveyor-pipeline-test';

let world: World;
let handle: (event: unknown) => Promise<ImagePushResult>;
let eventCount = 0;

/** The documented event, as EventBridge delivers it. */
function ecrEvent(tag: string | undefined, digest: string, detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: `event-${++eventCount}`,
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: ACCOUNT,
    time: '2026-02-01T10:00:00Z',
    region: REGION,
    resources: [],
    detail: { result: 'SUCCESS', 'repository-name': REPOSITORY_NAME, 'image-digest': digest, 'action-type': 'PUSH', ...(tag ? { 'image-tag': tag } : {}), ...detail },
  };
}

const manifestStep = (image: string): Step => ({
  kind: 'apply-manifests',
  name: 'deploy',
  targetTags: ['api'],
  timeoutSeconds: 300,
  manifests: [
    { name: 'api.yaml', content: `apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\nspec:\n  containers:\n    - name: api\n      image: ${image}\n    - name: proxy\n      image: ${PROXY}:v1\n` },
  ],
});

const containersStep = (image: string): Step => ({
  kind: 'deploy-containers',
  name: 'worker',
  targetTags: ['worker'],
  timeoutSeconds: 300,
  spec: { name: 'worker', replicas: 1, labels: {}, strategy: 'Recreate', containers: [{ name: 'worker', image, ports: [], env: [] }] },
});

beforeAll(async () => {
  world = await createWorld('image-push');
  const { secretArn } = await seed(world);
  const { stores } = world.deps;
  await stores.projects.create(
    webProject(secretArn, { id: 'api', name: 'API', process: [manifestStep(`${ECR_API}:0.0.1`)], channels: [{ name: 'stable', rules: [{ repository: ECR_API, tagPattern: '\\d+\\.\\d+\\.\\d+' }] }] }),
  );
  await stores.projects.create(
    webProject(secretArn, {
      id: 'worker',
      name: 'Worker',
      process: [containersStep(`${ECR_API}:#{Tag}`)],
      channels: [{ name: 'main', rules: [{ repository: ECR_API, versionRange: '>=1.0.0' }] }],
      defaultChannel: 'main',
    }),
  );
  await stores.projects.create(
    webProject(secretArn, {
      id: 'nightly',
      name: 'Nightly',
      process: [manifestStep(`${ECR_API}:nightly`)],
      channels: [{ name: 'nightly', rules: [{ repository: ECR_API, tagPattern: 'nightly-.*' }] }],
      defaultChannel: 'nightly',
    }),
  );
  const handler = imagePushHandler(() => world.deps, pipelineActor(PIPELINE));
  handle = (event) => handler(event, lambdaContext('on-image-push'));
});

afterAll(async () => {
  await world.close();
});

const releasesOf = async (projectId: string) => (await world.deps.stores.releases.list(projectId)).items;
const lifecycles = () => [...world.workflows.executions.values()].filter((e) => e.workflow === 'release-lifecycle').map((e) => e.name);

describe('on-image-push', () => {
  it('makes one release per project that uses the repository and whose channel accepts the tag, and starts its lifecycle', async () => {
    // Act
    const result = await handle(ecrEvent('1.2.3', digestOf(100)));

    // Assess
    expect(result).toMatchObject({ outcome: 'handled', push: { repository: ECR_API, tag: '1.2.3', digest: digestOf(100) } });
    expect(result.outcome === 'handled' && result.releases.map((r) => [r.projectId, r.version, r.created])).toEqual([
      ['api', '1.2.3', true],
      ['worker', '1.2.3', true],
    ]);
    expect(result.outcome === 'handled' && result.skipped).toEqual([{ projectId: 'nightly', reason: `tag 1.2.3 is not accepted by channel nightly rule for ${ECR_API} (tagPattern "nightly-.*")` }]);
    const [api] = await releasesOf('api');
    expect(api).toMatchObject({ version: '1.2.3', sourceDigest: digestOf(100), createdBy: PIPELINE, channel: 'stable' });
    expect(api!.images).toEqual([
      { repository: ECR_API, tag: '1.2.3', digest: digestOf(100) },
      { repository: PROXY, tag: 'v4', digest: digestOf(5) },
    ]);
    expect(lifecycles()).toEqual(['api-1', 'worker-1']);
    expect(world.events.ofType('ReleaseCreated').map((e) => e.detail.releaseId)).toEqual(['api/1', 'worker/1']);
    expect((await world.deps.stores.audit.listBySubject('release/api/1')).items).toMatchObject([{ action: 'release.create', actorArn: PIPELINE, details: { origin: 'image-push' } }]);
    expect((await world.deps.stores.images.list(ECR_API))[0]).toEqual({ repository: ECR_API, tag: '1.2.3', digest: digestOf(100), pushedAt: '2026-02-01T10:00:00.000Z' });
  });

  it('makes nothing more when the same event is delivered again', async () => {
    // Act
    const again = await handle({ ...ecrEvent('1.2.3', digestOf(100)), id: 'event-1' });

    // Assess
    expect(again.outcome === 'handled' && again.releases.map((r) => [r.projectId, r.number, r.created])).toEqual([
      ['api', 1, false],
      ['worker', 1, false],
    ]);
    expect((await releasesOf('api')).length).toBe(1);
    expect(lifecycles()).toEqual(['api-1', 'worker-1']);
    expect(world.events.ofType('ReleaseCreated')).toHaveLength(2);
  });

  it('makes one release per project when the same event is delivered twice at once', async () => {
    // Prepare
    const event = ecrEvent('1.3.0', digestOf(101));

    // Act
    const results = await Promise.all([handle(event), handle(event)]);

    // Assess
    const created = results.flatMap((r) => (r.outcome === 'handled' ? r.releases.filter((x) => x.created).map((x) => x.projectId) : []));
    expect(created.sort()).toEqual(['api', 'worker']);
    expect((await releasesOf('api')).map((r) => r.version)).toEqual(['1.3.0', '1.2.3']);
    expect(lifecycles().sort()).toEqual(['api-1', 'api-2', 'worker-1', 'worker-2']);
    expect(world.events.ofType('ReleaseCreated')).toHaveLength(4);
  });

  it('still starts the lifecycle when a delivery failed after the release was stored', async () => {
    // Prepare: Step Functions is unavailable for the first delivery.
    world.workflows.fail('start', new ServiceUnavailableError('Step Functions could not start the execution (ThrottlingException); retry later'), 1);
    const event = ecrEvent('1.4.0', digestOf(102));

    // Act
    const failed = await rejectionOf(handle(event));
    const retried = await handle(event);

    // Assess
    expect(failed).toBeInstanceOf(ServiceUnavailableError);
    expect(retried.outcome === 'handled' && retried.releases.map((r) => [r.projectId, r.version, r.created])).toEqual([
      ['api', '1.4.0', false],
      ['worker', '1.4.0', true],
    ]);
    expect(lifecycles().filter((name) => name.endsWith('-3'))).toEqual(['api-3', 'worker-3']);
  });

  it('takes the next free version when another release holds the tag', async () => {
    // Act: the same tag pushed again with another digest (a re-pushed tag).
    const result = await handle(ecrEvent('1.4.0', digestOf(103)));

    // Assess
    expect(result.outcome === 'handled' && result.releases.map((r) => [r.projectId, r.version])).toEqual([
      ['api', '1.4.0-2'],
      ['worker', '1.4.0-2'],
    ]);
  });

  it('makes no release for a tag no channel accepts', async () => {
    // Prepare
    const before = (await releasesOf('api')).length;

    // Act
    const result = await handle(ecrEvent('latest', digestOf(104)));

    // Assess
    expect(result.outcome === 'handled' && result.releases).toEqual([]);
    expect(result.outcome === 'handled' && result.skipped.map((s) => s.projectId)).toEqual(['api', 'nightly', 'worker']);
    expect((await releasesOf('api')).length).toBe(before);
  });

  it('ignores deletions, failed pushes and untagged pushes, recording nothing', async () => {
    // Prepare
    const pushes = (await world.deps.stores.images.list(ECR_API)).length;

    // Act
    const results = [
      await handle(ecrEvent('9.9.9', digestOf(105), { 'action-type': 'DELETE' })),
      await handle(ecrEvent('9.9.9', digestOf(106), { result: 'FAILURE' })),
      await handle(ecrEvent(undefined, digestOf(107))),
    ];

    // Assess
    expect(results.map((r) => r.outcome)).toEqual(['ignored', 'ignored', 'ignored']);
    expect(results.map((r) => (r.outcome === 'ignored' ? r.reason : ''))).toEqual([
      'action DELETE: only PUSH makes releases',
      'result FAILURE: the push did not succeed',
      'the pushed image has no tag: channels accept tags',
    ]);
    expect((await world.deps.stores.images.list(ECR_API)).length).toBe(pushes);
  });

  it('answers a malformed event with its problems, without a value, and makes nothing', async () => {
    // Prepare
    const releases = (await releasesOf('api')).length;
    const { 'repository-name': _, ...detail } = ecrEvent('2.0.0', digestOf(108)).detail;

    // Act
    const missing = await handle({ ...ecrEvent('2.0.0', digestOf(108)), detail });
    const foreign = await handle({ ...ecrEvent('2.0.0', digestOf(109)), source: 'aws.s3', account: 'secret-looking-value' });

    // Assess
    expect(missing).toEqual({ outcome: 'malformed', problems: ['event.detail.repository-name: Invalid input: expected string, received undefined'] });
    expect(foreign.outcome).toBe('malformed');
    expect(foreign.outcome === 'malformed' && foreign.problems.join('\n')).not.toContain('secret-looking-value');
    expect((await releasesOf('api')).length).toBe(releases);
  });
});
