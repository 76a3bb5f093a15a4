/**
 * Image substitution: the heart of a release snapshot. A release carries an image map
 * (repository → tag or digest); every container of every pod template gets the version the
 * release chose, whatever tag the manifest wrote. The registry is kept as the manifest
 * spelled it (`index.docker.io/nginx:1.0` stays on `index.docker.io`); a digest replaces any
 * tag (`nginx@sha256:...`), because a stale tag next to a digest only misleads the reader.
 */
import { InvalidManifestError, type InputProblem } from '../errors.ts';
import type { Manifest, RenderedObject, SourceLocation } from '../model.ts';
import { asMapping, groupKind, objectLabel } from './objects.ts';
import { digestProblem, formatImageReference, parseImageReference, tagProblem } from './reference.ts';
import { REDACTED } from './substitute.ts';

/** A release's image map: repository (any Docker spelling) → `tag`, `sha256:<hex>` or `tag@sha256:<hex>`. */
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
};

type Version = { tag?: string; digest?: string };
type Entry = BindingReport['entries'][number] & { version: Version };

function parseVersion(value: string): Version | string {
  const at = value.indexOf('@');
  if (at !== -1) {
    const tag = value.slice(0, at);
    const digest = value.slice(at + 1);
    return tagProblem(tag) ?? digestProblem(digest) ?? { tag, digest };
  }
  if (value.includes(':')) return digestProblem(value) ?? { digest: value };
  return tagProblem(value) ?? { tag: value };
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
    const parsed = parseImageReference(key);
    const version = parseVersion(value);
    if (!parsed.ok) problems.push({ message: `${name}: invalid repository: ${parsed.reason}` });
    else if (parsed.reference.tag !== undefined || parsed.reference.digest !== undefined) {
      problems.push({ message: `${name}: the key must be a repository without tag or digest` });
    } else if (typeof version === 'string') problems.push({ message: `${name}: ${version}` });
    else if (entries.has(parsed.reference.repository)) {
      const other = entries.get(parsed.reference.repository)!.key;
      problems.push({ message: `${name}: "${other}" names the same repository ${parsed.reference.repository}` });
    } else {
      entries.set(parsed.reference.repository, { key, repository: parsed.reference.repository, value, version, bindings: [] });
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
        const entry = entries.get(parsed.reference.repository);
        if (!entry) {
          unmatched.push({ ...ref, image: shownImage });
          return;
        }
        const to = formatImageReference(parsed.reference, entry.version);
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
  };
  return { objects: rewritten, report };
}
