import { describe, expect, it } from 'vitest';
import { InvalidManifestError, NamespaceBoundaryError } from '#domain/errors.ts';
import { enforceBoundary } from '#domain/render/boundary.ts';
import { discovery, manifest, rejected, rendered } from './fixtures.ts';

const namespaced = { name: 'eu-web', namespace: 'team-a', admin: false };

describe('enforceBoundary', () => {
  it('gives namespaced objects without a namespace the target namespace, on both copies', async () => {
    // Prepare
    const objects = [rendered(manifest('apps/v1', 'Deployment', 'web')), rendered(manifest('v1', 'ConfigMap', 'settings', 'team-a'))];

    // Act
    const result = await enforceBoundary(objects, namespaced, discovery);

    // Assess
    expect(result.map((o) => [o.object.metadata.namespace, o.redacted.metadata.namespace])).toEqual([
      ['team-a', 'team-a'],
      ['team-a', 'team-a'],
    ]);
    expect(objects[0].object.metadata.namespace).toBeUndefined();
  });

  it('refuses an object in another namespace, naming the object, its place and both namespaces', async () => {
    // Prepare
    const objects = [rendered(manifest('apps/v1', 'Deployment', 'web', 'team-b'), { file: 'deploy/web.yaml', document: 2, line: 14 })];

    // Act
    const error = await rejected(() => enforceBoundary(objects, namespaced, discovery));

    // Assess
    expect(error).toBeInstanceOf(NamespaceBoundaryError);
    expect(error.message).toBe('deploy/web.yaml: document 2, line 14: Deployment/web is in namespace "team-b", but target "eu-web" is confined to namespace "team-a"');
  });

  it('refuses a cluster-scoped kind on a namespaced target', async () => {
    // Act
    const error = await rejected(() => enforceBoundary([rendered(manifest('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader'))], namespaced, discovery));

    // Assess
    expect(error).toBeInstanceOf(NamespaceBoundaryError);
    expect(error.message).toBe('test.yaml: document 1, line 1: ClusterRole/reader is cluster-scoped, but target "eu-web" is confined to namespace "team-a" (not an admin target)');
  });

  it('refuses an unknown kind as Kubernetes words it, and lists boundary problems with it', async () => {
    // Prepare
    const objects = [rendered(manifest('apps/v1beta1', 'Deployment', 'old'), { line: 1 }), rendered(manifest('v1', 'Namespace', 'x'), { line: 9 })];

    // Act
    const error = (await rejected(() => enforceBoundary(objects, namespaced, discovery))) as InvalidManifestError;

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.problems.map((p) => [p.source?.line, p.message])).toEqual([
      [1, 'Deployment/old: no matches for kind "Deployment" in version "apps/v1beta1"'],
      [9, 'Namespace/x is cluster-scoped, but target "eu-web" is confined to namespace "team-a" (not an admin target)'],
    ]);
  });

  it('collects every boundary problem into one error', async () => {
    const objects = [rendered(manifest('v1', 'ConfigMap', 'a', 'b')), rendered(manifest('v1', 'Secret', 's', 'c'))];
    const error = (await rejected(() => enforceBoundary(objects, namespaced, discovery))) as NamespaceBoundaryError;
    expect(error.problems).toHaveLength(2);
  });

  it('lets an admin target without namespace accept everything, defaulting namespaced objects to "default"', async () => {
    // Prepare
    const objects = [rendered(manifest('v1', 'Namespace', 'team-c')), rendered(manifest('v1', 'ConfigMap', 'a', 'team-c')), rendered(manifest('v1', 'ConfigMap', 'b'))];

    // Act
    const result = await enforceBoundary(objects, { name: 'cluster', admin: true }, discovery);

    // Assess
    expect(result.map((o) => o.object.metadata.namespace)).toEqual([undefined, 'team-c', 'default']);
  });

  it('lets an admin target with a namespace use other namespaces, defaulting to its own', async () => {
    const objects = [rendered(manifest('v1', 'ConfigMap', 'a', 'team-c')), rendered(manifest('v1', 'ConfigMap', 'b'))];
    const result = await enforceBoundary(objects, { name: 'ops', namespace: 'ops', admin: true }, discovery);
    expect(result.map((o) => o.object.metadata.namespace)).toEqual(['team-c', 'ops']);
  });

  it('drops a namespace written on a cluster-scoped object', async () => {
    const result = await enforceBoundary([rendered(manifest('v1', 'Namespace', 'n', 'ignored'))], { name: 'cluster', admin: true }, discovery);
    expect(result[0].object.metadata).toEqual({ name: 'n' });
  });

  it('asks discovery once per apiVersion and kind', async () => {
    // Prepare
    const asked: string[] = [];
    const lookup = (apiVersion: string, kind: string) => {
      asked.push(`${apiVersion} ${kind}`);
      return discovery(apiVersion, kind);
    };

    // Act
    await enforceBoundary([rendered(manifest('v1', 'ConfigMap', 'a')), rendered(manifest('v1', 'ConfigMap', 'b'))], namespaced, lookup);

    // Assess
    expect(asked).toEqual(['v1 ConfigMap']);
  });

  it('refuses a non-admin target without a namespace', async () => {
    const error = await rejected(() => enforceBoundary([rendered(manifest('v1', 'ConfigMap', 'a'))], { name: 'broken' }, discovery));
    expect(error).toBeInstanceOf(NamespaceBoundaryError);
    expect(error.message).toContain('target "broken" has no namespace and is not an admin target');
  });
});
