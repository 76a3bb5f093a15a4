/**
 * Schemas of the release routes: create (`POST /projects/{projectId}/releases`), list, and show
 * (`GET /projects/{projectId}/releases/{version}`). A release is addressed by its project and
 * version: the data model has no global release id (state machines carry
 * `releaseId = "<projectId>/<releaseNumber>"`, functions/app/release-ids.ts).
 */
import { z } from 'zod';
import { VERSION_PATTERN } from '#domain/pipeline/validate.ts';
import { page, slug, text } from './common.ts';
import { deployment } from './deployments.ts';

/** Most image entries a release request may give: far more repositories than a process names. */
const MAX_IMAGE_ENTRIES = 100;
/** A repository with its registry, or a tag@digest: Docker allows 255 + 128 + 71 characters. */
const MAX_IMAGE_TEXT = 512;
export const MAX_NOTES_LENGTH = 4000;

/** A release version (`1.4.2`, `2026.01.31-3`): unique per project, also a URL path segment. */
export const releaseVersion = z.string().regex(VERSION_PATTERN, 'must be letters, digits, ".", "+", "_" or "-", starting with a letter or digit, at most 128');

export const projectPath = z.strictObject({ projectId: slug });
export const releasePath = z.strictObject({ projectId: slug, version: releaseVersion });

export const createReleaseBody = z.strictObject({
  version: releaseVersion,
  channel: slug.optional().describe("the project's default channel when absent"),
  images: z
    .record(z.string().min(1).max(MAX_IMAGE_TEXT), z.string().min(1).max(MAX_IMAGE_TEXT))
    .refine((images) => Object.keys(images).length <= MAX_IMAGE_ENTRIES, `at most ${MAX_IMAGE_ENTRIES} images`)
    .optional()
    .describe('repository → tag, sha256 digest or tag@digest; other repositories get the latest version the channel accepts'),
  notes: text(MAX_NOTES_LENGTH).optional(),
});

export const imageReference = z.object({
  repository: z.string(),
  tag: z.string(),
  digest: z.string().optional().describe('sha256 digest when known: deployments pin the image by it'),
});

export const releaseSummary = z.object({
  projectId: z.string(),
  number: z.number().int().describe('1, 2, 3... per project'),
  version: z.string(),
  channel: z.string(),
  images: z.array(imageReference),
  createdBy: z.string().describe('IAM principal ARN, or the pipeline for an image push'),
  createdAt: z.string(),
  sourceDigest: z.string().optional().describe('the pushed image digest that made the release'),
  notes: z.string().optional(),
});

export const release = releaseSummary.extend({
  snapshot: z.object({
    process: z.array(z.looseObject({ name: z.string(), kind: z.string() })).describe('the deployment process as it was'),
    variables: z.array(z.looseObject({ name: z.string() })).describe('sensitive values appear as secret ARNs only'),
    images: z.array(imageReference),
    lifecycleId: z.string(),
    projectVersion: z.number().int(),
  }),
});

export const phaseProgress = z.object({
  index: z.number().int(),
  name: z.string(),
  environments: z.array(z.string()),
  automatic: z.boolean(),
  succeeded: z.array(z.string()),
  required: z.number().int(),
  complete: z.boolean(),
  open: z.boolean(),
});

export const releaseDetail = z.object({
  release,
  releaseId: z.string().describe('"<projectId>/<releaseNumber>", as state machines carry it'),
  deployments: z.array(deployment),
  progress: z.array(phaseProgress).describe("the lifecycle's phases and what this release completed"),
});

export const releasesPage = page(releaseSummary);
