/**
 * Container image references, parsed and normalized as Docker does (the grammar and rules
 * of distribution/reference, `ParseNormalizedNamed`): `nginx`, `library/nginx`,
 * `docker.io/library/nginx`, `index.docker.io/nginx` name the same repository
 * `docker.io/library/nginx`. `registry-1.docker.io` (Docker Hub's API host) is treated as
 * Docker Hub too, so a release's image map can use any of these spellings.
 */

/** Docker Hub, as normalized repository names spell it. */
export const DOCKER_HUB = 'docker.io';
/** Other names of Docker Hub, normalized to DOCKER_HUB. */
const DOCKER_HUB_ALIASES = ['index.docker.io', 'registry-1.docker.io'];
/** Docker Hub's namespace for official images: `nginx` is `library/nginx`. */
const OFFICIAL_NAMESPACE = 'library';
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
/** Registered digest algorithms and their hex lengths (opencontainers/go-digest). */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const DIGEST = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-f0-9]+)$/;
/** A bare 64-hex string is an image ID, not a name; Docker refuses it as a reference. */
const IMAGE_ID = /^[a-f0-9]{64}$/;

/** A parsed reference. `domain` and `path` are as written, so a rewrite keeps the user's spelling. */
export type ImageReference = {
  /** The registry as written (`localhost:5000`), or undefined when implied (Docker Hub). */
  domain?: string;
  /** The repository path as written (`nginx`, `team/app`). */
  path: string;
  /** The normalized repository, the key of image maps: `docker.io/library/nginx`. */
  repository: string;
  tag?: string;
  digest?: string;
};

export type ParseResult = { ok: true; reference: ImageReference } | { ok: false; reason: string };

/** Why `digest` is not a valid digest, or undefined when it is. */
export function digestProblem(digest: string): string | undefined {
  const match = DIGEST.exec(digest);
  if (!match) return `invalid digest "${digest}" (expected algorithm:hex, such as sha256:<64 hex digits>)`;
  const expected = DIGEST_HEX_LENGTH[match[1]];
  if (expected === undefined) return `unsupported digest algorithm "${match[1]}"`;
  if (match[2].length !== expected) return `a ${match[1]} digest has ${expected} hex digits, found ${match[2].length}`;
  return undefined;
}

/** Why `tag` is not a valid tag, or undefined when it is. */
export function tagProblem(tag: string): string | undefined {
  return TAG.test(tag) ? undefined : `invalid tag "${tag}" (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`;
}

/** Splits `name` into a domain and a path the way Docker does (splitDockerDomain). */
function splitDomain(name: string): { domain?: string; path: string } {
  const slash = name.indexOf('/');
  const first = name.slice(0, slash);
  const looksLikeDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  return looksLikeDomain ? { domain: first, path: name.slice(slash + 1) } : { path: name };
}

/** Parses `text` as a Docker image reference: `[domain/]path[:tag][@digest]`. */
export function parseImageReference(text: string): ParseResult {
  const fail = (reason: string): ParseResult => ({ ok: false, reason });
  if (text === '') return fail('empty reference');
  if (IMAGE_ID.test(text)) return fail('a 64-hex-digit image ID is not a reference');
  const at = text.indexOf('@');
  const digest = at === -1 ? undefined : text.slice(at + 1);
  const withTag = at === -1 ? text : text.slice(0, at);
  const colon = withTag.lastIndexOf(':');
  const hasTag = colon > withTag.lastIndexOf('/');
  const tag = hasTag ? withTag.slice(colon + 1) : undefined;
  const name = hasTag ? withTag.slice(0, colon) : withTag;
  if (name.length > MAX_NAME_LENGTH) return fail(`repository name longer than ${MAX_NAME_LENGTH} characters`);
  const { domain, path } = splitDomain(name);
  if (domain !== undefined && !DOMAIN.test(domain)) return fail(`invalid registry "${domain}"`);
  if (path.toLowerCase() !== path) return fail('repository name must be lowercase');
  if (!path.split('/').every((component) => PATH_COMPONENT.test(component))) return fail(`invalid repository name "${path}"`);
  const tagError = tag === undefined ? undefined : tagProblem(tag);
  if (tagError) return fail(tagError);
  const digestError = digest === undefined ? undefined : digestProblem(digest);
  if (digestError) return fail(digestError);
  const registry = domain === undefined || DOCKER_HUB_ALIASES.includes(domain) ? DOCKER_HUB : domain;
  const fullPath = registry === DOCKER_HUB && !path.includes('/') ? `${OFFICIAL_NAMESPACE}/${path}` : path;
  return { ok: true, reference: { domain, path, repository: `${registry}/${fullPath}`, tag, digest } };
}

/** The reference as written, with the given tag and digest instead of its own. */
export function formatImageReference(reference: Pick<ImageReference, 'domain' | 'path'>, version: { tag?: string; digest?: string }): string {
  const domain = reference.domain === undefined ? '' : `${reference.domain}/`;
  const tag = version.tag === undefined ? '' : `:${version.tag}`;
  const digest = version.digest === undefined ? '' : `@${version.digest}`;
  return `${domain}${reference.path}${tag}${digest}`;
}
