import { describe, expect, it } from 'vitest';
import { InvalidCustomResourceDefinitionError, ResourceConflictError } from '../../../../local/sandbox/openapi/errors.ts';
import { compareKubeVersions, ResourceRegistry } from '../../../../local/sandbox/openapi/registry.ts';
import { cronTabCrd } from './fixtures.ts';

describe('ResourceRegistry built-ins', () => {
  const registry = new ResourceRegistry();

  it('derives deployments from the spec paths with short names, categories and subresources', () => {
    const deploy = registry.get('apps', 'v1', 'deployments')!;
    expect(deploy).toMatchObject({ kind: 'Deployment', singular: 'deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'] });
    expect(deploy.verbs).toEqual(['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    expect(deploy.subresources).toEqual(['scale', 'status']);
    expect(registry.subresource(deploy, 'scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  });

  it('knows cluster-scoped resources and pod subresources', () => {
    expect(registry.get('', 'v1', 'namespaces')).toMatchObject({ namespaced: false, shortNames: ['ns'] });
    expect(registry.get('', 'v1', 'nodes')?.namespaced).toBe(false);
    const pods = registry.get('', 'v1', 'pods')!;
    expect(pods.subresources).toEqual(expect.arrayContaining(['status', 'log', 'eviction', 'binding', 'ephemeralcontainers', 'exec']));
    expect(registry.subresource(pods, 'eviction')).toMatchObject({ group: 'policy', kind: 'Eviction', verbs: ['create'] });
    expect(registry.subresource(registry.get('', 'v1', 'serviceaccounts')!, 'token')).toMatchObject({ group: 'authentication.k8s.io', kind: 'TokenRequest' });
  });

  it('serves only GA versions, with autoscaling v2 preferred over v1', () => {
    expect(registry.isServed('autoscaling', 'v2')).toBe(true);
    expect(registry.isServed('autoscaling', 'v1')).toBe(true);
    expect(registry.preferredVersion('autoscaling')).toBe('v2');
    expect(registry.isServed('resource.k8s.io', 'v1beta1')).toBe(false);
    expect(registry.byKind('HorizontalPodAutoscaler')?.version).toBe('v2');
    expect(registry.byGvk({ group: 'batch', version: 'v1', kind: 'Job' })?.plural).toBe('jobs');
    expect(registry.byKind('Event')?.group).toBe('');
    expect(registry.byKind('Event', 'events.k8s.io')?.group).toBe('events.k8s.io');
  });

  it('has the kubectl short names', () => {
    const short = (g: string, p: string) => registry.byKind(registry.all().find((r) => r.group === g && r.plural === p)!.kind, g)!.shortNames;
    expect(short('', 'services')).toEqual(['svc']);
    expect(short('apiextensions.k8s.io', 'customresourcedefinitions')).toEqual(['crd', 'crds']);
    expect(short('networking.k8s.io', 'networkpolicies')).toEqual(['netpol']);
    expect(short('', 'limitranges')).toEqual(['limits']);
  });

  it('orders versions like kube-apiserver', () => {
    expect(['v1alpha1', 'v1', 'v2beta1', 'v2', 'v1beta1'].sort(compareKubeVersions)).toEqual(['v2', 'v1', 'v2beta1', 'v1beta1', 'v1alpha1']);
  });
});

describe('ResourceRegistry custom resources', () => {
  it('adds and removes a CRD, bumping the generation', () => {
    const registry = new ResourceRegistry();
    const before = registry.generation;
    let notified = 0;
    registry.onChange(() => notified++);
    const reg = registry.addCustomResource(cronTabCrd());
    expect(reg.resource).toMatchObject({ group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', shortNames: ['ct'], categories: ['all'], subresources: ['scale', 'status'] });
    expect(reg.versions).toHaveLength(1);
    expect(reg.schema.properties?.metadata?.$ref).toContain('ObjectMeta');
    expect(registry.get('stable.example.com', 'v1beta1', 'crontabs')).toBeUndefined();
    expect(registry.byKind('CronTab')).toBe(reg.resource);
    expect(registry.isCustom(reg.resource)).toBe(true);
    expect(registry.groups().at(-1)).toEqual({ group: 'stable.example.com', versions: ['v1'], preferredVersion: 'v1' });
    expect(registry.removeCustomResource('crontabs.stable.example.com')).toBe(true);
    expect(registry.get('stable.example.com', 'v1', 'crontabs')).toBeUndefined();
    expect(registry.isServed('stable.example.com', 'v1')).toBe(false);
    expect(registry.generation).toBe(before + 2);
    expect(notified).toBe(2);
  });

  it('replaces a CRD on re-add and rejects conflicts with built-ins', () => {
    const registry = new ResourceRegistry();
    registry.addCustomResource(cronTabCrd());
    const again = registry.addCustomResource(cronTabCrd({ scope: 'Cluster' }));
    expect(again.resource.namespaced).toBe(false);
    const clash = cronTabCrd({ group: 'apps', names: { plural: 'deployments', kind: 'Deployment' } });
    clash.metadata.name = 'deployments.apps';
    expect(() => registry.addCustomResource(clash)).toThrow(ResourceConflictError);
    expect(() => registry.addCustomResource(cronTabCrd({ versions: [] }))).toThrow(InvalidCustomResourceDefinitionError);
  });
});
