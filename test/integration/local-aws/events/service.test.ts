/**
 * The local EventBridge through the real SDK client: an ECR image push, published as ECR
 * publishes it, delivered to the catalog's on-image-push function in the local Lambda service,
 * which makes the release and starts its lifecycle in the local Step Functions service (and a
 * redelivery makes no second release); Conveyor's own events recorded on the pipeline's bus;
 * deliveries retried, then given up; PutEvents' per-entry and per-call errors.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '#functions/catalog.ts';
import { CATALOG } from '#functions/catalog.ts';
import { DELIVERY_ATTEMPTS, imagePushEvent, publishImagePush, putEventsEntry, startEvents } from '../../../../local/aws/events/index.ts';
import { LOCAL_CREDENTIALS } from '../../../../local/aws/stepfunctions/index.ts';
import { manifestStep, seedEnvironments, seedLifecycle, seedProject, until } from '../../../support/pipeline-fixtures.ts';
import { failureOf, REGION } from '../secrets/helpers.ts';
import { ACCOUNT, type LocalAws, PIPELINE_BUS, startLocalAws } from '../stepfunctions/harness.ts';

const REPOSITORY = 'shop/web';
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPOSITORY}`;
const DIGEST = `sha256:${'4'.repeat(64)}`;
const MAX_ENTRIES = 10;

let h: LocalAws;

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "${IMAGE}:latest"}]
`;

beforeAll(async () => {
  h = await startLocalAws({ label: 'local-aws-events', sandbox: false });
  await seedEnvironments(h, ['staging']);
  // A manual first phase: the lifecycle starts and waits for a promotion, deploying nothing.
  await seedLifecycle(h, 'manual', [{ name: 'Staging', environments: ['staging'], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 }]);
  await seedProject(h, { id: 'shop', lifecycleId: 'manual', process: [manifestStep('deploy web', manifest)] });
});

afterAll(async () => {
  await h?.close();
});

describe('an ECR image push', () => {
  let eventId: string;

  beforeAll(async () => {
    eventId = await publishImagePush(h.eventsClient, { repository: REPOSITORY, tag: '1.4.0', digest: DIGEST, account: ACCOUNT, region: REGION });
    await h.eventBridge.settled();
  });

  it('is delivered to on-image-push, which makes the release and starts its lifecycle', async () => {
    // Act
    const releases = (await h.deps.stores.releases.list('shop')).items;
    const executions = await until(async () => (await h.sfnClient.send(new ListExecutionsCommand({ stateMachineArn: h.arns['release-lifecycle'] }))).executions?.[0], 'the lifecycle execution');

    // Assess
    expect(h.eventBridge.deliveries()).toEqual([{ eventId, rule: 'ecr-image-push', function: 'on-image-push', status: 'delivered', attempts: 1 }]);
    expect(releases.map((r) => r.version)).toEqual(['1.4.0']);
    const release = await h.deps.stores.releases.get('shop', releases[0]!.number);
    expect(release.images).toEqual([{ repository: IMAGE, tag: '1.4.0', digest: DIGEST }]);
    const lifecycle = await h.sfnClient.send(new DescribeExecutionCommand({ executionArn: executions.executionArn! }));
    expect(JSON.parse(lifecycle.input!)).toEqual({ releaseId: `shop/${release.number}` });
  });

  it("is recorded as EventBridge delivered it, with the pipeline's own ReleaseCreated on its bus", async () => {
    // Act
    const recorded = h.eventBridge.events();

    // Assess
    const push = recorded.find((r) => r.event.id === eventId)!;
    expect(push).toMatchObject({ bus: 'default', rules: ['ecr-image-push'] });
    expect(push.event).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'ECR Image Action',
      source: 'aws.ecr',
      account: ACCOUNT,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: REGION,
      resources: [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${REPOSITORY}`],
      detail: { result: 'SUCCESS', 'repository-name': REPOSITORY, 'image-digest': DIGEST, 'action-type': 'PUSH', 'image-tag': '1.4.0' },
    });
    const own = recorded.filter((r) => r.event.source === 'conveyor').map((r) => `${r.bus} ${r.event['detail-type']} ${r.rules.length}`);
    expect(own).toContain(`${PIPELINE_BUS} ReleaseCreated 0`);
  });

  it('delivered again makes no second release (releases are idempotent on the digest)', async () => {
    // Act
    await publishImagePush(h.eventsClient, { repository: REPOSITORY, tag: '1.4.0', digest: DIGEST, account: ACCOUNT, region: REGION });
    await h.eventBridge.settled();

    // Assess
    expect(h.eventBridge.deliveries().map((d) => d.status)).toEqual(['delivered', 'delivered']);
    expect((await h.deps.stores.releases.list('shop')).items).toHaveLength(1);
  });
});

describe('deliveries', () => {
  /** A rule on the pipeline's bus whose target fails `failures` times. */
  async function eventsWithFlakyTarget(failures: number) {
    const catalog: Catalog = {
      ...CATALOG,
      eventRules: [{ name: 'on-started', description: 'test', pattern: { source: ['conveyor'], 'detail-type': ['DeploymentStarted'], detail: { environmentId: ['prod'] } }, function: 'audit-api' }],
    };
    const calls: { functionName: string; detail: unknown }[] = [];
    const service = await startEvents({
      catalog,
      region: REGION,
      accountId: ACCOUNT,
      retryDelayMs: 1,
      invoker: async (functionName, event) => {
        calls.push({ functionName, detail: (event as { detail: unknown }).detail });
        if (calls.length <= failures) throw Object.assign(new Error('not yet'), { name: 'ServiceUnavailableError' });
        return null;
      },
    });
    const client = new EventBridgeClient({ endpoint: service.url, region: REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const put = (environmentId: string) =>
      client.send(new PutEventsCommand({ Entries: [{ EventBusName: PIPELINE_BUS, Source: 'conveyor', DetailType: 'DeploymentStarted', Detail: JSON.stringify({ environmentId }) }] }));
    return {
      service,
      calls,
      put,
      close: async () => {
        client.destroy();
        await service.close();
      },
    };
  }

  it('are tried again after a failure, and given up after the last attempt', async () => {
    // Prepare
    const retried = await eventsWithFlakyTarget(2);
    const failing = await eventsWithFlakyTarget(DELIVERY_ATTEMPTS);

    // Act
    await retried.put('prod');
    await failing.put('prod');
    await Promise.all([retried.service.settled(), failing.service.settled()]);

    // Assess
    expect(retried.calls).toEqual(Array(3).fill({ functionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:audit-api`, detail: { environmentId: 'prod' } }));
    expect(retried.service.deliveries()).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3 })]);
    expect(failing.service.deliveries()).toEqual([expect.objectContaining({ status: 'failed', attempts: DELIVERY_ATTEMPTS, lastError: 'ServiceUnavailableError: not yet' })]);
    await Promise.all([retried.close(), failing.close()]);
  });

  it('go only to rules whose pattern matches, nested detail included', async () => {
    // Prepare
    const events = await eventsWithFlakyTarget(0);

    // Act
    await events.put('dev');
    await events.service.settled();

    // Assess
    expect(events.calls).toEqual([]);
    expect(events.service.events()).toEqual([expect.objectContaining({ bus: PIPELINE_BUS, rules: [] })]);
    await events.close();
  });
});

describe('PutEvents errors', () => {
  it('refuses an entry without a JSON object as Detail, or on an unknown bus, and takes the others', async () => {
    // Prepare
    const good = putEventsEntry(imagePushEvent({ repository: 'not/used', tag: '0.0.1', digest: DIGEST, account: ACCOUNT, region: REGION }));

    // Act
    const answer = await h.eventsClient.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'conveyor', DetailType: 'DeploymentStarted', Detail: '[1, 2]', EventBusName: PIPELINE_BUS },
          { Source: 'conveyor', DetailType: 'DeploymentStarted', Detail: '{}', EventBusName: 'nobody-made-this-bus' },
          { DetailType: 'DeploymentStarted', Detail: '{}' },
          good,
        ],
      }),
    );

    // Assess
    expect(answer.FailedEntryCount).toBe(3);
    expect(answer.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual(['MalformedDetail', 'ResourceNotFoundException', 'InvalidArgument', 'ok']);
    expect(answer.Entries![3]!.EventId).toEqual(expect.any(String));
  });

  it('refuses more than ten entries in one call', async () => {
    // Act
    const error = await failureOf(h.eventsClient.send(new PutEventsCommand({ Entries: Array(MAX_ENTRIES + 1).fill({ Source: 'conveyor', DetailType: 'x', Detail: '{}' }) })));

    // Assess
    expect(error.name).toBe('ValidationException');
  });
});
