import { describe, expect, it } from 'vitest';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, storageVersionHash, versionInfo, wantsAggregatedDiscovery } from '../../../../local/sandbox/openapi/discovery.ts';
import { ResourceRegistry } from '../../../../local/sandbox/openapi/registry.ts';
import { cronTabCrd } from './fixtures.ts';

const registry = new ResourceRegistry();

describe('discovery', () => {
  it('/api and /version', () => {
    expect(apiVersions('10.0.0.1:443')).toEqual({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:443' }] });
    expect(versionInfo()).toMatchObject({ major: '1', minor: '36', gitVersion: 'v1.36.0', platform: 'linux/amd64' });
  });

  it('/apis lists named groups with preferred versions', () => {
    const list = apiGroupList(registry) as any;
    expect(list.kind).toBe('APIGroupList');
    expect(list.groups.some((g: any) => g.name === '')).toBe(false);
    const autoscaling = list.groups.find((g: any) => g.name === 'autoscaling');
    expect(autoscaling.versions.map((v: any) => v.groupVersion)).toEqual(['autoscaling/v2', 'autoscaling/v1']);
    expect(autoscaling.preferredVersion).toEqual({ groupVersion: 'autoscaling/v2', version: 'v2' });
    expect(apiGroup(registry, 'apps')).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1' } });
    expect(apiGroup(registry, 'nope.example.com')).toBeUndefined();
  });

  it('/apis/apps/v1 lists deployments with verbs, short name and subresources', () => {
    const list = apiResourceList(registry, 'apps', 'v1') as any;
    expect(list).toMatchObject({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1' });
    const deploy = list.resources.find((r: any) => r.name === 'deployments');
    expect(deploy).toMatchObject({
      singularName: 'deployment',
      namespaced: true,
      kind: 'Deployment',
      shortNames: ['deploy'],
      categories: ['all'],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      storageVersionHash: storageVersionHash('apps', 'v1', 'Deployment'),
    });
    expect(list.resources.find((r: any) => r.name === 'deployments/scale')).toEqual({
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect(list.resources.find((r: any) => r.name === 'deployments/status')).toEqual({
      name: 'deployments/status',
      singularName: '',
      namespaced: true,
      kind: 'Deployment',
      verbs: ['get', 'patch', 'update'],
    });
  });

  it('/api/v1 has no apiVersion and includes pods/log', () => {
    const list = apiResourceList(registry, '', 'v1') as any;
    expect(list.apiVersion).toBeUndefined();
    expect(list.groupVersion).toBe('v1');
    expect(list.resources.find((r: any) => r.name === 'pods/log')).toMatchObject({ kind: 'Pod', verbs: ['get'] });
    expect(list.resources.find((r: any) => r.name === 'bindings').storageVersionHash).toBeUndefined();
    expect(apiResourceList(registry, 'apps', 'v1beta1')).toBeUndefined();
  });

  it('includes custom resources and aggregated discovery', () => {
    const r = new ResourceRegistry();
    r.addCustomResource(cronTabCrd());
    const list = apiResourceList(r, 'stable.example.com', 'v1') as any;
    expect(list.resources.map((x: any) => x.name)).toEqual(['crontabs', 'crontabs/scale', 'crontabs/status']);
    expect(list.resources[0]).toMatchObject({ verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'], shortNames: ['ct'] });
    const agg = aggregatedDiscovery(r, 'apis') as any;
    const crd = agg.items.find((i: any) => i.metadata.name === 'stable.example.com');
    expect(crd.versions[0].resources[0]).toMatchObject({ resource: 'crontabs', scope: 'Namespaced', responseKind: { kind: 'CronTab' } });
    expect((aggregatedDiscovery(r, 'api') as any).items).toHaveLength(1);
    expect(wantsAggregatedDiscovery('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json')).toBe(true);
    expect(wantsAggregatedDiscovery('application/json, */*')).toBe(false);
  });
});
