/**
 * kubectl against the sandbox's authentication and authorization: the `create` subcommands
 * (which send protobuf bodies), a ServiceAccount with a Role and RoleBinding, a token from
 * `kubectl create token` used in its own kubeconfig, Forbidden errors, and `auth can-i`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentYaml } from '../../support/manifests.ts';
import { startTestSandbox, type TestSandbox, writeUserKubeconfig } from '../../support/sandbox.ts';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

const type = (group: string, kind: string) => t.sandbox.registry.byKind(kind, group)!;

function decodeJwtPayload(token: string): any {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('kubectl create subcommands', () => {
  it('creates a namespace and a deployment', async () => {
    const ns = await t.kubectl(['create', 'namespace', 'create-cmds']);
    expect(ns.stdout.trim()).toBe('namespace/create-cmds created');
    expect(t.sandbox.cluster.get(type('', 'Namespace'), undefined, 'create-cmds').status?.phase).toBe('Active');

    const dep = await t.kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '-n', 'create-cmds']);
    expect(dep.stdout.trim()).toBe('deployment.apps/web created');
    const d = t.sandbox.cluster.get(type('apps', 'Deployment'), 'create-cmds', 'web');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(d.spec.template.spec.containers).toMatchObject([{ name: 'nginx', image: 'nginx:1.27' }]);
    expect(d.metadata.managedFields?.map((m: any) => `${m.manager}/${m.operation}`)).toContain('kubectl-create/Update');

    const again = await t.kubectl(['create', 'namespace', 'create-cmds'], { allowFailure: true });
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('Error from server (AlreadyExists): namespaces "create-cmds" already exists');

    const cm = await t.kubectl(['create', 'configmap', 'settings', '--from-literal=a=1', '-n', 'create-cmds']);
    expect(cm.stdout.trim()).toBe('configmap/settings created');
    expect(t.sandbox.cluster.get(type('', 'ConfigMap'), 'create-cmds', 'settings').data).toEqual({ a: '1' });
  });
});

describe('a ServiceAccount with a namespaced Role', () => {
  let deployerKubeconfig: string;

  beforeAll(async () => {
    await t.kubectl(['create', 'namespace', 'team-a']);
    await t.kubectl(['create', 'namespace', 'team-b']);
  });

  it('creates the ServiceAccount, Role and RoleBinding, and a token for it', async () => {
    const sa = await t.kubectl(['create', 'serviceaccount', 'deployer', '-n', 'team-a']);
    expect(sa.stdout.trim()).toBe('serviceaccount/deployer created');

    const rbac = await t.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: team-a
rules:
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer
  namespace: team-a
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: deployer
subjects:
- kind: ServiceAccount
  name: deployer
  namespace: team-a
`,
    });
    expect(rbac.stdout.trim().split('\n')).toEqual(['role.rbac.authorization.k8s.io/deployer created', 'rolebinding.rbac.authorization.k8s.io/deployer created']);

    const token = await t.kubectl(['create', 'token', 'deployer', '-n', 'team-a', '--duration=1h']);
    const jwt = token.stdout.trim();
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = decodeJwtPayload(jwt);
    expect(claims.sub).toBe('system:serviceaccount:team-a:deployer');
    expect(claims.exp - claims.iat).toBe(3600);
    const serviceAccount = t.sandbox.cluster.get(type('', 'ServiceAccount'), 'team-a', 'deployer');
    expect(claims['kubernetes.io'].serviceaccount).toEqual({ name: 'deployer', uid: serviceAccount.metadata.uid });

    deployerKubeconfig = writeUserKubeconfig(t, 'deployer', { token: jwt }, 'team-a');
  });

  it('lets the token list and create deployments in team-a', async () => {
    expect(deployerKubeconfig).toBeDefined();
    const empty = await t.kubectl(['get', 'deployments'], { kubeconfig: deployerKubeconfig });
    expect(empty.stderr.trim()).toBe('No resources found in team-a namespace.');

    const created = await t.kubectl(['apply', '-f', '-'], { kubeconfig: deployerKubeconfig, input: deploymentYaml('app', { replicas: 1 }) });
    expect(created.stdout.trim()).toBe('deployment.apps/app created');
    const d = t.sandbox.cluster.get(type('apps', 'Deployment'), 'team-a', 'app');
    expect(d.metadata.managedFields?.some((m: any) => m.manager === 'kubectl-client-side-apply')).toBe(true);

    const listed = await t.kubectl(['get', 'deployments', '-o', 'name'], { kubeconfig: deployerKubeconfig });
    expect(listed.stdout.trim()).toBe('deployment.apps/app');

    const whoami = await t.kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: deployerKubeconfig });
    const review = JSON.parse(whoami.stdout);
    expect(review.status.userInfo.username).toBe('system:serviceaccount:team-a:deployer');
    expect(review.status.userInfo.groups).toEqual(expect.arrayContaining(['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated']));
  });

  it('forbids the token in team-b and at cluster scope', async () => {
    expect(deployerKubeconfig).toBeDefined();
    const teamB = await t.kubectl(['get', 'deployments', '-n', 'team-b'], { kubeconfig: deployerKubeconfig, allowFailure: true });
    expect(teamB.code).toBe(1);
    expect(teamB.stdout).toBe('');
    expect(teamB.stderr.trim()).toBe(
      'Error from server (Forbidden): deployments.apps is forbidden: User "system:serviceaccount:team-a:deployer" cannot list resource "deployments" in API group "apps" in the namespace "team-b"',
    );

    const createB = await t.kubectl(['apply', '-n', 'team-b', '-f', '-'], { kubeconfig: deployerKubeconfig, input: deploymentYaml('app', { replicas: 1 }), allowFailure: true });
    expect(createB.code).toBe(1);
    expect(createB.stderr).toContain('User "system:serviceaccount:team-a:deployer" cannot get resource "deployments" in API group "apps" in the namespace "team-b"');
    expect(t.sandbox.cluster.tryGet(type('apps', 'Deployment'), 'team-b', 'app')).toBeUndefined();

    const all = await t.kubectl(['get', 'deployments', '--all-namespaces'], { kubeconfig: deployerKubeconfig, allowFailure: true });
    expect(all.code).toBe(1);
    expect(all.stderr.trim()).toBe(
      'Error from server (Forbidden): deployments.apps is forbidden: User "system:serviceaccount:team-a:deployer" cannot list resource "deployments" in API group "apps" at the cluster scope',
    );

    const nodes = await t.kubectl(['get', 'namespaces'], { kubeconfig: deployerKubeconfig, allowFailure: true });
    expect(nodes.code).toBe(1);
    expect(nodes.stderr.trim()).toBe(
      'Error from server (Forbidden): namespaces is forbidden: User "system:serviceaccount:team-a:deployer" cannot list resource "namespaces" in API group "" at the cluster scope',
    );

    const pods = await t.kubectl(['get', 'pods'], { kubeconfig: deployerKubeconfig, allowFailure: true });
    expect(pods.code).toBe(1);
    expect(pods.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team-a:deployer" cannot list resource "pods" in API group "" in the namespace "team-a"',
    );
  });

  it('rejects a token that is not valid', async () => {
    const bogus = writeUserKubeconfig(t, 'bogus', { token: 'not-a-token' }, 'team-a');
    const r = await t.kubectl(['get', 'deployments'], { kubeconfig: bogus, allowFailure: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });

  it('answers auth can-i for the admin and for the ServiceAccount', async () => {
    const can = async (args: string[]) => {
      const r = await t.kubectl(['auth', 'can-i', ...args], { allowFailure: true });
      return `${r.code} ${r.stdout.trim()}`;
    };
    expect(await can(['create', 'deployments', '-n', 'team-a'])).toBe('0 yes');
    expect(await can(['delete', 'nodes'])).toBe('0 yes');
    expect(await can(['*', '*', '--all-namespaces'])).toBe('0 yes');

    const as = '--as=system:serviceaccount:team-a:deployer';
    expect(await can(['create', 'deployments', '-n', 'team-a', as])).toBe('0 yes');
    expect(await can(['list', 'deployments.apps', '-n', 'team-a', as])).toBe('0 yes');
    expect(await can(['delete', 'deployments', '-n', 'team-a', as])).toBe('0 yes');
    expect(await can(['create', 'deployments', '-n', 'team-b', as])).toBe('1 no');
    expect(await can(['list', 'deployments', '--all-namespaces', as])).toBe('1 no');
    expect(await can(['get', 'pods', '-n', 'team-a', as])).toBe('1 no');
    expect(await can(['get', 'secrets', '-n', 'team-a', as])).toBe('1 no');

    // The ServiceAccount itself asks (SelfSubjectAccessReview with its own token).
    const self = await t.kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'team-b'], { kubeconfig: deployerKubeconfig, allowFailure: true });
    expect(`${self.code} ${self.stdout.trim()}`).toBe('1 no');
    const selfYes = await t.kubectl(['auth', 'can-i', 'patch', 'deployments'], { kubeconfig: deployerKubeconfig });
    expect(selfYes.stdout.trim()).toBe('yes');

    const listed = await t.kubectl(['auth', 'can-i', '--list', '-n', 'team-a'], { kubeconfig: deployerKubeconfig });
    expect(listed.stdout).toMatch(/^deployments\.apps\s+\[\]\s+\[\]\s+\[get list watch create update patch delete\]$/m);
  });
});
