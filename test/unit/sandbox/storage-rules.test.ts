/**
 * What the cluster stores, without HTTP: metadata.generation per kind, empty metadata left
 * out, no write when only managedFields timestamps differ, etcd's request limit; the size
 * limits of validation (bytes, not characters); Service addresses kept and dropped on update.
 */
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../local/sandbox/cluster.ts';
import { assignServiceAddresses } from '../../../local/sandbox/controllers/service-addresses.ts';
import { ApiError } from '../../../local/sandbox/errors.ts';
import { annotationSizeErrors, configMapSizeErrors, secretSizeErrors } from '../../../local/sandbox/openapi/limits.ts';
import { ObjectStore } from '../../../local/sandbox/store.ts';
import type { KubeObject } from '../../../local/sandbox/types.ts';
import { rt } from './controllers/harness.ts';

const MIB = 1024 * 1024;

function cluster(): Cluster {
  const c = new Cluster(new ObjectStore(), { isCustom: (type) => type.group === 'example.com' });
  c.create(rt('Namespace'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
  return c;
}

const object = (kind: string, apiVersion: string, name: string, rest: Record<string, unknown> = {}): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: 'ns' }, ...rest });

describe('metadata.generation', () => {
  it('is set where the registry sets it: workloads and custom resources, not Services or Namespaces', () => {
    // Prepare
    const c = cluster();

    // Act
    const service = c.create(rt('Service'), 'ns', object('Service', 'v1', 'web', { spec: { ports: [{ port: 80 }] } })).object;
    const deployment = c.create(rt('Deployment'), 'ns', object('Deployment', 'apps/v1', 'web', { spec: { replicas: 1 } })).object;
    const widget = c.create(rt('Widget'), 'ns', object('Widget', 'example.com/v1', 'w', { data: 1 })).object;

    // Assess
    expect(service.metadata.generation).toBeUndefined();
    expect(c.get(rt('Namespace'), undefined, 'ns').metadata.generation).toBeUndefined();
    expect(deployment.metadata.generation).toBe(1);
    expect(widget.metadata.generation).toBe(1);
  });

  it('moves only when the spec changes, whatever the order of its keys', () => {
    // Prepare
    const c = cluster();
    const created = c.create(rt('Deployment'), 'ns', object('Deployment', 'apps/v1', 'web', { spec: { replicas: 1, paused: false } })).object;

    // Act
    const reordered = c.update(rt('Deployment'), 'ns', 'web', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } }, spec: { paused: false, replicas: 1 } }).object;
    const changed = c.update(rt('Deployment'), 'ns', 'web', { ...reordered, spec: { paused: false, replicas: 2 } }).object;

    // Assess
    expect(reordered.metadata.generation).toBe(1);
    expect(changed.metadata.generation).toBe(2);
  });
});

describe('what an update writes', () => {
  it('leaves out emptied labels, annotations and finalizers, and writes nothing when that is all', () => {
    // Prepare
    const c = cluster();
    const created = c.create(rt('ConfigMap'), 'ns', object('ConfigMap', 'v1', 'cm', { data: { a: '1' } })).object;

    // Act
    const updated = c.update(rt('ConfigMap'), 'ns', 'cm', { ...created, metadata: { ...created.metadata, labels: {}, annotations: {}, finalizers: [], generateName: '' } }).object;

    // Assess
    expect(updated).toBe(created);
    expect(Object.keys(updated.metadata).sort()).toEqual(['creationTimestamp', 'name', 'namespace', 'resourceVersion', 'uid']);
  });

  it('writes nothing when only managedFields timestamps differ', () => {
    // Prepare
    const c = cluster();
    const entry = { manager: 'ci', operation: 'Apply' as const, apiVersion: 'v1', fieldsType: 'FieldsV1' as const, fieldsV1: { 'f:data': {} } };
    const created = c.create(rt('ConfigMap'), 'ns', object('ConfigMap', 'v1', 'cm', { data: { a: '1' } })).object;
    const stamped = c.update(rt('ConfigMap'), 'ns', 'cm', { ...created, metadata: { ...created.metadata, managedFields: [{ ...entry, time: '2026-01-01T00:00:00Z' }] } }).object;

    // Act
    const restamped = c.update(rt('ConfigMap'), 'ns', 'cm', { ...stamped, metadata: { ...stamped.metadata, managedFields: [{ ...entry, time: '2026-01-01T00:00:09Z' }] } }).object;

    // Assess
    expect(restamped).toBe(stamped);
    expect(restamped.metadata.managedFields?.[0]?.time).toBe('2026-01-01T00:00:00Z');
  });

  it("refuses what exceeds etcd's request limit with etcd's error, except in a dry run", () => {
    // Prepare
    const c = cluster();
    const big = object('ConfigMap', 'v1', 'big', { data: { a: 'x'.repeat(1.6 * MIB) } });

    // Act
    const dryRun = c.create(rt('ConfigMap'), 'ns', big, { dryRun: true }).object;
    let refused: unknown;
    try {
      c.create(rt('ConfigMap'), 'ns', big);
    } catch (error) {
      refused = error;
    }

    // Assess
    expect(dryRun.metadata.name).toBe('big');
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).toStatus()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request is too large', code: 500 });
    expect(c.tryGet(rt('ConfigMap'), 'ns', 'big')).toBeUndefined();
  });
});

