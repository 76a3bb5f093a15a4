/**
 * kubectl against the sandbox's simulated controllers: rollout status (done and past the
 * progress deadline), scale, set image and rollout undo, and deletion with cascading
 * (background, orphan, namespaces).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentYaml } from '../../support/manifests.ts';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

const getJson = (args: string[]) => t.getJson(args);

const type = (group: string, kind: string) => t.sandbox.registry.byKind(kind, group)!;
const list = (group: string, kind: string, namespace: string, labelSelector?: string) => t.sandbox.cluster.list(type(group, kind), namespace, labelSelector ? { labelSelector } : {}).items;

describe('kubectl rollout status', () => {
  it('waits until the deployment is rolled out', async () => {
    const applied = await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'rollout-ok', withNamespace: true, replicas: 3 }) });
    expect(applied.stdout.trim().split('\n')).toEqual(['namespace/rollout-ok created', 'deployment.apps/web created']);

    const r = await t.kubectl(['rollout', 'status', 'deployment/web', '-n', 'rollout-ok', '--timeout=20s']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('deployment "web" successfully rolled out');

    const d = await getJson(['deployment', 'web', '-n', 'rollout-ok']);
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    const pods = list('', 'Pod', 'rollout-ok', 'app=web');
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.status?.phase === 'Running')).toBe(true);
  });

  it('fails when the deployment exceeds its progress deadline, with pods stuck pulling the image', async () => {
    await t.kubectl(['apply', '-f', '-'], {
      input: deploymentYaml('broken', { namespace: 'rollout-deadline', withNamespace: true, replicas: 1, image: 'nginx:does-not-exist', progressDeadlineSeconds: 2 }),
    });

    const r = await t.kubectl(['rollout', 'status', 'deployment/broken', '-n', 'rollout-deadline', '--timeout=20s'], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('error: deployment "broken" exceeded its progress deadline');
    expect(r.stdout).toContain('Waiting for deployment "broken" rollout to finish: 0 of 1 updated replicas are available...');
    // Ended by the Deployment's 2 s deadline, not by kubectl's own --timeout (its message says so).
    expect(r.stderr).not.toContain('timed out waiting for the condition');

    const d = await getJson(['deployment', 'broken', '-n', 'rollout-deadline']);
    const progressing = d.status.conditions.find((c: any) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(progressing.message).toMatch(/^ReplicaSet "broken-[a-z0-9]+" has timed out progressing\.$/);
    // The controller waited the whole progressDeadlineSeconds (2) from the Deployment's creation.
    expect(Date.parse(progressing.lastTransitionTime) - Date.parse(d.metadata.creationTimestamp)).toBeGreaterThanOrEqual(2_000);
    expect(d.status.conditions.find((c: any) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });

    const pods = await getJson(['pods', '-n', 'rollout-deadline', '-l', 'app=broken']);
    expect(pods.items).toHaveLength(1);
    const waiting = pods.items[0].status.containerStatuses[0].state.waiting;
    expect(['ImagePullBackOff', 'ErrImagePull']).toContain(waiting.reason);
    expect(waiting.message).toContain('nginx:does-not-exist');
    expect(pods.items[0].status.containerStatuses[0].ready).toBe(false);
    const table = await t.kubectl(['get', 'pods', '-n', 'rollout-deadline']);
    expect(table.stdout).toMatch(/^broken-[a-z0-9]+-[a-z0-9]{5}\s+0\/1\s+(ImagePullBackOff|ErrImagePull)\s+0\s+/m);

    const events = await getJson(['events', '-n', 'rollout-deadline', '--field-selector', 'reason=Failed']);
    expect(events.items.some((e: any) => e.involvedObject.kind === 'Pod' && e.message.includes('nginx:does-not-exist'))).toBe(true);
  });
});

describe('kubectl scale and rollout undo', () => {
  it('scales a deployment and rolls out the new replica count', async () => {
    await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'scale', withNamespace: true, replicas: 2 }) });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', 'scale', '--timeout=20s']);

    const up = await t.kubectl(['scale', 'deployment/web', '-n', 'scale', '--replicas=5']);
    expect(up.stdout.trim()).toBe('deployment.apps/web scaled');
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', 'scale', '--timeout=20s']);
    let d = await getJson(['deployment', 'web', '-n', 'scale']);
    expect(d.spec.replicas).toBe(5);
    expect(d.status).toMatchObject({ replicas: 5, readyReplicas: 5, availableReplicas: 5, updatedReplicas: 5 });
    // Scaling does not make a new revision.
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
    expect(list('apps', 'ReplicaSet', 'scale')).toHaveLength(1);

    const mismatch = await t.kubectl(['scale', 'deployment/web', '-n', 'scale', '--current-replicas=2', '--replicas=1'], { allowFailure: true });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('Expected replicas to be 2, was 5');

    await t.kubectl(['scale', 'deployment/web', '-n', 'scale', '--replicas=1']);
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', 'scale', '--timeout=20s']);
    d = await getJson(['deployment', 'web', '-n', 'scale']);
    expect(d.status).toMatchObject({ replicas: 1, readyReplicas: 1, availableReplicas: 1 });
    await eventually(() => list('', 'Pod', 'scale', 'app=web').length === 1);
  });

  it('rolls back with rollout undo: image back to v1 and the revision moves on', async () => {
    const ns = 'undo';
    await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: ns, withNamespace: true, replicas: 2, image: 'nginx:v1' }) });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=20s']);
    const revision = async () => {
      const d = await getJson(['deployment', 'web', '-n', ns]);
      return { image: d.spec.template.spec.containers[0].image, revision: d.metadata.annotations['deployment.kubernetes.io/revision'] };
    };
    expect(await revision()).toEqual({ image: 'nginx:v1', revision: '1' });

    const set = await t.kubectl(['set', 'image', 'deployment/web', 'app=nginx:v2', '-n', ns]);
    expect(set.stdout.trim()).toBe('deployment.apps/web image updated');
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=20s']);
    expect(await revision()).toEqual({ image: 'nginx:v2', revision: '2' });

    const undo = await t.kubectl(['rollout', 'undo', 'deployment/web', '-n', ns]);
    expect(undo.stdout.trim()).toBe('deployment.apps/web rolled back');
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=20s']);
    expect(await revision()).toEqual({ image: 'nginx:v1', revision: '3' });

    // The v1 ReplicaSet is reused (now revision 3, remembering revision 1); v2 is scaled down.
    const rss = list('apps', 'ReplicaSet', ns).map((rs) => ({
      image: rs.spec.template.spec.containers[0].image,
      replicas: rs.spec.replicas,
      revision: rs.metadata.annotations?.['deployment.kubernetes.io/revision'],
      history: rs.metadata.annotations?.['deployment.kubernetes.io/revision-history'],
    }));
    expect(rss.sort((a, b) => a.image.localeCompare(b.image))).toEqual([
      { image: 'nginx:v1', replicas: 2, revision: '3', history: '1' },
      { image: 'nginx:v2', replicas: 0, revision: '2', history: undefined },
    ]);
    const pods = list('', 'Pod', ns, 'app=web');
    await eventually(() => list('', 'Pod', ns, 'app=web').filter((p) => !p.metadata.deletionTimestamp).length === 2);
    expect(pods.filter((p) => !p.metadata.deletionTimestamp).every((p) => p.spec.containers[0].image === 'nginx:v1')).toBe(true);

    const history = await t.kubectl(['rollout', 'history', 'deployment/web', '-n', ns]);
    expect(
      history.stdout
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['REVISION', '2', '3']);
  });
});

describe('kubectl delete', () => {
  it('deletes a deployment with its ReplicaSets and Pods', async () => {
    const ns = 'delete-cascade';
    await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: ns, withNamespace: true, replicas: 2 }) });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=20s']);
    expect(list('apps', 'ReplicaSet', ns)).toHaveLength(1);
    expect(list('', 'Pod', ns)).toHaveLength(2);

    const r = await t.kubectl(['delete', 'deployment', 'web', '-n', ns]);
    expect(r.stdout.trim()).toBe('deployment.apps "web" deleted');
    expect(t.sandbox.cluster.tryGet(type('apps', 'Deployment'), ns, 'web')).toBeUndefined();
    await eventually(() => list('apps', 'ReplicaSet', ns).length === 0 && list('', 'Pod', ns).length === 0);
    const pods = await t.kubectl(['get', 'pods,replicasets', '-n', ns]);
    expect(pods.stderr.trim()).toBe(`No resources found in ${ns} namespace.`);
  });

  it('orphans the ReplicaSet with --cascade=orphan', async () => {
    const ns = 'delete-orphan';
    await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: ns, withNamespace: true, replicas: 2 }) });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=20s']);

    const r = await t.kubectl(['delete', 'deployment', 'web', '-n', ns, '--cascade=orphan']);
    expect(r.stdout.trim()).toBe('deployment.apps "web" deleted');
    await eventually(() => !t.sandbox.cluster.tryGet(type('apps', 'Deployment'), ns, 'web'));
    await t.sandbox.settle();

    const rss = await getJson(['replicasets', '-n', ns]);
    expect(rss.items).toHaveLength(1);
    expect(rss.items[0].metadata.ownerReferences).toBeUndefined();
    expect(rss.items[0].metadata.deletionTimestamp).toBeUndefined();
    expect(rss.items[0].status.readyReplicas).toBe(2);
    // The pods still belong to the (now unowned) ReplicaSet.
    const pods = list('', 'Pod', ns);
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.metadata.ownerReferences?.[0]?.name === rss.items[0].metadata.name)).toBe(true);
  });

  it('deletes a namespace with everything in it', async () => {
    const ns = 'delete-namespace';
    await t.kubectl(['apply', '-f', '-'], {
      input: `${deploymentYaml('web', { namespace: ns, withNamespace: true, replicas: 2 })}---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
data:
  a: "1"
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${ns}
spec:
  selector:
    app: web
  ports:
  - port: 80
`,
    });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', ns, '--timeout=20s']);

    const r = await t.kubectl(['delete', 'namespace', ns, '--timeout=20s']);
    expect(r.stdout.trim()).toBe(`namespace "${ns}" deleted`);
    // kubectl waits for the deletion to finish by default.
    const gone = await t.kubectl(['get', 'namespace', ns], { allowFailure: true });
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`Error from server (NotFound): namespaces "${ns}" not found`);
    for (const [group, kind] of [
      ['apps', 'Deployment'],
      ['apps', 'ReplicaSet'],
      ['', 'Pod'],
      ['', 'ConfigMap'],
      ['', 'Service'],
      ['', 'ServiceAccount'],
    ] as const) {
      expect(list(group, kind, ns), `${kind}s left in ${ns}`).toEqual([]);
    }
  });
});
