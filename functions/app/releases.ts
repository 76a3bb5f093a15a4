/**
 * Releases: create one (from the API, or from an image push through images.ts), list a
 * project's releases, show one with where it stands in its lifecycle. A release is immutable:
 * its snapshot holds the project's process and variables as they were (sensitive values as
 * secret ARNs only), the image chosen for every repository the process names, the lifecycle it
 * follows (its channel's, else the project's) and the project version it came from.
 *
 * Once created, the release's audit event is appended, its release lifecycle is started
 * (release-ids.ts: execution `<projectId>-<number>`, input `{releaseId: "<projectId>/<number>"}`)
 * and ReleaseCreated is published. DeploymentStarted is not published here or on promotion:
 * the deployment state machine's plan does that when a deployment really starts.
 */

import { DuplicateError, NotFoundError } from '#domain/pipeline/errors.ts';
import { lifecycleProgress, type PhaseProgress } from '#domain/pipeline/lifecycle.ts';
import type { Channel, Deployment, ImageReference, Project, Release, ReleaseSummary } from '#domain/pipeline/model.ts';
import type { Page, PageRequest } from '#domain/pipeline/ports.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { lifecycleExecutionName, releaseIdOf, releaseSubject } from './release-ids.ts';
import { chooseImages, normalizedChannel, processRepositories } from './release-images.ts';
import { channelOf } from './release-lookups.ts';

/** What `POST /projects/{projectId}/releases` takes. */
export type CreateReleaseRequest = {
  version: string;
  /** The project's default channel when absent. */
  channel?: string;
  /** Repository → tag, `sha256:` digest or `tag@sha256:` digest; repositories not given get the latest the channel accepts. */
  images?: Record<string, string>;
  notes?: string;
};

/** Where a release came from, for its audit event. */
export type ReleaseOrigin = 'api' | 'image-push';

export type NewReleaseInput = {
  project: Project;
  channel: Channel;
  images: ImageReference[];
  version: string;
  notes?: string;
  /** The pushed digest that made the release (an image push): one release per digest. */
  sourceDigest?: string;
  origin: ReleaseOrigin;
};

