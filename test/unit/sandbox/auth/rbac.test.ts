import { describe, expect, it } from 'vitest';
import {
  authorize,
  bootstrapRbac,
  effectiveClusterRoleRules,
  forbiddenMessage,
  forbiddenStatus,
  matchesLabelSelector,
  type PolicyRule,
  type RbacSource,
  rulesFor,
} from '../../../../local/sandbox/auth/rbac.ts';
import type { KubeObject, RequestAttributes, UserInfo } from '../../../../local/sandbox/types.ts';

const RBAC = 'rbac.authorization.k8s.io/v1';

function role(namespace: string, name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: RBAC, kind: 'Role', metadata: { namespace, name }, rules };
}
function clusterRole(name: string, rules: PolicyRule[], extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name, ...(extra.metadata ?? {}) }, rules, ...(extra.aggregationRule ? { aggregationRule: extra.aggregationRule } : {}) };
}
function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleRef: { kind: string; name: string }, subjects: object[], namespace?: string): KubeObject {
  return { apiVersion: RBAC, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef }, subjects };
}

function source(objects: KubeObject[]): RbacSource {
  const boot = bootstrapRbac();
  const all = [...boot.clusterRoles, ...boot.clusterRoleBindings, ...objects];
  return {
    roles: (ns) => all.filter((o) => o.kind === 'Role' && o.metadata.namespace === ns),
    roleBindings: (ns) => all.filter((o) => o.kind === 'RoleBinding' && o.metadata.namespace === ns),
    clusterRoles: () => all.filter((o) => o.kind === 'ClusterRole'),
    clusterRoleBindings: () => all.filter((o) => o.kind === 'ClusterRoleBinding'),
  };
}

const deployer: UserInfo = {
  username: 'system:serviceaccount:team-a:deployer',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'],
};
const alice: UserInfo = { username: 'alice', groups: ['devs', 'system:authenticated'] };
const anonymous: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const admin: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

