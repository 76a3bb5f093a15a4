/**
 * kubectl's read paths into containers against the sandbox: `kubectl logs` of the
 * simulated container output (plain, --timestamps, --tail, -f until the pod goes,
 * --previous of a restarted container), the errors kube-apiserver and the kubelet word
 * for logs, and exec / port-forward / attach refused with the sandbox's message.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL } from '../../support/kubectl.ts';
import { deploymentYaml } from '../../support/manifests.ts';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const NS = 'logs';
const NO_CONTAINERS = 'the sandbox cluster runs no containers: exec, attach, port-forward and proxy are not available';

let t: TestSandbox;
let webPod: string;

beforeAll(async () => {
  t = await startTestSandbox();
  await t.kubectl(['create', 'namespace', NS]);
  await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: NS, replicas: 1 }) });
  await t.kubectl(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=20s']);
  webPod = await runningPod('app=web');
});

afterAll(async () => {
  await t?.close();
});

async function runningPod(selector: string): Promise<string> {
  return eventually(async () => {
    const pods = JSON.parse((await t.kubectl(['get', 'pods', '-n', NS, '-l', selector, '-o', 'json'])).stdout).items;
    const ready = pods.find((p: any) => p.status.containerStatuses?.every((c: any) => c.ready));
    return ready?.metadata.name as string | undefined;
  });
}

function podYaml(name: string, spec: string, annotations = ''): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${NS}\n${annotations}spec:\n${spec}`;
}

describe('kubectl logs', () => {
  it("prints what a Deployment's container wrote, with timestamps and a tail on request", async () => {
    // Act
    const plain = await t.kubectl(['logs', 'deployment/web', '-n', NS]);
    const stamped = await t.kubectl(['logs', webPod, '-n', NS, '--timestamps']);
    const tail = await t.kubectl(['logs', webPod, '-n', NS, '--tail=1']);

    // Assess
    expect(plain.stdout).toBe('started container app from image nginx:1.27\ncontainer app is ready\n');
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z started container app from image nginx:1\.27\n\S+ container app is ready\n$/);
    expect(tail.stdout).toBe('container app is ready\n');
  });

  it('prints the outcome of a failing readiness probe', async () => {
    // Prepare
    await t.kubectl(['apply', '-f', '-'], {
      input: podYaml('unready', "  containers:\n  - name: app\n    image: nginx:1.27\n    readinessProbe:\n      exec:\n        command: ['sh', '-c', 'exit 2']\n"),
    });

    // Act
    const logs = await eventually(async () => {
      const r = await t.kubectl(['logs', 'unready', '-n', NS], { allowFailure: true });
      return r.stdout.includes('Readiness probe failed') && r.stdout;
    });

    // Assess
    expect(logs).toBe('started container app from image nginx:1.27\nReadiness probe failed: command "sh -c exit 2" exited with 2\n');
  });

  it('-f streams new lines and ends when the pod is deleted', async () => {
    // Prepare
    await t.kubectl(['apply', '-f', '-'], { input: podYaml('follow-me', '  containers:\n  - name: app\n    image: nginx:1.27\n') });
    await t.kubectl(['wait', '--for=condition=Ready', 'pod/follow-me', '-n', NS, '--timeout=20s']);
    const child = spawn(KUBECTL, ['--kubeconfig', t.kubeconfigPath, '--cache-dir', `${t.dir}/kube-cache`, 'logs', '-f', 'follow-me', '-n', NS], { env: { PATH: process.env.PATH ?? '', HOME: t.dir } });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await eventually(() => stdout.includes('container app is ready'));

    // Act
    await t.kubectl(['delete', 'pod', 'follow-me', '-n', NS, '--wait=false']);
    const code = await exited;

    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe('started container app from image nginx:1.27\ncontainer app is ready\nreceived SIGTERM, shutting down\n');
  });

  it('--previous prints the log of the instance before a restart, and the real error when there is none', async () => {
    // Prepare
    // Never ready before it exits, so each instance writes exactly a start and an exit.
    const neverReady = "  annotations:\n    sandbox.conveyor.dev/ready-after-ms: '600000'\n";
    await t.kubectl(['apply', '-f', '-'], { input: podYaml('crasher', "  containers:\n  - name: app\n    image: busybox:1.36\n    command: ['sh', '-c', 'exit 3']\n", neverReady) });
    await eventually(async () => JSON.parse((await t.kubectl(['get', 'pod', 'crasher', '-n', NS, '-o', 'json'])).stdout).status.containerStatuses?.[0]?.restartCount >= 1);

    // Act
    const previous = await t.kubectl(['logs', 'crasher', '-n', NS, '--previous']);
    const none = await t.kubectl(['logs', webPod, '-n', NS, '--previous'], { allowFailure: true });

    // Assess
    expect(previous.stdout).toBe('started container app from image busybox:1.36\nexited with code 3 (Error)\n');
    expect(none.code).not.toBe(0);
    expect(none.stderr.trim()).toBe(`Error from server (BadRequest): previous terminated container "app" in pod "${webPod}" not found`);
  });

  it('names the containers to choose from, rejects an unknown one, and says a container is still waiting', async () => {
    // Prepare
    await t.kubectl(['apply', '-f', '-'], {
      input: podYaml(
        'two',
        "  initContainers:\n  - name: setup\n    image: busybox:1.36\n    command: ['sh', '-c', 'exit 1']\n  containers:\n  - name: a\n    image: nginx:1.27\n  - name: b\n    image: nginx:1.27\n",
      ),
    });
    const path = `/api/v1/namespaces/${NS}/pods/two/log`;
    // The init container fails and restarts, so a and b never leave PodInitializing.
    await eventually(async () => JSON.parse((await t.kubectl(['get', 'pod', 'two', '-n', NS, '-o', 'json'])).stdout).status.initContainerStatuses?.[0]?.restartCount >= 1);

    // Act
    const unnamed = await t.kubectl(['get', '--raw', path], { allowFailure: true });
    const unknown = await t.kubectl(['get', '--raw', `${path}?container=c`], { allowFailure: true });
    const waiting = await t.kubectl(['logs', 'two', '-c', 'a', '-n', NS], { allowFailure: true });
    const defaulted = await t.kubectl(['logs', 'two', '-n', NS], { allowFailure: true });

    // Assess
    expect(unnamed.stderr.trim()).toBe('Error from server (BadRequest): a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [setup]');
    expect(unknown.stderr.trim()).toBe('Error from server (BadRequest): container c is not valid for pod two');
    expect(waiting.code).not.toBe(0);
    expect(waiting.stderr.trim()).toBe('Error from server (BadRequest): container "a" in pod "two" is waiting to start: PodInitializing');
    // kubectl itself picks the first container when none is named, and says so.
    expect(defaulted.stderr).toContain('Defaulted container "a" out of: a, b, setup (init)');
  });

  it('says a container that is still being created is waiting to start: ContainerCreating', async () => {
    // Prepare: a pod bound to a node the simulated kubelet does not run, so it stays as written.
    await t.kubectl(['apply', '-f', '-'], { input: podYaml('creating', '  nodeName: no-such-node\n  containers:\n  - name: app\n    image: nginx:1.27\n') });
    const rt = t.sandbox.registry.byKind('Pod', '')!;
    const pod = t.sandbox.cluster.get(rt, NS, 'creating');
    const status = {
      phase: 'Pending',
      containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: 'nginx:1.27', imageID: '', started: false }],
    };
    t.sandbox.cluster.update(rt, NS, 'creating', { ...pod, status }, { subresource: 'status' });

    // Act
    const r = await t.kubectl(['logs', 'creating', '-n', NS], { allowFailure: true });

    // Assess
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('Error from server (BadRequest): container "app" in pod "creating" is waiting to start: ContainerCreating');
  });

  it('rejects log options the way PodLogOptions validation does', async () => {
    // Act
    const r = await t.kubectl(['get', '--raw', `/api/v1/namespaces/${NS}/pods/${webPod}/log?tailLines=-1`], { allowFailure: true });

    // Assess
    expect(r.stderr.trim()).toBe(`The PodLogOptions "${webPod}" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`);
  });
});

describe('exec, port-forward and attach', () => {
  it.each([
    ['exec', ['exec', '-n', NS, '<pod>', '--', 'ls'], 'Error from server (BadRequest): '],
    ['port-forward', ['port-forward', '-n', NS, '<pod>', '18080:80'], 'error: error upgrading connection: '],
    ['attach', ['attach', '-n', NS, '<pod>'], 'Error from server (BadRequest): '],
  ])('kubectl %s exits non-zero with the sandbox message', async (action, args, prefix) => {
    // Act
    const r = await t.kubectl(
      args.map((a) => (a === '<pod>' ? webPod : a)),
      { allowFailure: true },
    );

    // Assess
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${prefix}${NO_CONTAINERS} (${action} to pod "${NS}/${webPod}")`);
    expect(r.stderr).not.toMatch(/request body is empty|upgrade request required/);
  });
});
