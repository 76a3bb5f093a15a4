/**
 * The Kubernetes adapter against the sandbox: server-side apply (create, update, conflicts,
 * force, dry run), rejected and unserved kinds, injected faults, namespaces, discovery with a
 * CRD created mid-test, and watches that follow a rollout (with pods) or fall back to polling.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import { ClusterUnavailableError, FieldConflictError, ObjectRejectedError } from '#domain/errors.ts';
import type { Manifest } from '#domain/model.ts';
import { eventually, startTestSandbox, type TestSandbox } from '../../../support/sandbox.ts';
import { adminAccount, configMap, deployment, rejection, sandboxTarget } from './helpers.ts';

let t: TestSandbox;
let client: KubernetesCluster;
const NS = 'adapter-it';
const conveyor = { fieldManager: 'conveyor', force: false };

beforeAll(async () => {
  t = await startTestSandbox();
  client = await KubernetesCluster.connect(
    sandboxTarget(t, adminAccount(t)),
    {},
    {
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      watch: { pollIntervalMs: 100, rewatchAfterMs: 60_000 },
    },
  );
  await client.ensureNamespace(NS);
});

afterEach(() => t.sandbox.faults.set([]));

afterAll(async () => {
  await client?.close();
  await t?.close();
});

/** ROLLOUT-RULES.md, Deployment row. */
function rolloutDone(d: Manifest): boolean {
  const s = d.status ?? {};
  return (d.metadata.generation ?? 0) <= (s.observedGeneration ?? -1) && (s.updatedReplicas ?? 0) >= d.spec.replicas && (s.availableReplicas ?? 0) >= d.spec.replicas;
}

describe('apply', () => {
  it('creates, then updates the same object', async () => {
    const created = await client.apply(configMap(NS, 'settings', { a: '1' }), conveyor);
    const updated = await client.apply(configMap(NS, 'settings', { a: '2' }), conveyor);

    expect(updated.metadata.uid).toBe(created.metadata.uid);
    expect(updated.data).toEqual({ a: '2' });
    expect(typeof updated.metadata.creationTimestamp).toBe('string');
  });

  it('reports fields owned by another manager, and takes them with force', async () => {
    await client.apply(deployment(NS, 'shared', 2), { fieldManager: 'kubectl-client-side-apply', force: false });

    const error = await rejection(client.apply(deployment(NS, 'shared', 5), conveyor));

    expect(error).toBeInstanceOf(FieldConflictError);
    expect((error as FieldConflictError).conflicts).toEqual([{ field: '.spec.replicas', manager: 'kubectl-client-side-apply' }]);
    expect(error.message).toContain('.spec.replicas (managed by "kubectl-client-side-apply")');
    const forced = await client.apply(deployment(NS, 'shared', 5), { ...conveyor, force: true });
    expect(forced.spec.replicas).toBe(5);
  });

  it('changes nothing on a dry run', async () => {
    await client.apply(configMap(NS, 'dry', { a: '1' }), conveyor);

    const preview = await client.apply(configMap(NS, 'dry', { a: '2' }), { ...conveyor, dryRun: true });
    const fresh = await client.apply(configMap(NS, 'dry-new', { a: '1' }), { ...conveyor, dryRun: true });

    expect(preview.data).toEqual({ a: '2' });
    expect(fresh.metadata.name).toBe('dry-new');
    expect((await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'dry' }))?.data).toEqual({ a: '1' });
    expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'dry-new' })).toBeUndefined();
  });

  it('rejects invalid objects with the server message, and kinds the cluster does not serve', async () => {
    const invalid = await rejection(client.apply({ ...deployment(NS, 'bad', 1), spec: { ...deployment(NS, 'bad', 1).spec, replicas: 'two' } }, conveyor));
    const unserved = await rejection(client.apply({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g', namespace: NS } }, conveyor));
    const unknownKind = await rejection(client.apply({ apiVersion: 'v1', kind: 'Gizmo', metadata: { name: 'g', namespace: NS } }, conveyor));

    expect(invalid).toBeInstanceOf(ObjectRejectedError);
    expect([400, 422]).toContain((invalid as ObjectRejectedError).status);
    expect(invalid.message).toContain('replicas');
    expect(unserved).toBeInstanceOf(ObjectRejectedError);
    expect((unserved as ObjectRejectedError).status).toBe(404);
    expect(unserved.message).toContain('no matches for kind "Gadget" in version "example.com/v1"');
    expect(unknownKind.message).toContain('no matches for kind "Gizmo" in version "v1"');
  });
});

describe('faults', () => {
  it.each([
    ['503', { status: 503 as const, rate: 1 }, 1],
    ['429', { status: 429 as const, rate: 1 }, 1],
    ['drop', { drop: true, rate: 1 }, undefined],
  ])('%s is a ClusterUnavailableError', async (_name, rule, retryAfter) => {
    t.sandbox.faults.set([rule]);

    const error = await rejection(client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'settings' }));

    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as ClusterUnavailableError).retryAfterSeconds).toBe(retryAfter);
  });
});

