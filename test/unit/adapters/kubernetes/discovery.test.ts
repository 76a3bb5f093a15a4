/**
 * Discovery: cached per apiVersion, refreshed once on a miss (new CRDs), shared by concurrent
 * callers, and "not served" for a 404 group.
 */

import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { Discovery } from '#adapters/kubernetes/discovery.ts';

const deployments = { name: 'deployments', kind: 'Deployment', namespaced: true };
const status = { name: 'deployments/status', kind: 'Deployment', namespaced: true };
const widgets = { name: 'widgets', kind: 'Widget', namespaced: false };

function fakeServer(documents: Record<string, object[] | undefined>) {
  const requests: string[] = [];
  const fetchJson = async (path: string) => {
    requests.push(path);
    await Promise.resolve();
    const resources = documents[path];
    if (!resources) throw new ApiException(404, 'Not Found', '{}', {});
    return { resources };
  };
  return { requests, fetchJson };
}

describe('Discovery', () => {
  it('finds kinds, skips subresources, and asks once for concurrent lookups', async () => {
    const server = fakeServer({ '/apis/apps/v1': [status, deployments] });
    const discovery = new Discovery(server.fetchJson);

    const found = await Promise.all([discovery.find('apps/v1', 'Deployment'), discovery.find('apps/v1', 'Deployment')]);

    expect(found).toEqual([deployments, deployments]);
    expect(server.requests).toEqual(['/apis/apps/v1']);
  });

  it('refreshes once on a miss, so a CRD created meanwhile is seen', async () => {
    const documents: Record<string, object[] | undefined> = {};
    const server = fakeServer(documents);
    const discovery = new Discovery(server.fetchJson);

    expect(await discovery.find('example.com/v1', 'Widget')).toBeUndefined();
    documents['/apis/example.com/v1'] = [widgets];
    expect(await discovery.find('example.com/v1', 'Widget')).toEqual(widgets);
    expect(await discovery.find('example.com/v1', 'Widget')).toEqual(widgets);

    expect(server.requests).toEqual(['/apis/example.com/v1', '/apis/example.com/v1']);
  });

  it('does not cache a failed lookup', async () => {
    let fail = true;
    const discovery = new Discovery(async () => {
      if (fail) throw new ApiException(503, 'Unavailable', '{}', {});
      return { resources: [{ name: 'pods', kind: 'Pod', namespaced: true }] };
    });

    await expect(discovery.find('v1', 'Pod')).rejects.toBeInstanceOf(ApiException);
    fail = false;
    expect(await discovery.find('v1', 'Pod')).toMatchObject({ name: 'pods' });
  });
});
