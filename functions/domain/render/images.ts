/**
 * Image substitution: the heart of a release snapshot. A release carries an image map
 * (repository → tag or digest); every container of every pod template gets the version the
 * release chose, whatever tag the manifest wrote. The registry is kept as the manifest
 * spelled it (`index.docker.io/nginx:1.0` stays on `index.docker.io`); a digest replaces any
 * tag (`nginx@sha256:...`), because a stale tag next to a digest only misleads the reader.
 *
 * A value may also move the image, as kustomize's `newName` does: `nginx` →
 * `123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror/nginx:1.27` rewrites the whole reference
 * (a new name without tag or digest keeps the container's own).
 */
import { type InputProblem, InvalidManifestError } from '../errors.ts';
import type { Manifest, RenderedObject, SourceLocation } from '../model.ts';
import { asMapping, groupKind, objectLabel } from './objects.ts';
import { digestProblem, formatImageReference, type ImageReference, parseImageReference, tagProblem } from './reference.ts';
import { REDACTED } from './substitute.ts';

/**
 * A release's image map: repository (any Docker spelling) → `tag`, `sha256:<hex>`,
 * `@sha256:<hex>`, `tag@sha256:<hex>`, or a new reference `[registry/]path[:tag][@digest]`
 * (told apart from a tag by its `/` or `:`).
 */
export type ImageMap = Record<string, string>;

/** Where the pod spec of each workload kind (by group/kind) sits. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  '/Pod': ['spec'],
  '/ReplicationController': ['spec', 'template', 'spec'],
  'apps/Deployment': ['spec', 'template', 'spec'],
  'apps/StatefulSet': ['spec', 'template', 'spec'],
  'apps/DaemonSet': ['spec', 'template', 'spec'],
  'apps/ReplicaSet': ['spec', 'template', 'spec'],
  'batch/Job': ['spec', 'template', 'spec'],
  'batch/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
export const CONTAINER_FIELDS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
export type ContainerField = (typeof CONTAINER_FIELDS)[number];

/** One container of one object. */
export type ContainerRef = {
  /** `Deployment/web`, from the redacted copy. */
  object: string;
  field: ContainerField;
  /** The container's name, or `#<index>` when it has none. */
  container: string;
  source: SourceLocation;
};

/** A container whose image an entry of the map rewrote; `from`/`to` are `***` when the image holds a sensitive value. */
export type ImageBinding = ContainerRef & { from: string; to: string };

export type BindingReport = {
  /** Every entry of the map, in map order, with the containers it rewrote (none: unused). */
  entries: { key: string; repository: string; value: string; bindings: ImageBinding[] }[];
  /** Containers whose repository is not in the map; their image is left as written. */
  unmatched: (ContainerRef & { image: string })[];
  /** Every repository the containers name (normalized, sorted; one that holds a sensitive value left out). */
  repositories: string[];
};

/** What an entry puts in place of a container's reference: a new name, a tag, a digest (each optional). */
type Version = { name?: Pick<ImageReference, 'domain' | 'path'>; tag?: string; digest?: string };
type Entry = BindingReport['entries'][number] & { version: Version };

/** `sha256:...` is a digest, never an image named "sha256": the registered algorithms win. */
const DIGEST_ALGORITHM = /^(sha256|sha384|sha512):/;

function parseVersion(value: string): Version | string {
  if (value === '') return 'empty value: expected a tag, a digest (sha256:<64 hex digits>) or an image reference';
  if (value.startsWith('@')) return digestProblem(value.slice(1)) ?? { digest: value.slice(1) };
  const at = value.indexOf('@');
  const head = at === -1 ? value : value.slice(0, at);
  if (at === -1 && DIGEST_ALGORITHM.test(value)) return digestProblem(value) ?? { digest: value };
  if (!/[/:]/.test(head)) {
    // A tag, or tag@digest, as release maps have always written them.
    const digest = at === -1 ? undefined : value.slice(at + 1);
    return tagProblem(head) ?? (digest === undefined ? { tag: head } : (digestProblem(digest) ?? { tag: head, digest }));
  }
  const parsed = parseImageReference(value);
  if (!parsed.ok) return `invalid image reference: ${parsed.reason}`;
  const { domain, path, tag, digest } = parsed.reference;
  return { name: { domain, path }, tag, digest };
}

/** Why `key` → `value` is not a valid image map entry (the key's repository is not checked against others), or undefined. */
export function imageEntryProblem(key: string, value: string): string | undefined {
  const parsed = parseImageReference(key);
  if (!parsed.ok) return `invalid repository: ${parsed.reason}`;
  if (parsed.reference.tag !== undefined || parsed.reference.digest !== undefined) return 'the key must be a repository without tag or digest';
  const version = parseVersion(value);
  return typeof version === 'string' ? version : undefined;
}

/** The normalized repository of a valid image map key (`nginx` → `docker.io/library/nginx`). */
export function imageKeyRepository(key: string): string | undefined {
  const parsed = parseImageReference(key);
  return parsed.ok ? parsed.reference.repository : undefined;
}

