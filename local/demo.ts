/**
 * The demo `npm start` runs: a namespace with the least-privilege deployer account a
 * deployment tool would use, and a Deployment rolled out through it.
 */
import type { SandboxHandle } from '#sandbox/sandbox.ts';
import type { KubeObject } from '#sandbox/types.ts';

export const DEMO_NAMESPACE = 'conveyor-demo';
const ROLLOUT_TIMEOUT_MS = 30_000;

export async function runDemo(sandbox: SandboxHandle, say: (line: string) => void): Promise<void> {
  const { cluster, registry } = sandbox;
  const rt = (group: string, kind: string) => registry.byKind(kind, group)!;
  const ensure = (group: string, kind: string, object: KubeObject) => {
    const type = rt(group, kind);
    if (!cluster.tryGet(type, object.metadata.namespace, object.metadata.name!)) cluster.create(type, object.metadata.namespace, object, { fieldManager: 'conveyor-demo' });
  };
  const ns = DEMO_NAMESPACE;
  ensure('', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await sandbox.settle();
  ensure('', 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: ns } });
  ensure('rbac.authorization.k8s.io', 'Role', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'deployer', namespace: ns },
    rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io'], resources: ['*'], verbs: ['*'] }],
  });
  ensure('rbac.authorization.k8s.io', 'RoleBinding', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'deployer', namespace: ns },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' },
    subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }],
  });
  say(`namespace ${ns}: ServiceAccount "deployer" may manage workloads in ${ns} only`);
  ensure('apps', 'Deployment', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'hello', namespace: ns, labels: { app: 'hello' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'hello' } },
      template: { metadata: { labels: { app: 'hello' } }, spec: { containers: [{ name: 'hello', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } },
    },
  });
  const deployments = rt('apps', 'Deployment');
  const deadline = Date.now() + ROLLOUT_TIMEOUT_MS;
  for (;;) {
    const d = cluster.get(deployments, ns, 'hello');
    const s = d.status ?? {};
    say(`deployment/hello: ${s.updatedReplicas ?? 0} updated, ${s.availableReplicas ?? 0} available of ${d.spec.replicas}`);
    if ((s.observedGeneration ?? 0) >= d.metadata.generation! && s.availableReplicas === d.spec.replicas && s.updatedReplicas === d.spec.replicas) break;
    if (Date.now() > deadline) throw new Error('demo deployment did not roll out in time');
    await new Promise((r) => setTimeout(r, 200));
  }
  say('deployment/hello rolled out');
}