/** `repo:tag@digest`, what audit details and events show of an image. */
export const imageText = (image: ImageReference) => `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;

/**
 * Starts the release's lifecycle. Idempotent: the same name and input give the running
 * execution back; a finished one (DuplicateError from Step Functions' ExecutionAlreadyExists)
 * has run already, which is what was asked.
 */
export async function startReleaseLifecycle(deps: AppDeps, release: Pick<ReleaseSummary, 'projectId' | 'number'>): Promise<void> {
  try {
    await deps.workflows.start('release-lifecycle', lifecycleExecutionName(release), { releaseId: releaseIdOf(release) });
  } catch (error) {
    if (!(error instanceof DuplicateError)) throw error;
  }
}

/**
 * Stores the release (the store numbers it; with `sourceDigest`, a digest seen before returns
 * its release with `created: false`), then for a new release: its audit event, its lifecycle,
 * ReleaseCreated. For a release that existed, only the lifecycle start is repeated (idempotent):
 * a redelivered image push after a failure between the store and Step Functions still gets its
 * release moving, and never a second lifecycle.
 */
export async function recordRelease(deps: AppDeps, caller: Caller, input: NewReleaseInput): Promise<{ release: Release; created: boolean }> {
  const { project, channel, images } = input;
  const lifecycleId = channel.lifecycleId ?? project.lifecycleId;
  // The lifecycle must exist now: a release that could never be deployed is refused at once.
  await deps.stores.lifecycles.get(lifecycleId);
  const { release, created } = await deps.stores.releases.create({
    projectId: project.id,
    version: input.version,
    channel: channel.name,
    images,
    createdBy: caller.callerArn,
    createdAt: deps.clock().toISOString(),
    ...(input.sourceDigest ? { sourceDigest: input.sourceDigest } : {}),
    ...(input.notes ? { notes: input.notes } : {}),
    snapshot: {
      process: project.process,
      variables: project.variables,
      images,
      lifecycleId,
      projectVersion: project.version,
    },
  });
  if (created) {
    await audit(deps, caller, 'release.create', releaseSubject(release), {
      project: project.id,
      version: release.version,
      channel: channel.name,
      images: images.map(imageText),
      origin: input.origin,
      ...(input.sourceDigest ? { sourceDigest: input.sourceDigest } : {}),
    });
  }
  await startReleaseLifecycle(deps, release);
  if (created) await publishCreated(deps, release);
  return { release, created };
}

function publishCreated(deps: AppDeps, release: Release): Promise<void> {
  return deps.events.publish('ReleaseCreated', {
    releaseId: releaseIdOf(release),
    projectId: release.projectId,
    releaseNumber: release.number,
    version: release.version,
    channel: release.channel,
    images: release.images,
    createdBy: release.createdBy,
  });
}

/** Creates a release of a project through the API (Admin, ReleaseManager). */
export async function createRelease(deps: AppDeps, caller: Caller, projectId: string, request: CreateReleaseRequest): Promise<Release> {
  await authorize(deps, caller, 'createRelease', `project/${projectId}`);
  const project = await deps.stores.projects.get(projectId);
  const channel = normalizedChannel(channelOf(project, request.channel));
  const images = await chooseImages(deps.stores.images, { repositories: processRepositories(project.process), channel, given: request.images });
  try {
    const { release } = await recordRelease(deps, caller, { project, channel, images, version: request.version, notes: request.notes, origin: 'api' });
    return release;
  } catch (error) {
    if (!(error instanceof DuplicateError)) throw error;
    return resumeSameRelease(deps, error, caller, projectId, { version: request.version, channel: channel.name, images });
  }
}

/**
 * A retried create whose first attempt stored the release but failed after (starting the
 * lifecycle): the same caller asking for the same version, channel and images gets that
 * release, with its lifecycle started (idempotent by name) and ReleaseCreated published again
 * (events are at-least-once). Anything else with that version is the DuplicateError it is.
 */
async function resumeSameRelease(deps: AppDeps, duplicate: DuplicateError, caller: Caller, projectId: string, asked: Pick<Release, 'version' | 'channel' | 'images'>): Promise<Release> {
  const existing = await deps.stores.releases.getByVersion(projectId, asked.version);
  // Images compared as text: stored maps do not keep their keys' order.
  const same = existing.createdBy === caller.callerArn && existing.channel === asked.channel && existing.images.map(imageText).join() === asked.images.map(imageText).join();
  if (!same) throw duplicate;
  await startReleaseLifecycle(deps, existing);
  await publishCreated(deps, existing);
  return existing;
}

/** A project's releases, newest first; a project that does not exist is a 404, not an empty list. */
export async function listReleases(deps: AppDeps, caller: Caller, projectId: string, page: PageRequest): Promise<Page<ReleaseSummary>> {
  await authorize(deps, caller, 'read', `project/${projectId}`);
  const found = await deps.stores.releases.list(projectId, page);
  // Only an empty first page needs the (heavier) project read to tell "none yet" from "no such project".
  if (found.items.length === 0 && page.cursor === undefined) await deps.stores.projects.get(projectId);
  return found;
}

/** A release with its snapshot, its deployments and its lifecycle progress. */
export type ReleaseDetail = { release: Release; releaseId: string; deployments: Deployment[]; progress: PhaseProgress[] };

export async function getRelease(deps: AppDeps, caller: Caller, projectId: string, version: string): Promise<ReleaseDetail> {
  await authorize(deps, caller, 'read', `project/${projectId}`);
  const release = await deps.stores.releases.getByVersion(projectId, version);
  const [deployments, lifecycle] = await Promise.all([
    deps.stores.deployments.listByRelease(projectId, release.number),
    deps.stores.lifecycles.get(release.snapshot.lifecycleId).catch((error: unknown) => {
      // A lifecycle deleted since: the release is still shown, without progress.
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }),
  ]);
  const succeeded = new Set(deployments.filter((d) => d.state === 'Succeeded').map((d) => d.environmentId));
  return { release, releaseId: releaseIdOf(release), deployments, progress: lifecycle ? lifecycleProgress(lifecycle, succeeded) : [] };
}