const world = source([
  role('team-a', 'deployer', [
    { verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'], apiGroups: ['apps'], resources: ['deployments'] },
    { verbs: ['get', 'update'], apiGroups: ['apps'], resources: ['deployments/scale'] },
    { verbs: ['get', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['release-config'] },
    { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
  ]),
  binding('RoleBinding', 'deployer', { kind: 'Role', name: 'deployer' }, [{ kind: 'ServiceAccount', name: 'deployer' }], 'team-a'),
  binding('RoleBinding', 'devs-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }], 'team-a'),
  clusterRole('scaler', [{ verbs: ['update', 'patch'], apiGroups: ['*'], resources: ['*/scale'] }]),
  binding('ClusterRoleBinding', 'alice-scaler', { kind: 'ClusterRole', name: 'scaler' }, [{ kind: 'User', name: 'alice' }]),
  clusterRole('metrics', [{ verbs: ['get'], nonResourceURLs: ['/metrics', '/debug/*'] }]),
  binding('ClusterRoleBinding', 'alice-metrics', { kind: 'ClusterRole', name: 'metrics' }, [{ kind: 'User', name: 'alice' }]),
  binding('RoleBinding', 'broken', { kind: 'Role', name: 'missing' }, [{ kind: 'User', name: 'alice' }], 'team-b'),
]);

function res(user: UserInfo, verb: string, apiGroup: string, resource: string, namespace?: string, name?: string, subresource?: string): RequestAttributes {
  return { user, verb, resourceRequest: true, apiGroup, apiVersion: 'v1', resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) };
}
function path(user: UserInfo, verb: string, p: string): RequestAttributes {
  return { user, verb, resourceRequest: false, path: p };
}

describe('authorize', () => {
  it.each([
    ['get deployment in own namespace', res(deployer, 'get', 'apps', 'deployments', 'team-a', 'web'), true],
    ['list deployments in own namespace', res(deployer, 'list', 'apps', 'deployments', 'team-a'), true],
    ['delete deployment (verb not granted)', res(deployer, 'delete', 'apps', 'deployments', 'team-a', 'web'), false],
    ['get deployment in another namespace', res(deployer, 'get', 'apps', 'deployments', 'team-b', 'web'), false],
    ['list deployments across namespaces', res(deployer, 'list', 'apps', 'deployments'), false],
    ['get deployments in the wrong group', res(deployer, 'get', 'extensions', 'deployments', 'team-a', 'web'), false],
    ['update deployments/scale', res(deployer, 'update', 'apps', 'deployments', 'team-a', 'web', 'scale'), true],
    ['update deployments/status (other subresource)', res(deployer, 'update', 'apps', 'deployments', 'team-a', 'web', 'status'), false],
    ['get the named configmap', res(deployer, 'get', '', 'configmaps', 'team-a', 'release-config'), true],
    ['get another configmap', res(deployer, 'get', '', 'configmaps', 'team-a', 'other'), false],
    ['list configmaps with resourceNames rule', res(deployer, 'list', '', 'configmaps', 'team-a'), false],
    ['create serviceaccounts/token', res(deployer, 'create', '', 'serviceaccounts', 'team-a', 'deployer', 'token'), true],
    ['create selfsubjectaccessreviews (basic-user)', res(deployer, 'create', 'authorization.k8s.io', 'selfsubjectaccessreviews'), true],
    ['get /version (public-info-viewer)', path(deployer, 'get', '/version'), true],
    ['get /apis/apps (discovery)', path(deployer, 'get', '/apis/apps'), true],
    ['get /metrics', path(deployer, 'get', '/metrics'), false],
  ])('ServiceAccount: %s', (_label, attrs, allowed) => {
    expect(authorize(attrs, world).allowed).toBe(allowed);
  });

  it.each([
    ['view pods via group RoleBinding to ClusterRole view', res(alice, 'get', '', 'pods', 'team-a', 'p'), true],
    ['view in a namespace without binding', res(alice, 'get', '', 'pods', 'team-c', 'p'), false],
    ['read secrets (view excludes them)', res(alice, 'get', '', 'secrets', 'team-a', 's'), false],
    ['patch any */scale cluster-wide', res(alice, 'patch', 'apps', 'statefulsets', 'team-z', 'db', 'scale'), true],
    ['patch a resource itself with */scale', res(alice, 'patch', 'apps', 'statefulsets', 'team-z', 'db'), false],
    ['non-resource exact', path(alice, 'get', '/metrics'), true],
    ['non-resource prefix', path(alice, 'get', '/debug/pprof/heap'), true],
    ['non-resource wrong verb', path(alice, 'post', '/metrics'), false],
    ['non-resource not matched', path(alice, 'get', '/metricsx'), false],
  ])('User: %s', (_label, attrs, allowed) => {
    expect(authorize(attrs, world).allowed).toBe(allowed);
  });

  it('lets anonymous users read only public info', () => {
    expect(authorize(path(anonymous, 'get', '/healthz'), world).allowed).toBe(true);
    expect(authorize(path(anonymous, 'get', '/api'), world).allowed).toBe(false);
    expect(authorize(res(anonymous, 'list', '', 'namespaces'), world).allowed).toBe(false);
  });

  it('lets system:masters do anything', () => {
    expect(authorize(res(admin, 'delete', 'x.example.com', 'widgets', 'any', 'w'), world).allowed).toBe(true);
    expect(authorize(path(admin, 'put', '/anything'), source([])).allowed).toBe(true);
  });

  it('matches ServiceAccount subjects with an explicit namespace in ClusterRoleBindings only for that namespace', () => {
    const s = source([binding('ClusterRoleBinding', 'sa-view', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'team-a' }])]);
    expect(authorize(res(deployer, 'list', '', 'pods', 'team-x'), s).allowed).toBe(true);
    const other = { ...deployer, username: 'system:serviceaccount:team-b:deployer' };
    expect(authorize(res(other, 'list', '', 'pods', 'team-x'), s).allowed).toBe(false);
  });

  it('explains allow decisions like kube and reports missing roles', () => {
    expect(authorize(res(deployer, 'get', 'apps', 'deployments', 'team-a', 'web'), world).reason).toBe(
      'RBAC: allowed by RoleBinding "deployer/team-a" of Role "deployer" to ServiceAccount "deployer/team-a"',
    );
    expect(authorize(res(alice, 'patch', 'apps', 'deployments', 'x', 'y', 'scale'), world).reason).toBe('RBAC: allowed by ClusterRoleBinding "alice-scaler" of ClusterRole "scaler" to User "alice"');
    expect(authorize(res(deployer, 'delete', 'apps', 'deployments', 'team-a', 'web'), world)).toEqual({ allowed: false, reason: '' });
    expect(authorize(res(alice, 'get', '', 'pods', 'team-b', 'p'), world)).toEqual({
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found',
    });
  });
});

describe('aggregation', () => {
  it('resolves admin > edit > view from labelled roles, including ones added later', () => {
    const extra = clusterRole('widgets-view', [{ verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets'] }], {
      metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
    });
    const s = source([extra, binding('RoleBinding', 'b', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'User', name: 'bob' }], 'ns')]);
    const bob: UserInfo = { username: 'bob', groups: ['system:authenticated'] };
    expect(authorize(res(bob, 'get', 'example.com', 'widgets', 'ns', 'w'), s).allowed).toBe(true);
    expect(authorize(res(bob, 'create', 'rbac.authorization.k8s.io', 'rolebindings', 'ns'), s).allowed).toBe(true);
    expect(authorize(res(bob, 'get', '', 'secrets', 'ns', 's'), s).allowed).toBe(true);
    expect(authorize(res(bob, 'create', '', 'namespaces'), s).allowed).toBe(false);
  });

  it('computes the same rules the bootstrap objects carry', () => {
    const { clusterRoles } = bootstrapRbac();
    for (const name of ['admin', 'edit', 'view']) {
      const r = clusterRoles.find((c) => c.metadata.name === name)!;
      expect(effectiveClusterRoleRules(r, clusterRoles)).toEqual(r['rules']);
    }
  });

  it('survives aggregation cycles, taking the stored rules of the role where the cycle closes', () => {
    // Prepare: a aggregates b, b aggregates a; only a carries a rule of its own.
    const getPods = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
    const a = clusterRole('a', [getPods], { metadata: { name: 'a', labels: { x: 'a' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'b' } }] } });
    const b = clusterRole('b', [], { metadata: { name: 'b', labels: { x: 'b' } }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'a' } }] } });

    // Act
    const ofA = effectiveClusterRoleRules(a, [a, b]);
    const ofB = effectiveClusterRoleRules(b, [a, b]);

    // Assess: the walk from a meets a again and takes its stored rules; the walk from b meets
    // b again, which stores none (the aggregation controller's last write, empty here).
    expect(ofA).toEqual([getPods]);
    expect(ofB).toEqual([]);
  });

  it('matches label selector expressions', () => {
    const labels = { tier: 'web', env: 'prod' };
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] })).toBe(true);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] })).toBe(false);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] })).toBe(true);
    expect(matchesLabelSelector(labels, { matchExpressions: [{ key: 'team', operator: 'Exists' }] })).toBe(false);
    expect(matchesLabelSelector(labels, {})).toBe(true);
  });
});

