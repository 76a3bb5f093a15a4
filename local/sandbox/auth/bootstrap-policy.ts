/**
 * The default RBAC objects kube-apiserver creates on a fresh cluster (the subset that matters to
 * clients: cluster-admin, admin/edit/view and their aggregation, discovery, basic-user,
 * public-info-viewer, monitoring, service-account issuer discovery), with the same names, rules,
 * labels and annotations so `kubectl get clusterrole view -o yaml` looks as it does on a real one.
 */
import type { KubeObject } from '../types.ts';
import type { PolicyRule } from './rbac.ts';

export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = `${RBAC_API_GROUP}/v1`;
export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAPPING_VALUE = 'rbac-defaults';
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const AGGREGATE_TO_ADMIN = 'rbac.authorization.k8s.io/aggregate-to-admin';
export const AGGREGATE_TO_EDIT = 'rbac.authorization.k8s.io/aggregate-to-edit';
export const AGGREGATE_TO_VIEW = 'rbac.authorization.k8s.io/aggregate-to-view';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];

const CORE = '';
const APPS = 'apps';
const AUTOSCALING = 'autoscaling';
const BATCH = 'batch';
const EXTENSIONS = 'extensions';
const POLICY = 'policy';
const NETWORKING = 'networking.k8s.io';
const COORDINATION = 'coordination.k8s.io';
const DISCOVERY = 'discovery.k8s.io';
const AUTHORIZATION = 'authorization.k8s.io';
const AUTHENTICATION = 'authentication.k8s.io';

function rule(verbs: string[], groups: string[], resources: string[]): PolicyRule {
  return { verbs, apiGroups: groups, resources };
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs, nonResourceURLs };
}

function metadata(name: string, labels: Record<string, string> = {}) {
  return {
    name,
    labels: { [BOOTSTRAPPING_LABEL]: BOOTSTRAPPING_VALUE, ...labels },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

function clusterRole(name: string, rules: PolicyRule[], extra: { labels?: Record<string, string>; aggregateFrom?: string } = {}): KubeObject {
  const role: KubeObject = { apiVersion: RBAC_API_VERSION, kind: 'ClusterRole', metadata: metadata(name, extra.labels), rules };
  if (extra.aggregateFrom) role['aggregationRule'] = { clusterRoleSelectors: [{ matchLabels: { [extra.aggregateFrom]: 'true' } }] };
  return role;
}

function clusterRoleBinding(name: string, groups: string[]): KubeObject {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: 'ClusterRoleBinding',
    metadata: metadata(name),
    roleRef: { apiGroup: RBAC_API_GROUP, kind: 'ClusterRole', name },
    subjects: groups.map((group) => ({ apiGroup: RBAC_API_GROUP, kind: 'Group', name: group })),
  };
}

const AGGREGATE_TO_ADMIN_RULES: PolicyRule[] = [rule(['create'], [AUTHORIZATION], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC_API_GROUP], ['roles', 'rolebindings'])];

const AGGREGATE_TO_EDIT_RULES: PolicyRule[] = [
  rule(READ, [CORE], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
  rule(['impersonate'], [CORE], ['serviceaccounts']),
  rule(WRITE, [CORE], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [CORE], ['pods/eviction']),
  rule(WRITE, [CORE], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
  rule(['create'], [CORE], ['serviceaccounts/token']),
  rule(WRITE, [APPS], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
  rule(WRITE, [AUTOSCALING], ['horizontalpodautoscalers']),
  rule(WRITE, [BATCH], ['jobs', 'cronjobs']),
  rule(
    WRITE,
    [EXTENSIONS],
    ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies'],
  ),
  rule(WRITE, [POLICY], ['poddisruptionbudgets']),
  rule(WRITE, [NETWORKING], ['networkpolicies', 'ingresses']),
  rule(READ_WRITE, [COORDINATION], ['leases']),
];

const AGGREGATE_TO_VIEW_RULES: PolicyRule[] = [
  rule(
    READ,
    [CORE],
    [
      'pods',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/status',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'configmaps',
    ],
  ),
  rule(READ, [CORE], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
  rule(READ, [CORE], ['namespaces']),
  rule(READ, [DISCOVERY], ['endpointslices']),
  rule(
    READ,
    [APPS],
    [
      'controllerrevisions',
      'statefulsets',
      'statefulsets/status',
      'statefulsets/scale',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/status',
      'deployments/scale',
      'replicasets',
      'replicasets/status',
      'replicasets/scale',
    ],
  ),
  rule(READ, [AUTOSCALING], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, [BATCH], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
  rule(
    READ,
    [EXTENSIONS],
    [
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'ingresses',
      'ingresses/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'replicationcontrollers/scale',
      'networkpolicies',
    ],
  ),
  rule(READ, [POLICY], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, [NETWORKING], ['networkpolicies', 'ingresses', 'ingresses/status']),
];

/**
 * Fresh copies of the default ClusterRoles and ClusterRoleBindings. The aggregated roles (admin,
 * edit, view) already carry the rules the aggregation controller would have written into them.
 */
export function bootstrapRbac(): { clusterRoles: KubeObject[]; clusterRoleBindings: KubeObject[] } {
  const view = AGGREGATE_TO_VIEW_RULES;
  const edit = [...AGGREGATE_TO_EDIT_RULES, ...view];
  // The aggregation controller appends rules of matching roles sorted by name: "edit" before "system:aggregate-to-admin".
  const admin = [...edit, ...AGGREGATE_TO_ADMIN_RULES];
  const clusterRoles = [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('system:discovery', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*'])]),
    clusterRole('system:monitoring', [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])]),
    clusterRole('system:basic-user', [rule(['create'], [AUTHORIZATION], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], [AUTHENTICATION], ['selfsubjectreviews'])]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/livez', '/readyz', '/healthz', '/version', '/version/'])]),
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])]),
    clusterRole('admin', admin, { aggregateFrom: AGGREGATE_TO_ADMIN }),
    clusterRole('edit', edit, { labels: { [AGGREGATE_TO_ADMIN]: 'true' }, aggregateFrom: AGGREGATE_TO_EDIT }),
    clusterRole('view', view, { labels: { [AGGREGATE_TO_EDIT]: 'true' }, aggregateFrom: AGGREGATE_TO_VIEW }),
    clusterRole('system:aggregate-to-admin', AGGREGATE_TO_ADMIN_RULES, { labels: { [AGGREGATE_TO_ADMIN]: 'true' } }),
    clusterRole('system:aggregate-to-edit', AGGREGATE_TO_EDIT_RULES, { labels: { [AGGREGATE_TO_EDIT]: 'true' } }),
    clusterRole('system:aggregate-to-view', AGGREGATE_TO_VIEW_RULES, { labels: { [AGGREGATE_TO_VIEW]: 'true' } }),
  ];
  const clusterRoleBindings = [
    clusterRoleBinding('cluster-admin', ['system:masters']),
    clusterRoleBinding('system:discovery', ['system:authenticated']),
    clusterRoleBinding('system:basic-user', ['system:authenticated']),
    clusterRoleBinding('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
    clusterRoleBinding('system:monitoring', ['system:monitoring']),
    clusterRoleBinding('system:service-account-issuer-discovery', ['system:serviceaccounts']),
  ];
  return structuredClone({ clusterRoles, clusterRoleBindings });
}