/** The container's reference rewritten by `version`: a new name keeps the container's tag and digest unless it brings its own. */
function rewrite(reference: ImageReference, version: Version): string {
  const pinned = version.tag !== undefined || version.digest !== undefined;
  return formatImageReference(version.name ?? reference, pinned ? version : reference);
}

/**
 * Validates and normalizes an image map. Throws InvalidManifestError naming every bad entry:
 * an invalid repository, a key that carries a tag or digest, an invalid value, or two keys
 * naming the same repository.
 */
export function parseImageMap(images: ImageMap): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  const problems: InputProblem[] = [];
  for (const [key, value] of Object.entries(images)) {
    const name = `image map entry "${key}": "${value}"`;
    const problem = imageEntryProblem(key, value);
    const repository = imageKeyRepository(key)!;
    if (problem) problems.push({ message: `${name}: ${problem}` });
    else if (entries.has(repository)) {
      const other = entries.get(repository)!.key;
      problems.push({ message: `${name}: "${other}" names the same repository ${repository}` });
    } else {
      entries.set(repository, { key, repository, value, version: parseVersion(value) as Version, bindings: [] });
    }
  }
  if (problems.length > 0) throw new InvalidManifestError(problems);
  return entries;
}

function podSpec(manifest: Manifest): Record<string, unknown> | undefined {
  const path = POD_SPEC_PATHS[groupKind(manifest)];
  let node: unknown = manifest;
  for (const key of path ?? []) node = asMapping(node)?.[key];
  return path ? asMapping(node) : undefined;
}

function containersOf(spec: Record<string, unknown> | undefined, field: ContainerField): Record<string, unknown>[] {
  const list = spec?.[field];
  return Array.isArray(list) ? list.map((item) => asMapping(item)).filter((item) => item !== undefined) : [];
}

/**
 * Rewrites the images of every container in `objects` and reports what each map entry bound.
 * The input is not changed: workloads are copied before their images are rewritten, and other
 * objects are returned as they are (copying every object would double the memory of a large
 * manifest set). Throws InvalidManifestError for a bad map entry or a container image that is
 * not a valid reference.
 */
export function substituteImages(objects: RenderedObject[], images: ImageMap): { objects: RenderedObject[]; report: BindingReport } {
  const entries = parseImageMap(images);
  const unmatched: BindingReport['unmatched'] = [];
  const repositories = new Set<string>();
  const problems: InputProblem[] = [];
  const rewritten = objects.map((rendered) => {
    if (!podSpec(rendered.object)) return rendered;
    const copy = { ...rendered, object: structuredClone(rendered.object), redacted: structuredClone(rendered.redacted) };
    const realSpec = podSpec(copy.object);
    const redactedSpec = podSpec(copy.redacted);
    for (const field of CONTAINER_FIELDS) {
      const redactedContainers = containersOf(redactedSpec, field);
      containersOf(realSpec, field).forEach((container, index) => {
        if (typeof container.image !== 'string') return;
        const shown = redactedContainers[index];
        const ref: ContainerRef = {
          object: objectLabel(copy.redacted),
          field,
          container: typeof shown?.name === 'string' ? shown.name : `#${index}`,
          source: copy.source,
        };
        const parsed = parseImageReference(container.image);
        const shownImage = shown?.image === container.image ? container.image : REDACTED;
        if (!parsed.ok) {
          const message = `${field} "${ref.container}" of ${ref.object}: image "${shownImage}" is not a valid reference: ${parsed.reason}`;
          problems.push({ source: copy.source, message });
          return;
        }
        if (shownImage !== REDACTED) repositories.add(parsed.reference.repository);
        const entry = entries.get(parsed.reference.repository);
        if (!entry) {
          unmatched.push({ ...ref, image: shownImage });
          return;
        }
        const to = rewrite(parsed.reference, entry.version);
        const shownTo = shownImage === REDACTED ? REDACTED : to;
        entry.bindings.push({ ...ref, from: shownImage, to: shownTo });
        container.image = to;
        if (shown) shown.image = shownTo;
      });
    }
    return copy;
  });
  if (problems.length > 0) throw new InvalidManifestError(problems);
  const report: BindingReport = {
    entries: [...entries.values()].map(({ key, repository, value, bindings }) => ({ key, repository, value, bindings })),
    unmatched,
    repositories: [...repositories].sort(),
  };
  return { objects: rewritten, report };
}

/** Map entries that rewrote no container in any of `reports` (one per render: manifests, each deploy-containers spec). */
export function unusedImageEntries(reports: BindingReport[]): { key: string; repository: string; value: string }[] {
  const used = new Set(reports.flatMap((r) => r.entries.filter((e) => e.bindings.length > 0).map((e) => e.repository)));
  return (reports[0]?.entries ?? []).filter((e) => !used.has(e.repository)).map(({ key, repository, value }) => ({ key, repository, value }));
}
