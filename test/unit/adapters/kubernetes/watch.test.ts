/**
 * ObjectWatcher with a hand-written backend: list then watch, each version delivered once,
 * pods of workloads followed by selector, and polling when watches fail.
 */
import { describe, expect, it } from 'vitest';
import { labelSelectorOf } from '#adapters/kubernetes/selectors.ts';
import { ObjectWatcher, type WatchBackend } from '#adapters/kubernetes/watch.ts';
import { ClusterUnavailableError, type DeployError } from '#domain/errors.ts';
import type { Manifest } from '#domain/model.ts';
import { eventually } from '../../../support/sandbox.ts';

const timings = { pollIntervalMs: 5, rewatchAfterMs: 60_000, minWatchLifetimeMs: 0 };
const web = (rv: string, ready = 0): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', resourceVersion: rv },
  spec: { selector: { matchLabels: { app: 'web' } } },
  status: { readyReplicas: ready },
});
const pod = (name: string, rv: string): Manifest => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { app: 'web' } } });

/** Serves a mutable set of objects; watches either fail or emit what `emit` pushes. */
function fakeBackend(options: { watchFails: boolean }) {
  const objects: Manifest[] = [web('1')];
  const lists: string[] = [];
  const watches: { path: string; query: Record<string, unknown>; onEvent: (type: string, o: any) => void }[] = [];
  const backend: WatchBackend = {
    async list(apiVersion, kind, _ns, selectors) {
      lists.push(`${kind}?${selectors.labelSelector ?? selectors.fieldSelector ?? ''}`);
      return { items: objects.filter((o) => o.kind === kind && o.apiVersion === apiVersion), resourceVersion: '10' };
    },
    async collectionPath(_apiVersion, kind) {
      return `/${kind.toLowerCase()}s`;
    },
    async openWatch(path, query, onEvent, done) {
      if (options.watchFails) done(Object.assign(new Error('Internal Server Error'), { statusCode: 500 }));
      else watches.push({ path, query, onEvent });
      return { abort: () => {} };
    },
    toError: (error) => new ClusterUnavailableError(`mapped: ${(error as Error).message}`) as DeployError,
  };
  return { backend, objects, lists, watches };
}

describe('ObjectWatcher', () => {
  it('lists, watches from the list resourceVersion, follows pods by selector, delivers each version once', async () => {
    const fake = fakeBackend({ watchFails: false });
    const seen: Manifest[] = [];
    const watcher = new ObjectWatcher([{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web' }], fake.backend, timings, (o) => seen.push(o));

    await eventually(() => fake.watches.length === 2);
    const [deployments, pods] = fake.watches;
    deployments!.onEvent('MODIFIED', web('11', 1));
    deployments!.onEvent('MODIFIED', web('11', 1));
    pods!.onEvent('ADDED', pod('web-1', '12'));
    watcher.stop();

    expect(fake.lists).toEqual(['Deployment?metadata.name=web', 'Pod?app=web']);
    expect(deployments!.query).toMatchObject({ resourceVersion: '10', fieldSelector: 'metadata.name=web', allowWatchBookmarks: true });
    expect(pods!.query).toMatchObject({ labelSelector: 'app=web' });
    expect(seen.map((o) => `${o.kind}/${o.metadata.name}@${o.metadata.resourceVersion}`)).toEqual(['Deployment/web@1', 'Deployment/web@11', 'Pod/web-1@12']);
  });

  it('polls when the watch fails, reporting the failure once', async () => {
    const fake = fakeBackend({ watchFails: true });
    const seen: Manifest[] = [];
    const errors: Error[] = [];
    const watcher = new ObjectWatcher(
      [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns', name: 'web' }],
      fake.backend,
      timings,
      (o) => seen.push(o),
      (e) => errors.push(e),
    );

    fake.objects[0] = web('2', 1);
    await eventually(() => seen.some((o) => o.metadata.resourceVersion === '2'));
    watcher.stop();

    expect(errors.map((e) => e.message)).toEqual(['mapped: Internal Server Error']);
    expect(fake.lists.filter((l) => l.startsWith('Deployment')).length).toBeGreaterThan(2);
  });
});

describe('labelSelectorOf', () => {
  it('renders matchLabels and matchExpressions', () => {
    const selector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    expect(labelSelectorOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { selector } })).toBe('app=web,tier in (a,b),!canary');
    expect(labelSelectorOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {}, spec: { selector: {} } })).toBeUndefined();
  });
});
