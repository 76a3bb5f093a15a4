/**
 * The ECR image push as ECR announces it: the documented "ECR Image Action" event
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html), published on
 * the account's default bus. Locally nothing pushes to ECR, so `conveyor image push` (and tests)
 * publish the same event themselves, through PutEvents on the local EventBridge: the catalog's
 * rule on the default bus delivers it to the on-image-push function, as on AWS. (AWS refuses
 * `aws.*` sources from PutEvents callers; the local service accepts them, being ECR's stand-in.)
 */
import { randomUUID } from 'node:crypto';
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DEFAULT_BUS, type EventEnvelope, eventTime } from './envelope.ts';

export const ECR_SOURCE = 'aws.ecr';
export const ECR_IMAGE_ACTION = 'ECR Image Action';

export type ImagePush = {
  /** The repository's name in ECR (`shop/web`), not its URI. */
  repository: string;
  tag: string;
  /** `sha256:<64 hex digits>`. */
  digest: string;
  account: string;
  region: string;
  time?: Date;
};

/** The documented event of a successful push. */
export function imagePushEvent(push: ImagePush): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': ECR_IMAGE_ACTION,
    source: ECR_SOURCE,
    account: push.account,
    time: eventTime(push.time ?? new Date()),
    region: push.region,
    resources: [`arn:aws:ecr:${push.region}:${push.account}:repository/${push.repository}`],
    detail: { result: 'SUCCESS', 'repository-name': push.repository, 'image-digest': push.digest, 'action-type': 'PUSH', 'image-tag': push.tag },
  };
}

/**
 * An event as a PutEvents entry on the default bus, where ECR publishes. EventBridge sets the
 * id, account and region of what it delivers: the local service's account and region, which
 * the caller makes the push's.
 */
export function putEventsEntry(event: EventEnvelope, bus = DEFAULT_BUS): PutEventsRequestEntry {
  return {
    Source: event.source,
    DetailType: event['detail-type'],
    Detail: JSON.stringify(event.detail),
    Resources: event.resources,
    Time: new Date(event.time),
    EventBusName: bus,
  };
}

/** Publishes a push through `client` (pointed at the local EventBridge); the id EventBridge gave the event. */
export async function publishImagePush(client: EventBridgeClient, push: ImagePush): Promise<string> {
  const answer = await client.send(new PutEventsCommand({ Entries: [putEventsEntry(imagePushEvent(push))] }));
  const entry = answer.Entries?.[0];
  if (answer.FailedEntryCount || !entry?.EventId) throw new Error(`EventBridge did not take the image push (${entry?.ErrorCode ?? 'no answer'}: ${entry?.ErrorMessage ?? ''})`);
  return entry.EventId;
}