describe('namespaces and discovery', () => {
  it('creates a missing namespace and reports an existing one', async () => {
    expect(await client.ensureNamespace('fresh-ns')).toBe('created');
    expect(await client.ensureNamespace('fresh-ns')).toBe('exists');
  });

  it('knows the scope of built-in kinds and sees a CRD created mid-test', async () => {
    expect(await client.scopeOf('apps/v1', 'Deployment')).toBe('Namespaced');
    expect(await client.scopeOf('v1', 'Namespace')).toBe('Cluster');
    expect(await client.scopeOf('example.com/v1', 'Widget')).toBeUndefined();

    await client.apply(
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      },
      conveyor,
    );

    expect(await eventually(() => client.scopeOf('example.com/v1', 'Widget'))).toBe('Namespaced');
    const widget = await client.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: NS }, spec: { size: 3 } }, conveyor);
    expect(widget.spec).toEqual({ size: 3 });
  });
});

describe('watch', () => {
  async function follow(name: string, replicas: number): Promise<{ seen: Manifest[]; errors: Error[] }> {
    const seen: Manifest[] = [];
    const errors: Error[] = [];
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name };
    const subscription = client.watch(
      [ref],
      (o) => seen.push(o),
      (e) => errors.push(e),
    );
    try {
      await client.apply(deployment(NS, name, replicas), conveyor);
      await eventually(() => seen.some((o) => o.kind === 'Deployment' && rolloutDone(o)) && seen.filter((o) => o.kind === 'Pod').length >= replicas, 20_000);
    } finally {
      subscription.stop();
    }
    return { seen, errors };
  }

  it('delivers Deployment changes until the rollout is done, and its pods', async () => {
    const { seen, errors } = await follow('watched', 2);

    const deployments = seen.filter((o) => o.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(1);
    expect(rolloutDone(deployments[0]!)).toBe(false);
    const pods = new Set(seen.filter((o) => o.kind === 'Pod').map((p) => p.metadata.name));
    expect(pods.size).toBe(2);
    expect(seen.filter((o) => o.kind === 'Pod').every((p) => p.metadata.labels?.app === 'watched')).toBe(true);
    expect(errors).toEqual([]);
  });

  it('falls back to polling when every watch request fails', async () => {
    t.sandbox.faults.set([{ status: 500, rate: 1, verb: 'watch' }]);

    const { seen, errors } = await follow('polled', 2);

    expect(seen.some((o) => o.kind === 'Deployment' && rolloutDone(o))).toBe(true);
    expect(errors[0]).toBeInstanceOf(ClusterUnavailableError);
    expect(errors[0]!.message).toContain('500');
  });

  it('leaves no connection open when a watch is stopped as it starts and the client closed', async () => {
    // Prepare: a client of its own, so only its connections are counted.
    const before = t.sandbox.connections();
    for (const delayMs of [0, 5, 25]) {
      const own = await KubernetesCluster.connect(sandboxTarget(t, adminAccount(t)));
      const subscription = own.watch([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'kube-root-ca.crt' }], () => {});

      // Act: stop while the watch may still be opening, then close the client.
      await new Promise((r) => setTimeout(r, delayMs));
      subscription.stop();
      await own.close();

      // Assess: the server sees every connection of that client closed.
      await eventually(() => t.sandbox.connections() <= before, 5_000);
      expect(t.sandbox.connections(), `stopped after ${delayMs} ms`).toBeLessThanOrEqual(before);
    }
  });
});
