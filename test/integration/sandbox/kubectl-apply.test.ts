/**
 * kubectl against the sandbox: apply (client-side and server-side, field-manager conflicts),
 * get -o json and tables, diff, validation errors, discovery-driven commands (api-resources,
 * explain) and a CustomResourceDefinition with its custom resources.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentYaml, namespaceYaml } from '../../support/manifests.ts';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

async function createNamespace(name: string): Promise<void> {
  const r = await t.kubectl(['apply', '-f', '-'], { input: namespaceYaml(name) });
  expect(r.stdout.trim()).toBe(`namespace/${name} created`);
}

const getJson = (args: string[]) => t.getJson(args);

const deploymentType = () => t.sandbox.registry.byKind('Deployment', 'apps')!;

describe('kubectl apply', () => {
  it('creates with client-side apply, then reports configured on a change and unchanged on a repeat', async () => {
    await createNamespace('apply-csa');
    const created = await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-csa', replicas: 2 }) });
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toBe('deployment.apps/web created');

    const same = await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-csa', replicas: 2 }) });
    expect(same.stdout.trim()).toBe('deployment.apps/web unchanged');

    const changed = await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-csa', replicas: 3 }) });
    expect(changed.stdout.trim()).toBe('deployment.apps/web configured');

    const d = t.sandbox.cluster.get(deploymentType(), 'apply-csa', 'web');
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata.generation).toBe(2);
    const lastApplied = JSON.parse(d.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']!);
    expect(lastApplied.spec.replicas).toBe(3);
    expect(lastApplied.metadata).toEqual({ annotations: {}, name: 'web', namespace: 'apply-csa' });
    // Client-side apply is an Update by the manager kubectl-client-side-apply.
    const managers = d.metadata.managedFields!.map((m: any) => `${m.manager}/${m.operation}`);
    expect(managers).toContain('kubectl-client-side-apply/Update');
  });

  it('applies server-side with managedFields for the field manager', async () => {
    await createNamespace('apply-ssa');
    const r = await t.kubectl(['apply', '--server-side', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-ssa', replicas: 2 }) });
    expect(r.stdout.trim()).toBe('deployment.apps/web serverside-applied');

    const d = await getJson(['deployment', 'web', '-n', 'apply-ssa', '--show-managed-fields']);
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    const entry = d.metadata.managedFields.find((m: any) => m.manager === 'kubectl' && m.operation === 'Apply');
    expect(entry).toBeDefined();
    expect(entry.fieldsType).toBe('FieldsV1');
    expect(entry.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"app"}']['f:image']).toEqual({});
  });

  it('reports a conflict between two field managers and takes ownership with --force-conflicts', async () => {
    await createNamespace('apply-conflict');
    const a = await t.kubectl(['apply', '--server-side', '--field-manager=a', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-conflict', replicas: 2 }) });
    expect(a.stdout.trim()).toBe('deployment.apps/web serverside-applied');

    const b = await t.kubectl(['apply', '--server-side', '--field-manager=b', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-conflict', replicas: 3 }), allowFailure: true });
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('Apply failed with 1 conflict: conflict with "a": .spec.replicas');
    expect(b.stderr).toContain('--force-conflicts');
    expect(t.sandbox.cluster.get(deploymentType(), 'apply-conflict', 'web').spec.replicas).toBe(2);

    const forced = await t.kubectl(['apply', '--server-side', '--field-manager=b', '--force-conflicts', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-conflict', replicas: 3 }) });
    expect(forced.stdout.trim()).toBe('deployment.apps/web serverside-applied');

    const d = await getJson(['deployment', 'web', '-n', 'apply-conflict', '--show-managed-fields']);
    expect(d.spec.replicas).toBe(3);
    const byManager = (name: string) => d.metadata.managedFields.find((m: any) => m.manager === name && m.operation === 'Apply');
    expect(byManager('b').fieldsV1['f:spec']['f:replicas']).toEqual({});
    // a keeps the fields both set to the same value, but no longer owns replicas.
    expect(byManager('a').fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    expect(byManager('a').fieldsV1['f:spec']['f:selector']).toBeDefined();
  });

  it('rejects an unknown field with a strict decoding error and creates nothing', async () => {
    await createNamespace('apply-unknown');
    const r = await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-unknown', replicas: 2, replicasField: 'replicaz' }), allowFailure: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (BadRequest)');
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.replicaz"');
    expect(t.sandbox.cluster.tryGet(deploymentType(), 'apply-unknown', 'web')).toBeUndefined();

    const ssa = await t.kubectl(['apply', '--server-side', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-unknown', replicas: 2, replicasField: 'replicaz' }), allowFailure: true });
    expect(ssa.code).toBe(1);
    expect(ssa.stderr).toContain('failed to create typed patch object (apply-unknown/web; apps/v1, Kind=Deployment): .spec.replicaz: field not declared in schema');
    expect(t.sandbox.cluster.tryGet(deploymentType(), 'apply-unknown', 'web')).toBeUndefined();
  });

  it('rejects a value of the wrong type and creates nothing', async () => {
    await createNamespace('apply-type');
    const r = await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'apply-type', replicas: '"two"' }), allowFailure: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (BadRequest)');
    expect(r.stderr).toContain('cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    expect(t.sandbox.cluster.tryGet(deploymentType(), 'apply-type', 'web')).toBeUndefined();
  });
});

describe('kubectl patch', () => {
  it('patches with strategic merge, JSON and merge patches, and reports a patch that changes nothing', async () => {
    await createNamespace('patch');
    await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'patch', replicas: 1 }) });
    const rv = () => t.sandbox.cluster.get(deploymentType(), 'patch', 'web').metadata.resourceVersion;

    // Strategic merge: the container list merges by name.
    const sidecar = await t.kubectl(['patch', 'deployment', 'web', '-n', 'patch', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}']);
    expect(sidecar.stdout.trim()).toBe('deployment.apps/web patched');
    expect(t.sandbox.cluster.get(deploymentType(), 'patch', 'web').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['sidecar', 'app']);

    const json = await t.kubectl(['patch', 'deployment', 'web', '-n', 'patch', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2}]']);
    expect(json.stdout.trim()).toBe('deployment.apps/web patched');
    const merge = await t.kubectl(['patch', 'deployment', 'web', '-n', 'patch', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"front"}}}']);
    expect(merge.stdout.trim()).toBe('deployment.apps/web patched');
    const d = t.sandbox.cluster.get(deploymentType(), 'patch', 'web');
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.labels).toEqual({ tier: 'front' });

    // Let the rollout finish so that no controller writes between kubectl's get and patch.
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', 'patch', '--timeout=20s']);
    await t.sandbox.settle();
    const before = rv();
    const noop = await t.kubectl(['patch', 'deployment', 'web', '-n', 'patch', '-p', '{"spec":{"replicas":2}}']);
    expect(noop.stdout.trim()).toBe('deployment.apps/web patched (no change)');
    expect(rv()).toBe(before);

    const bad = await t.kubectl(['patch', 'deployment', 'web', '-n', 'patch', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":7}]'], { allowFailure: true });
    expect(bad.code).toBe(1);
    // 422 Invalid with the json-patch library's message, as kube-apiserver answers a failed test op.
    expect(bad.stderr.trim()).toBe('The request is invalid: testing value /spec/replicas failed: test failed');
  });
});

describe('kubectl get and diff', () => {
  it('prints objects and lists as JSON with defaults and status', async () => {
    await createNamespace('get-json');
    await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'get-json', replicas: 2 }) });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', 'get-json', '--timeout=20s']);

    const d = await getJson(['deployment', 'web', '-n', 'get-json']);
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.kind).toBe('Deployment');
    expect(d.metadata).toMatchObject({ name: 'web', namespace: 'get-json', generation: 1 });
    expect(d.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(d.metadata.managedFields).toBeUndefined();
    // Defaults a real apiserver fills in.
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(d.spec.revisionHistoryLimit).toBe(10);
    expect(d.spec.progressDeadlineSeconds).toBe(600);
    expect(d.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' });
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 });
    const types = d.status.conditions.map((c: any) => `${c.type}=${c.status}`).sort();
    expect(types).toEqual(['Available=True', 'Progressing=True']);
    expect(d.status.conditions.find((c: any) => c.type === 'Progressing').reason).toBe('NewReplicaSetAvailable');

    const list = await getJson(['deployments', '-n', 'get-json']);
    expect(list.apiVersion).toBe('v1');
    expect(list.kind).toBe('List');
    expect(list.items.map((i: any) => `${i.kind}/${i.metadata.name}`)).toEqual(['Deployment/web']);

    const pods = await getJson(['pods', '-n', 'get-json', '-l', 'app=web']);
    expect(pods.kind).toBe('List');
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.kind).toBe('Pod');
      expect(pod.status.phase).toBe('Running');
      expect(pod.metadata.ownerReferences[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', controller: true, blockOwnerDeletion: true });
    }

    // Several kinds at once.
    const mixed = await getJson(['deployments,replicasets', '-n', 'get-json']);
    expect(mixed.kind).toBe('List');
    expect(mixed.items.map((i: any) => i.kind).sort()).toEqual(['Deployment', 'ReplicaSet']);

    // The raw API list carries its own kind.
    const raw = JSON.parse((await t.kubectl(['get', '--raw', '/apis/apps/v1/namespaces/get-json/deployments'])).stdout);
    expect(raw.kind).toBe('DeploymentList');
    expect(raw.apiVersion).toBe('apps/v1');
    expect(raw.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('prints the server-side tables with the usual columns', async () => {
    await createNamespace('get-table');
    await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'get-table', replicas: 3 }) });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', 'get-table', '--timeout=20s']);

    const deployments = await t.kubectl(['get', 'deployments', '-n', 'get-table']);
    const [header, row, ...rest] = deployments.stdout.trimEnd().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(row!.split(/\s+/).slice(0, 4)).toEqual(['web', '3/3', '3', '3']);
    expect(rest).toEqual([]);

    const wide = await t.kubectl(['get', 'deployments', '-n', 'get-table', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(wide.stdout).toMatch(/web\s+3\/3\s+3\s+3\s+\S+\s+app\s+nginx:1\.27\s+app=web/);

    const pods = await t.kubectl(['get', 'pods', '-n', 'get-table']);
    expect(pods.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const podRows = pods.stdout.trimEnd().split('\n').slice(1);
    expect(podRows).toHaveLength(3);
    for (const line of podRows) expect(line).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+/);

    const none = await t.kubectl(['get', 'statefulsets', '-n', 'get-table']);
    expect(none.stdout).toBe('');
    expect(none.stderr.trim()).toBe('No resources found in get-table namespace.');
  });

  it('diffs a manifest against the live object: exit 0 when equal, 1 with a unified diff when not', async () => {
    await createNamespace('diff');
    await t.kubectl(['apply', '-f', '-'], { input: deploymentYaml('web', { namespace: 'diff', replicas: 2 }) });

    const same = await t.kubectl(['diff', '-f', '-'], { input: deploymentYaml('web', { namespace: 'diff', replicas: 2 }) });
    expect(same.code).toBe(0);
    expect(same.stdout).toBe('');

    const changed = await t.kubectl(['diff', '-f', '-'], { input: deploymentYaml('web', { namespace: 'diff', replicas: 5 }), allowFailure: true });
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^diff -u -N \S+\/apps\.v1\.Deployment\.diff\.web \S+\/apps\.v1\.Deployment\.diff\.web$/m);
    expect(changed.stdout).toMatch(/^--- /m);
    expect(changed.stdout).toMatch(/^\+\+\+ /m);
    expect(changed.stdout).toMatch(/^- {2}replicas: 2$/m);
    expect(changed.stdout).toMatch(/^\+ {2}replicas: 5$/m);
    // The dry run does not change the live object.
    expect(t.sandbox.cluster.get(deploymentType(), 'diff', 'web').spec.replicas).toBe(2);

    const newObject = await t.kubectl(['diff', '-f', '-'], { input: deploymentYaml('other', { namespace: 'diff', replicas: 1 }), allowFailure: true });
    expect(newObject.code).toBe(1);
    expect(newObject.stdout).toMatch(/^\+ {2}name: other$/m);
    expect(t.sandbox.cluster.tryGet(deploymentType(), 'diff', 'other')).toBeUndefined();
  });
});

describe('kubectl discovery commands', () => {
  it('lists api-resources', async () => {
    const r = await t.kubectl(['api-resources']);
    expect(r.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    expect(r.stdout).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(r.stdout).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    expect(r.stdout).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(r.stdout).toMatch(/^clusterroles\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRole$/m);
  });

  it('explains a field from the OpenAPI schema', async () => {
    const r = await t.kubectl(['explain', 'deployment.spec.replicas']);
    expect(r.stdout).toMatch(/^GROUP:\s+apps$/m);
    expect(r.stdout).toMatch(/^KIND:\s+Deployment$/m);
    expect(r.stdout).toMatch(/^VERSION:\s+v1$/m);
    expect(r.stdout).toMatch(/^FIELD: replicas <integer>$/m);
    expect(r.stdout).toContain('Number of desired pods.');

    const missing = await t.kubectl(['explain', 'deployment.spec.replicaz'], { allowFailure: true });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('field "replicaz" does not exist');
  });
});

describe('CustomResourceDefinitions with kubectl', () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wg]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Size
      type: integer
      jsonPath: .spec.size
    - name: Phase
      type: string
      jsonPath: .status.phase
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size:
                type: integer
          status:
            type: object
            properties:
              phase:
                type: string
`;
  const widget = (size: number) => `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w1\n  namespace: crd\nspec:\n  size: ${size}\n`;

  it('serves a custom resource once the CRD is Established: apply, get by short name, status subresource, delete', async () => {
    await createNamespace('crd');
    expect((await t.kubectl(['apply', '-f', '-'], { input: crd })).stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    const wait = await t.kubectl(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=15s']);
    expect(wait.stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met');

    expect((await t.kubectl(['apply', '-f', '-'], { input: widget(3) })).stdout.trim()).toBe('widget.example.com/w1 created');

    const table = await t.kubectl(['get', 'wg', '-n', 'crd']);
    expect(table.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['NAME', 'SIZE', 'PHASE', 'AGE']);
    // No status yet: the Phase cell is empty.
    expect(table.stdout).toMatch(/^w1 +3 +\d+s$/m);

    const invalid = await t.kubectl(['apply', '-f', '-'], { input: widget(3).replace('size: 3', 'size: three'), allowFailure: true });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"');

    const status = await t.kubectl(['patch', 'wg', 'w1', '-n', 'crd', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Ready"}}']);
    expect(status.stdout.trim()).toBe('widget.example.com/w1 patched');
    // Status written through the main resource is ignored when the status subresource is on.
    const ignored = await t.kubectl(['patch', 'wg', 'w1', '-n', 'crd', '--type=merge', '-p', '{"status":{"phase":"Ignored"}}']);
    expect(ignored.stdout.trim()).toBe('widget.example.com/w1 patched (no change)');
    await t.kubectl(['patch', 'wg', 'w1', '-n', 'crd', '--type=merge', '-p', '{"status":{"phase":"Ignored"},"spec":{"size":4}}']);
    const w = await getJson(['widget', 'w1', '-n', 'crd']);
    expect(w.status).toEqual({ phase: 'Ready' });
    expect(w.spec.size).toBe(4);
    expect(w.metadata.generation).toBe(2);
    expect((await t.kubectl(['get', 'wg', '-n', 'crd'])).stdout).toMatch(/^w1\s+4\s+Ready\s+\d+s$/m);

    const deleted = await t.kubectl(['delete', 'wg', 'w1', '-n', 'crd']);
    expect(deleted.stdout.trim()).toBe('widget.example.com "w1" deleted');
    const gone = await t.kubectl(['get', 'wg', 'w1', '-n', 'crd'], { allowFailure: true });
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): widgets.example.com "w1" not found');
  });
});
