/**
 * Exec probes on the sandbox's kubelet, through kubectl: the readiness probes of well-known
 * images pass (their own tools: pg_isready, podcli, redis-cli), a made-up command fails,
 * initialDelaySeconds holds readiness back, and a failing liveness probe restarts its
 * container while a passing one does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreEvent } from '#sandbox/store.ts';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

const getJson = (args: string[]) => t.getJson(args);

const ready = (pod: any) => pod?.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'True';

function podYaml(name: string, image: string, probes: string): string {
  return `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: probes }
spec:
  containers:
    - name: app
      image: ${image}
${probes}
---`;
}

describe('exec readiness probes', () => {
  it('pass with the tools of real images and fail with a command the image does not have', async () => {
    // Prepare
    await t.kubectl(['create', 'namespace', 'probes']);
    // Act
    await t.kubectl(['apply', '-f', '-'], {
      input: [
        podYaml('postgres', 'postgres:16', '      readinessProbe: { exec: { command: [pg_isready, -U, postgres] }, periodSeconds: 1 }'),
        podYaml('podinfo', 'ghcr.io/stefanprodan/podinfo:6.7.1', '      readinessProbe: { exec: { command: [podcli, check, http, "localhost:9898/readyz"] }, periodSeconds: 1 }'),
        podYaml('redis', 'redis:7', '      readinessProbe: { exec: { command: [redis-cli, ping] }, periodSeconds: 1 }'),
        podYaml('made-up', 'httpd:2.4.63', '      readinessProbe: { exec: { command: [httpd-ready-check] }, periodSeconds: 1 }'),
      ].join('\n'),
    });
    await t.kubectl(['wait', '--for=condition=Ready', 'pod/postgres', 'pod/podinfo', 'pod/redis', '-n', 'probes', '--timeout=20s']);
    const unhealthy = await eventually(async () => {
      const events = await getJson(['events', '-n', 'probes', '--field-selector', 'involvedObject.name=made-up,reason=Unhealthy']);
      return events.items[0];
    });
    // Assess
    const madeUp = await getJson(['pod', 'made-up', '-n', 'probes']);
    expect(madeUp.status.phase).toBe('Running');
    expect(ready(madeUp)).toBe(false);
    expect(unhealthy.type).toBe('Warning');
    expect(unhealthy.message).toContain('exec: "httpd-ready-check": executable file not found in $PATH');
  });

  it('waits for initialDelaySeconds before a container is ready', async () => {
    // Prepare: record the order in which the pods turn Ready
    const order: string[] = [];
    const unsubscribe = t.sandbox.cluster.store.subscribe((event: StoreEvent) => {
      if (event.object.kind === 'Pod' && event.object.metadata.namespace === 'probes' && ready(event.object) && !ready(event.previous)) order.push(event.object.metadata.name!);
    });
    try {
      // Act: the delayed pod is created first
      await t.kubectl(['apply', '-f', '-'], {
        input: [
          podYaml('delayed', 'nginx:1.27', '      readinessProbe: { httpGet: { path: /, port: 80 }, initialDelaySeconds: 30 }'),
          podYaml('prompt', 'nginx:1.27', '      readinessProbe: { httpGet: { path: /, port: 80 } }'),
        ].join('\n'),
      });
      await t.kubectl(['wait', '--for=condition=Ready', 'pod/delayed', 'pod/prompt', '-n', 'probes', '--timeout=20s']);
    } finally {
      unsubscribe();
    }
    // Assess
    expect(order).toEqual(['prompt', 'delayed']);
  });
});

describe('exec liveness probes', () => {
  it('restart a container whose probe fails and leave one whose probe passes', async () => {
    // Act
    await t.kubectl(['apply', '-f', '-'], {
      input: [
        podYaml('live-ok', 'redis:7', '      livenessProbe: { exec: { command: [redis-cli, ping] }, periodSeconds: 1, failureThreshold: 1 }'),
        podYaml('live-broken', 'redis:7', '      livenessProbe: { exec: { command: [redis-health] }, periodSeconds: 1, failureThreshold: 1 }'),
      ].join('\n'),
    });
    const restarted = await eventually(async () => {
      const pod = await getJson(['pod', 'live-broken', '-n', 'probes']);
      return pod.status?.containerStatuses?.[0]?.restartCount >= 1 && pod;
    });
    const killing = await eventually(async () => (await getJson(['events', '-n', 'probes', '--field-selector', 'involvedObject.name=live-broken,reason=Killing'])).items[0]);
    // Assess
    expect(restarted.status.containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(killing.message).toBe('Container app failed liveness probe, will be restarted');
    const ok = await getJson(['pod', 'live-ok', '-n', 'probes']);
    expect(ok.status.containerStatuses[0].restartCount).toBe(0);
    expect(ready(ok)).toBe(true);
  });
});
