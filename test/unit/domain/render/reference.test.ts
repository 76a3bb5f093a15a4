import { describe, expect, it } from 'vitest';
import { formatImageReference, parseImageReference } from '#domain/render/reference.ts';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

function parsed(text: string) {
  const result = parseImageReference(text);
  if (!result.ok) throw new Error(`expected "${text}" to parse: ${result.reason}`);
  return result.reference;
}

describe('parseImageReference', () => {
  it.each(['nginx', 'nginx:1.27', 'library/nginx', 'docker.io/library/nginx', 'docker.io/nginx', 'index.docker.io/nginx', 'registry-1.docker.io/library/nginx:1.0'])(
    '%s is the repository docker.io/library/nginx',
    (text) => {
      expect(parsed(text).repository).toBe('docker.io/library/nginx');
    },
  );

  it('keeps a Docker Hub user namespace', () => {
    expect(parsed('bitnami/redis:7').repository).toBe('docker.io/bitnami/redis');
  });

  it('reads a registry with a port, a tag and a path', () => {
    expect(parsed('localhost:5000/team/app:tag')).toEqual({ domain: 'localhost:5000', path: 'team/app', repository: 'localhost:5000/team/app', tag: 'tag', digest: undefined });
  });

  it('reads an ECR reference by digest', () => {
    const reference = parsed(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@${DIGEST}`);
    expect(reference).toEqual({ domain: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', path: 'app', repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app', tag: undefined, digest: DIGEST });
  });

  it('reads a tag and a digest together', () => {
    const reference = parsed(`ghcr.io/org/tool:v2@${DIGEST}`);
    expect([reference.repository, reference.tag, reference.digest]).toEqual(['ghcr.io/org/tool', 'v2', DIGEST]);
  });

  it('treats a first component with a dot, a port or "localhost" as a registry, and otherwise as a path', () => {
    expect(parsed('localhost/app').repository).toBe('localhost/app');
    expect(parsed('team/app').repository).toBe('docker.io/team/app');
    expect(parsed('[::1]:5000/app').repository).toBe('[::1]:5000/app');
  });

  it.each([
    ['', 'empty reference'],
    ['NGINX', 'repository name must be lowercase'],
    ['nginx:', 'invalid tag ""'],
    ['nginx:-bad', 'invalid tag "-bad"'],
    ['nginx@sha256:abc', 'a sha256 digest has 64 hex digits, found 3'],
    [`nginx@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm "md5"'],
    ['nginx@latest', 'invalid digest "latest"'],
    ['team//app', 'invalid repository name "team//app"'],
    ['bad_host.example.com/app', 'invalid registry "bad_host.example.com"'],
    ['0123456789abcdef'.repeat(4), 'a 64-hex-digit image ID is not a reference'],
    [`registry.example.com/${'a'.repeat(250)}`, 'repository name longer than 255 characters'],
  ])('refuses %j: %s', (text, reason) => {
    // Act
    const result = parseImageReference(text);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reason);
  });
});

describe('formatImageReference', () => {
  it('keeps the registry spelling and writes tag and digest', () => {
    const reference = parsed('index.docker.io/nginx:1.0');
    expect(formatImageReference(reference, { tag: '1.27' })).toBe('index.docker.io/nginx:1.27');
    expect(formatImageReference(reference, { digest: DIGEST })).toBe(`index.docker.io/nginx@${DIGEST}`);
    expect(formatImageReference(parsed('nginx'), { tag: '1.27', digest: DIGEST })).toBe(`nginx:1.27@${DIGEST}`);
  });
});
