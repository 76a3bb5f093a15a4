/**
 * Which image versions a release snapshots. The repositories are those the project's process
 * names: container images of apply-manifests manifests and deploy-containers specs, found
 * with the engine's own parsing (variables substitution planning, YAML/JSON parsing, pod
 * templates, Docker reference normalization), without any variable's value. Each repository
 * then gets the version its creator gave (which the channel must accept), a version fixed by
 * the caller (the pushed image of an image push), or the latest version the channel accepts
 * among the pushes the pipeline has seen.
 */

import { InvalidManifestError } from '#domain/errors.ts';
import { channelAccepts, type KnownTag, latestAccepted } from '#domain/pipeline/channels.ts';
import { ValidationError } from '#domain/pipeline/errors.ts';
import type { Channel, ChannelRule, ImageReference, Step } from '#domain/pipeline/model.ts';
import type { ImageStore, PushedImage } from '#domain/pipeline/ports.ts';
import { createSearchBudget } from '#domain/render/culprits.ts';
import { type ImageMap, parseImageMap, substituteImages } from '#domain/render/images.ts';
import { parsePlan } from '#domain/render/parse.ts';
import { parseImageReference } from '#domain/render/reference.ts';
import type { ManifestFile } from '#domain/render/render.ts';
import { documentsOf, isJsonFile } from '#domain/render/split.ts';
import { createPlanner, type SubstitutionProblems } from '#domain/render/substitute.ts';
import type { VariableLookup } from '#domain/render/variables.ts';

/**
 * What every variable stands for while images are listed: digits only, so that it is valid
 * wherever it lands (a tag, a path component, a registry port) and an image that holds it is
 * recognized — and skipped when its repository depends on a variable.
 */
const VARIABLE_STAND_IN = '8675309000000000001';
const standIn: VariableLookup = () => ({ value: VARIABLE_STAND_IN, sensitive: false });
/** `#{...}` in a deploy-containers image (its fields are not rendered as YAML). */
const EXPRESSION = /#\{[^}\n]*\}/g;

/** The normalized repository of an image, or undefined when it is not a reference or depends on a variable. */
function repositoryOf(image: string): string | undefined {
  const parsed = parseImageReference(image);
  if (!parsed.ok || parsed.reference.repository.includes(VARIABLE_STAND_IN)) return undefined;
  return parsed.reference.repository;
}

/** Container images of manifest files, variables standing in; documents that do not parse are left to the deployment's render. */
function manifestImages(files: ManifestFile[]): string[] {
  const plan = createPlanner(standIn);
  const budget = createSearchBudget();
  const images: string[] = [];
  for (const file of files) {
    for (const doc of documentsOf(file.name, file.content)) {
      const ignored: SubstitutionProblems = { problems: [], missing: [] };
      for (const object of parsePlan(plan(file.name, doc, isJsonFile(file.name), ignored), budget).objects) {
        try {
          images.push(...substituteImages([object], {}).report.unmatched.map((container) => container.image));
        } catch (error) {
          // An invalid container image: the deployment's render names it; it names no repository here.
          if (!(error instanceof InvalidManifestError)) throw error;
        }
      }
    }
  }
  return images;
}

/** The repositories the process names, normalized, in first-use order. */
export function processRepositories(process: Step[]): string[] {
  const images = process.flatMap((step) => {
    if (step.kind === 'apply-manifests') return manifestImages(step.manifests);
    if (step.kind === 'deploy-containers') return step.spec.containers.map((c) => c.image.replace(EXPRESSION, VARIABLE_STAND_IN));
    return [];
  });
  return [...new Set(images.map(repositoryOf).filter((r): r is string => r !== undefined))];
}

/** A channel whose rules name repositories normalized, as the process's repositories are. */
export function normalizedChannel(channel: Channel): Channel {
  return { ...channel, rules: channel.rules.map((rule) => ({ ...rule, repository: repositoryOf(rule.repository) ?? rule.repository })) };
}

