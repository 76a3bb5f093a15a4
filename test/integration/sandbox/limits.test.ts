/**
 * kube-apiserver's size limits, through kubectl and @kubernetes/client-node: ConfigMap and
 * Secret data (1 MiB), all annotations together (256 KiB, which kubectl's client-side
 * last-applied-configuration counts towards), the request body (3 MiB, 413) and what etcd
 * takes in one request (1.5 MiB, a reason-less 500). Nothing refused is stored.
 */

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError } from '../../support/client-node.ts';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const NS = 'limits';

let t: TestSandbox;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  t = await startTestSandbox();
  const kc = new KubeConfig();
  kc.loadFromString(t.sandbox.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});

afterAll(async () => {
  await t?.close();
});

const stored = (resource: string, name: string) => t.sandbox.cluster.store.get(resource, NS, name);

function configMapYaml(name: string, dataBytes: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${NS}\ndata:\n  dashboard.json: ${'x'.repeat(dataBytes)}\n`;
}

describe('ConfigMap and Secret data', () => {
  it('refuses a 1.1 MiB ConfigMap with the validation message, and stores nothing', async () => {
    // Act
    const refused = await apiError(core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'big' }, data: { blob: 'x'.repeat(1.1 * MIB) } } }));

    // Assess
    expect(refused.code).toBe(422);
    expect(refused.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      message: 'ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes',
      details: { name: 'big', kind: 'ConfigMap', causes: [{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 1048576 bytes', field: '[]' }] },
    });
    expect(stored('/configmaps', 'big')).toBeUndefined();
  });

  it('takes exactly 1 MiB of data and binaryData together, and refuses one byte more', async () => {
    // Prepare: half as text, half as bytes (counted decoded, not as base64).
    const text = 'x'.repeat(MIB / 2);
    const bytes = Buffer.alloc(MIB / 2, 7).toString('base64');

    // Act
    await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'full' }, data: { text }, binaryData: { bytes } } });
    const over = await apiError(core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'over' }, data: { text: `${text}x` }, binaryData: { bytes } } }));

    // Assess
    expect(stored('/configmaps', 'full')?.data?.text).toHaveLength(MIB / 2);
    expect(over.code).toBe(422);
    expect(stored('/configmaps', 'over')).toBeUndefined();
  });

  it('refuses a Secret over 1 MiB (decoded) from kubectl create secret, and stores nothing', async () => {
    // Prepare
    const file = join(t.dir, 'blob.bin');
    writeFileSync(file, Buffer.alloc(MIB + 1, 1));

    // Act
    const r = await t.kubectl(['create', 'secret', 'generic', 'big', '-n', NS, `--from-file=blob=${file}`], { allowFailure: true });

    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Secret "big" is invalid: data: Too long: may not be more than 1048576 bytes');
    expect(stored('/secrets', 'big')).toBeUndefined();
  });
});

describe('annotations', () => {
  it('refuses 300 KiB of annotations on any object', async () => {
    // Act
    const refused = await apiError(core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'annotated', annotations: { 'example.com/notes': 'n'.repeat(300 * KIB) } } } }));

    // Assess
    expect(refused.code).toBe(422);
    expect(refused.body.message).toBe('ConfigMap "annotated" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes');
    expect(refused.body.details.causes).toEqual([{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 262144 bytes', field: 'metadata.annotations' }]);
    expect(stored('/configmaps', 'annotated')).toBeUndefined();
  });

  it('fails kubectl apply (client-side) of a 300 KiB ConfigMap on its last-applied annotation, as a real cluster does; server-side apply works', async () => {
    // Prepare: well under the 1 MiB data limit, but kubectl copies it all into an annotation.
    const manifest = configMapYaml('dashboards', 300 * KIB);

    // Act
    const applied = await t.kubectl(['apply', '-f', '-'], { input: manifest, allowFailure: true });

    // Assess
    expect(applied.code).toBe(1);
    expect(applied.stderr.trim()).toBe('The ConfigMap "dashboards" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes');
    expect(stored('/configmaps', 'dashboards')).toBeUndefined();

    // Act: the usual ways around it.
    const serverSide = await t.kubectl(['apply', '--server-side', '-f', '-'], { input: manifest });

    // Assess
    expect(serverSide.stdout.trim()).toBe('configmap/dashboards serverside-applied');
    expect(stored('/configmaps', 'dashboards')?.metadata.annotations).toBeUndefined();
  });
});

describe('request body and storage', () => {
  it('answers 413 to a body over 3 MiB, before looking at it', async () => {
    // Act
    const refused = await apiError(core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'huge' }, data: { blob: 'x'.repeat(3 * MIB) } } }));

    // Assess
    expect(refused.code).toBe(413);
    expect(refused.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728', code: 413 });
    expect(stored('/configmaps', 'huge')).toBeUndefined();
  });

  it('answers 413 to kubectl create of a manifest over 3 MiB', async () => {
    // Act
    const r = await t.kubectl(['create', '-f', '-'], { input: configMapYaml('huge', 3 * MIB + 1), allowFailure: true });

    // Assess
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Request entity too large: limit is 3145728');
    expect(stored('/configmaps', 'huge')).toBeUndefined();
  });

  it("refuses an object too large for etcd's request limit with etcd's error, though a dry run passes", async () => {
    // Prepare: no validation limits a container's args; 1.6 MiB of them exceed etcd's 1.5 MiB.
    const deployment: V1Deployment = {
      metadata: { name: 'bloated' },
      spec: {
        selector: { matchLabels: { app: 'bloated' } },
        template: { metadata: { labels: { app: 'bloated' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', args: ['a'.repeat(1.6 * MIB)] }] } },
      },
    };

    // Act
    const dryRun = await apps.createNamespacedDeployment({ namespace: NS, body: deployment, dryRun: 'All' });
    const refused = await apiError(apps.createNamespacedDeployment({ namespace: NS, body: deployment }));

    // Assess: a dry run never reaches etcd; the real write is a plain 500 with etcd's words.
    expect(dryRun.metadata?.name).toBe('bloated');
    expect(refused.code).toBe(500);
    expect(refused.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request is too large', code: 500 });
    expect(stored('apps/deployments', 'bloated')).toBeUndefined();
  });
});
