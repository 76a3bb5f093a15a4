/**
 * The demo `npm start` runs: a namespace with the least-privilege deployer account that
 * deployment tools recommend (a ServiceAccount confined by a Role and RoleBinding), and a
 * release rolled out through Conveyor's deploy engine acting as that account — variables
 * substituted, the image bound from a release image map, the rollout followed until done.
 */
import { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import { runApplyStep } from '#domain/engine/apply-step.ts';
import type { EventSink } from '#domain/engine/events.ts';
import type { SandboxHandle } from '#sandbox/sandbox.ts';
import type { KubeObject } from '#sandbox/types.ts';

export const DEMO_NAMESPACE = 'conveyor-demo';
const DEPLOYER = 'deployer';
const TOKEN_WAIT_MS = 10_000;
const ROLLOUT_TIMEOUT_MS = 60_000;

const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata:
  name: hello-config
data:
  greeting: "Hello from #{Conveyor.Environment.Name | ToUpper}"
  release: "#{Conveyor.Release.Number}"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels: {app: hello}
spec:
  replicas: #{Replicas}
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: hello
        image: nginx
        ports:
        - containerPort: 80
        envFrom:
        - configMapRef: {name: hello-config}
---
apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  selector: {app: hello}
  ports:
  - port: 80
    targetPort: 80
`;

export async function runDemo(sandbox: SandboxHandle, onEvent: EventSink, say: (line: string) => void): Promise<void> {
  const token = await setUpDeployer(sandbox);
  say(`namespace ${DEMO_NAMESPACE}: ServiceAccount "${DEPLOYER}" may manage workloads in ${DEMO_NAMESPACE} only`);
  const cluster = await KubernetesCluster.connect({
    name: 'sandbox-demo',
    url: sandbox.url,
    caPem: sandbox.caPem,
    namespace: DEMO_NAMESPACE,
    tags: ['web'],
    account: { kind: 'token', token },
  });
  try {
    const result = await runApplyStep(
      {
        files: [{ name: 'demo/hello.yaml', content: MANIFEST }],
        variables: [{ name: 'Replicas', values: [{ value: '3' }] }],
        context: { environment: 'Development', project: 'hello', releaseNumber: '1.0.0', deploymentId: 'demo-1', step: 'deploy', target: { name: 'sandbox-demo', namespace: DEMO_NAMESPACE, tags: ['web'] } },
        images: { nginx: '1.27' },
        target: { name: 'sandbox-demo', namespace: DEMO_NAMESPACE },
        force: false,
        dryRun: false,
        wait: true,
        timeoutMs: ROLLOUT_TIMEOUT_MS,
      },
      cluster,
      onEvent,
    );
    say(`release 1.0.0 to Development: ${result.state}`);
  } finally {
    await cluster.close();
  }
}

/** Namespace, ServiceAccount, Role, RoleBinding (as the admin), and the account's token. */
async function setUpDeployer(sandbox: SandboxHandle): Promise<string> {
  const { cluster, registry } = sandbox;
  const ensure = (group: string, kind: string, object: KubeObject) => {
    const type = registry.byKind(kind, group)!;
    if (!cluster.tryGet(type, object.metadata.namespace, object.metadata.name!)) cluster.create(type, object.metadata.namespace, object, { fieldManager: 'conveyor-demo' });
  };
  const ns = DEMO_NAMESPACE;
  const rbac = 'rbac.authorization.k8s.io';
  ensure('', 'Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await sandbox.settle();
  ensure('', 'ServiceAccount', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEPLOYER, namespace: ns } });
  ensure(rbac, 'Role', {
    apiVersion: `${rbac}/v1`,
    kind: 'Role',
    metadata: { name: DEPLOYER, namespace: ns },
    rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io'], resources: ['*'], verbs: ['*'] }],
  });
  ensure(rbac, 'RoleBinding', {
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name: DEPLOYER, namespace: ns },
    roleRef: { apiGroup: rbac, kind: 'Role', name: DEPLOYER },
    subjects: [{ kind: 'ServiceAccount', name: DEPLOYER, namespace: ns }],
  });
  // A token Secret, as clusters before 1.24 made them: the token controller fills it in.
  ensure('', 'Secret', {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name: `${DEPLOYER}-token`, namespace: ns, annotations: { 'kubernetes.io/service-account.name': DEPLOYER } },
  });
  const secrets = registry.byKind('Secret', '')!;
  const deadline = Date.now() + TOKEN_WAIT_MS;
  for (;;) {
    const token = cluster.tryGet(secrets, ns, `${DEPLOYER}-token`)?.data?.token;
    if (token) return Buffer.from(token, 'base64').toString('utf8');
    if (Date.now() > deadline) throw new Error(`the token of ServiceAccount ${ns}/${DEPLOYER} was not issued within ${TOKEN_WAIT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