describe('forbiddenMessage', () => {
  it('matches kube-apiserver wording for every shape', () => {
    expect(forbiddenMessage(res(deployer, 'get', 'apps', 'deployments', 'team-a', 'web'))).toBe(
      'deployments.apps "web" is forbidden: User "system:serviceaccount:team-a:deployer" cannot get resource "deployments" in API group "apps" in the namespace "team-a"',
    );
    expect(forbiddenMessage(res(deployer, 'list', 'apps', 'deployments', 'team-a'))).toBe(
      'deployments.apps is forbidden: User "system:serviceaccount:team-a:deployer" cannot list resource "deployments" in API group "apps" in the namespace "team-a"',
    );
    expect(forbiddenMessage(res(alice, 'list', '', 'nodes'))).toBe('nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
    expect(forbiddenMessage(res(alice, 'get', '', 'pods', 'default', 'p'))).toBe('pods "p" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default"');
    expect(forbiddenMessage(res(alice, 'create', '', 'serviceaccounts', 'team-a', 'deployer', 'token'))).toBe(
      'serviceaccounts "deployer" is forbidden: User "alice" cannot create resource "serviceaccounts/token" in API group "" in the namespace "team-a"',
    );
    expect(forbiddenMessage(path(alice, 'get', '/foo'))).toBe('forbidden: User "alice" cannot get path "/foo"');
    expect(forbiddenMessage(res(alice, 'get', '', 'pods', 'team-b', 'p'), 'RBAC: role.rbac.authorization.k8s.io "missing" not found')).toBe(
      'pods "p" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "team-b": RBAC: role.rbac.authorization.k8s.io "missing" not found',
    );
  });

  it('builds the 403 Status body', () => {
    expect(forbiddenStatus(res(deployer, 'get', 'apps', 'deployments', 'team-a', 'web'))).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      details: { name: 'web', group: 'apps', kind: 'deployments' },
    });
  });
});

describe('rulesFor', () => {
  it('lists namespace and cluster grants for SelfSubjectRulesReview', () => {
    const status = rulesFor(deployer, 'team-a', world);
    expect(status.incomplete).toBe(false);
    expect(status.resourceRules).toContainEqual({ verbs: ['get', 'update'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['release-config'] });
    expect(status.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(status.nonResourceRules).toContainEqual({ verbs: ['get'], nonResourceURLs: ['/livez', '/readyz', '/healthz', '/version', '/version/'] });
    expect(rulesFor(deployer, 'team-b', world).resourceRules.some((r) => r.resources?.includes('deployments'))).toBe(false);
  });

  it('gives masters everything and flags missing roles as incomplete', () => {
    expect(rulesFor(admin, 'x', source([])).resourceRules[0]).toEqual({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    const broken = rulesFor(alice, 'team-b', world);
    expect(broken.incomplete).toBe(true);
    expect(broken.evaluationError).toContain('"missing" not found');
  });
});

describe('bootstrapRbac', () => {
  it('labels every object and binds the default groups', () => {
    const { clusterRoles, clusterRoleBindings } = bootstrapRbac();
    for (const o of [...clusterRoles, ...clusterRoleBindings]) {
      expect(o.metadata.labels?.['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
      expect(o.apiVersion).toBe(RBAC);
    }
    const names = clusterRoles.map((r) => r.metadata.name);
    for (const n of ['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:public-info-viewer']) expect(names).toContain(n);
    const subjects = (n: string) => clusterRoleBindings.find((b) => b.metadata.name === n)!['subjects'].map((s: any) => s.name);
    expect(subjects('cluster-admin')).toEqual(['system:masters']);
    expect(subjects('system:public-info-viewer')).toEqual(['system:authenticated', 'system:unauthenticated']);
    expect(subjects('system:basic-user')).toEqual(['system:authenticated']);
    expect(clusterRoles.find((r) => r.metadata.name === 'view')!['aggregationRule']).toEqual({
      clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }],
    });
    expect(bootstrapRbac()).not.toBe(bootstrapRbac());
  });
});