/** `channel stable rule for <repo> (versionRange ">=2", tagPattern "^main-")`: what a refused tag broke. */
export function describeRule(channel: Channel, repository: string): string {
  const rule: ChannelRule | undefined = channel.rules.find((r) => r.repository === repository);
  if (!rule) return `channel ${channel.name} (no rule for ${repository}: tags of 1 to 128 characters)`;
  const parts = [rule.versionRange !== undefined ? `versionRange "${rule.versionRange}"` : '', rule.tagPattern !== undefined ? `tagPattern "${rule.tagPattern}"` : ''].filter(Boolean);
  return `channel ${channel.name} rule for ${repository} (${parts.join(', ')})`;
}

export type ImageChoiceRequest = {
  /** Repositories the process names (processRepositories). */
  repositories: string[];
  /** Normalized (normalizedChannel). */
  channel: Channel;
  /** What the release's creator gave: repository (any Docker spelling) → tag, digest or tag@digest. */
  given?: ImageMap;
  /** Versions already decided (the image push's own repository): taken as they are. */
  fixed?: ImageReference[];
};

const known = (pushes: PushedImage[]): KnownTag[] => pushes.map(({ tag, digest, pushedAt }) => ({ tag, digest, pushedAt }));

/** One given version, checked against the channel and pinned by digest when a push tells it. */
async function givenVersion(images: ImageStore, channel: Channel, repository: string, version: { tag?: string; digest?: string }, problems: string[]): Promise<ImageReference | undefined> {
  let { tag, digest } = version;
  if (tag === undefined || digest === undefined) {
    const pushes = await images.list(repository);
    const push = pushes.find((p) => (tag !== undefined ? p.tag === tag : p.digest === digest));
    tag ??= push?.tag;
    digest ??= push?.digest;
  }
  if (tag === undefined) {
    problems.push(`images.${repository}: no push of digest ${digest} has been seen, so its tag cannot be checked against the channel; give "<tag>@${digest}"`);
    return undefined;
  }
  if (!channelAccepts(channel, repository, tag)) {
    problems.push(`images.${repository}: tag "${tag}" is not accepted by ${describeRule(channel, repository)}`);
    return undefined;
  }
  return { repository, tag, ...(digest ? { digest } : {}) };
}

/**
 * The image reference of every repository, in `repositories` order. Every problem (a
 * repository the process does not name, a refused tag, nothing pushed that the channel
 * accepts) is reported at once as one ValidationError (HTTP 400).
 * @throws ValidationError, InvalidManifestError (a malformed `given` entry)
 */
export async function chooseImages(images: ImageStore, request: ImageChoiceRequest): Promise<ImageReference[]> {
  const { repositories, channel } = request;
  const given = parseImageMap(request.given ?? {});
  const problems: string[] = [];
  for (const entry of given.values()) {
    if (!repositories.includes(entry.repository)) {
      problems.push(`images: "${entry.key}" is not an image of the project's process (its repositories: ${repositories.join(', ') || 'none'})`);
    }
  }
  const chosen = await Promise.all(
    repositories.map(async (repository): Promise<ImageReference | undefined> => {
      const fixed = request.fixed?.find((f) => f.repository === repository);
      if (fixed) return fixed;
      const entry = given.get(repository);
      if (entry) return givenVersion(images, channel, repository, entry.version, problems);
      const latest = latestAccepted(channel, repository, known(await images.list(repository)));
      if (!latest) {
        problems.push(`images.${repository}: no version of ${repository} accepted by channel ${channel.name} has been pushed; give it explicitly`);
        return undefined;
      }
      return { repository, tag: latest.tag, ...(latest.digest ? { digest: latest.digest } : {}) };
    }),
  );
  if (problems.length) throw new ValidationError('the release images', problems);
  return chosen as ImageReference[];
}