describe('validation size limits', () => {
  it('counts UTF-8 bytes of annotations, keys included', () => {
    // Prepare: 88k three-byte characters are 264,000 bytes, over 262,144.
    const wide = { 'example.com/note': '€'.repeat(88_000) };
    const narrow = { 'example.com/note': 'e'.repeat(88_000) };

    // Act / Assess
    expect(annotationSizeErrors(wide)).toEqual([{ reason: 'FieldValueTooLong', field: 'metadata.annotations', detail: 'Too long: may not be more than 262144 bytes' }]);
    expect(annotationSizeErrors(narrow)).toEqual([]);
  });

  it('counts binaryData and Secret data decoded from base64', () => {
    // Prepare: base64 of 1 MiB is 1.33 MiB of text.
    const mib = Buffer.alloc(MIB).toString('base64');
    const mibPlusOne = Buffer.alloc(MIB + 1).toString('base64');

    // Act / Assess
    expect(configMapSizeErrors(object('ConfigMap', 'v1', 'cm', { binaryData: { a: mib } }))).toEqual([]);
    expect(configMapSizeErrors(object('ConfigMap', 'v1', 'cm', { binaryData: { a: mib }, data: { b: 'x' } }))[0]?.field).toBe('[]');
    expect(secretSizeErrors(object('Secret', 'v1', 's', { data: { a: mib } }))).toEqual([]);
    expect(secretSizeErrors(object('Secret', 'v1', 's', { data: { a: mibPlusOne } }))[0]?.field).toBe('data');
  });
});

describe('Service addresses on update', () => {
  const stored = (spec: Record<string, unknown>): KubeObject => object('Service', 'v1', 'web', { spec });

  it('keeps the allocated cluster IP and NodePorts a replacement leaves out', () => {
    // Prepare
    const old = stored({ type: 'NodePort', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, nodePort: 30007 }] });
    const next = stored({ type: 'NodePort', ports: [{ name: 'http', port: 80 }] });

    // Act
    assignServiceAddresses(next, old, () => [old]);

    // Assess
    expect(next.spec).toMatchObject({ clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ nodePort: 30007 }] });
  });

  it('drops what a change of type made useless, unless the writer changed it', () => {
    // Prepare
    const old = stored({
      type: 'NodePort',
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      externalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, nodePort: 30007 }],
    });
    const toClusterIP = stored({ type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], externalTrafficPolicy: 'Cluster', ports: [{ port: 80, nodePort: 30007 }] });
    const toExternalName = stored({
      type: 'ExternalName',
      externalName: 'example.com',
      clusterIP: '10.96.0.20',
      clusterIPs: ['10.96.0.20'],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ port: 80, nodePort: 30009 }],
    });

    // Act
    assignServiceAddresses(toClusterIP, old, () => [old]);
    assignServiceAddresses(toExternalName, old, () => [old]);

    // Assess
    expect(toClusterIP.spec).toEqual({ type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ port: 80 }] });
    expect(toExternalName.spec).toEqual({ type: 'ExternalName', externalName: 'example.com', ports: [{ port: 80, nodePort: 30009 }] });
  });
});
