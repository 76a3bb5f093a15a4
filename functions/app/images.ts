/**
 * An image pushed to ECR makes releases by itself (EventBridge rule on the documented
 * "ECR Image Action" event, action PUSH, result SUCCESS). The push is recorded (so that "the
 * latest version the channel accepts" knows it), then every project whose process uses the
 * repository and whose default channel accepts the tag gets one release: the pushed tag and
 * digest for that repository, the latest accepted version for its other repositories. Its
 * release lifecycle starts, which deploys to the first phase when that phase is automatic.
 *
 * Idempotent on the digest: the store makes one release per project and digest however many
 * times, and however concurrently, the event is delivered (EventBridge delivers at least once).
 * A redelivery finds the release (`created: false`): no second audit event or ReleaseCreated,
 * and the lifecycle start is only repeated, which Step Functions makes idempotent by name — so
 * a delivery that failed between the store and Step Functions still gets its release moving.
 *
 * Projects are read whole (the process is not in the project list): one list and one read per
 * project, PROJECT_READ_CONCURRENCY at a time. A pipeline has tens to a few hundred projects;
 * past that, an index of repositories per project would be the next step.
 */

import { InvalidManifestError } from '#domain/errors.ts';
import { channelAccepts } from '#domain/pipeline/channels.ts';
import { DuplicateError, NotFoundError, UnknownReferenceError, ValidationError } from '#domain/pipeline/errors.ts';
import type { PrincipalArn, Project } from '#domain/pipeline/model.ts';
import type { PushedImage } from '#domain/pipeline/ports.ts';
import type { AppDeps, Caller } from './context.ts';
import { chooseImages, describeRule, normalizedChannel, processRepositories } from './release-images.ts';
import { channelOf, mapBounded } from './release-lookups.ts';
import { recordRelease } from './releases.ts';

/** Projects read at the same time. */
const PROJECT_READ_CONCURRENCY = 8;
/** Versions tried for one push: the tag, then `<tag>-2` ... while other releases hold them. */
const MAX_VERSION_ATTEMPTS = 20;
/** The only event that makes releases. */
const PUSH_ACTION = 'PUSH';
const SUCCESS_RESULT = 'SUCCESS';

/** The documented "ECR Image Action" event, as the edge's schema (functions/api/schemas/events.ts) lets it through. */
export type EcrImageAction = {
  id: string;
  account: string;
  region: string;
  time: string;
  detail: { 'action-type': string; result: string; 'repository-name': string; 'image-digest'?: string; 'image-tag'?: string };
};

export type ImagePush = PushedImage;

/** The push an event reports, or why the event makes no release (a deletion, a failed push, an untagged push). */
export function imagePushOf(event: EcrImageAction): { push: ImagePush } | { ignored: string } {
  const { detail } = event;
  if (detail['action-type'] !== PUSH_ACTION) return { ignored: `action ${detail['action-type']}: only ${PUSH_ACTION} makes releases` };
  if (detail.result !== SUCCESS_RESULT) return { ignored: `result ${detail.result}: the push did not succeed` };
  const tag = detail['image-tag'];
  if (!tag) return { ignored: 'the pushed image has no tag: channels accept tags' };
  const digest = detail['image-digest']!;
  // The repository as projects name it: the registry's host and the repository name.
  const repository = `${event.account}.dkr.ecr.${event.region}.amazonaws.com/${detail['repository-name']}`;
  return { push: { repository, tag, digest, pushedAt: new Date(event.time).toISOString() } };
}

/** What one push did, for the function's log. */
export type ImagePushOutcome = {
  push: ImagePush;
  releases: { projectId: string; version: string; number: number; created: boolean }[];
  /** Projects that use the repository but got no release, and why. */
  skipped: { projectId: string; reason: string }[];
};

/** The pipeline as the actor of its own actions (audit events, releases' `createdBy`). */
export function pipelineCaller(actorArn: PrincipalArn, eventId: string): Caller {
  return { principalArn: actorArn, callerArn: actorArn, requestId: `event/${eventId}` };
}

/** A project (or its channel, or its lifecycle) deleted while the push is handled: nothing to make for it. */
function unlessGone(error: unknown): undefined {
  if (error instanceof NotFoundError) return undefined;
  throw error;
}

/** Creates the project's release of the push under the first version free: the tag, else `<tag>-2`, `<tag>-3`... */
async function releaseFor(deps: AppDeps, actor: Caller, project: Project, push: ImagePush): Promise<ImagePushOutcome['releases'][number] | { reason: string }> {
  const channel = normalizedChannel(channelOf(project));
  if (!channelAccepts(channel, push.repository, push.tag)) return { reason: `tag ${push.tag} is not accepted by ${describeRule(channel, push.repository)}` };
  const fixed = [{ repository: push.repository, tag: push.tag, digest: push.digest }];
  let images;
  try {
    images = await chooseImages(deps.stores.images, { repositories: processRepositories(project.process), channel, fixed });
  } catch (error) {
    if (error instanceof ValidationError || error instanceof InvalidManifestError) return { reason: error.message };
    throw error;
  }
  for (let attempt = 1; attempt <= MAX_VERSION_ATTEMPTS; attempt++) {
    const version = attempt === 1 ? push.tag : `${push.tag}-${attempt}`;
    try {
      const { release, created } = await recordRelease(deps, actor, { project, channel, images, version, sourceDigest: push.digest, origin: 'image-push' });
      return { projectId: project.id, version: release.version, number: release.number, created };
    } catch (error) {
      if (error instanceof ValidationError) return { reason: error.message };
      if (!(error instanceof DuplicateError)) throw error;
    }
  }
  return { reason: `versions ${push.tag} to ${push.tag}-${MAX_VERSION_ATTEMPTS} are all taken by other releases` };
}

/** Records the push and makes the releases it calls for. Store and service failures throw (the event is delivered again). */
export async function onImagePush(deps: AppDeps, actor: Caller, push: ImagePush): Promise<ImagePushOutcome> {
  await deps.stores.images.record(push);
  const summaries = await deps.stores.projects.list();
  const projects = await mapBounded(summaries, PROJECT_READ_CONCURRENCY, (summary) => deps.stores.projects.get(summary.id).catch(unlessGone));
  const users = projects.filter((project) => project !== undefined && processRepositories(project.process).includes(push.repository));
  const outcome: ImagePushOutcome = { push, releases: [], skipped: [] };
  for (const project of users as Project[]) {
    const result = await releaseFor(deps, actor, project, push).catch((error: unknown) => {
      // Its default channel or lifecycle missing: the project's configuration to fix, not the event's.
      if (!(error instanceof UnknownReferenceError)) unlessGone(error);
      return { reason: (error as Error).message };
    });
    if ('reason' in result) outcome.skipped.push({ projectId: project.id, reason: result.reason });
    else outcome.releases.push(result);
  }
  return outcome;
}
