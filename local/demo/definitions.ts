/**
 * What the demo configures, as the API takes it: the environments, lifecycles and projects of
 * Octopus's Kubernetes walkthrough. An Admin project prepares the cluster (per environment a
 * namespace and a deployer ServiceAccount that may manage workloads there and nothing else), and
 * an `httpd` project deploys Apache httpd with blue/green, a ConfigMap page naming the
 * environment, and a LoadBalancer Service, approved before Production.
 */

export const DEVELOPMENT = 'development';
export const PRODUCTION = 'production';
export const ADMIN = 'admin';

export const ENVIRONMENTS = [
  { id: DEVELOPMENT, name: 'Development', order: 10, description: 'where every httpd release goes first, by itself' },
  { id: PRODUCTION, name: 'Production', order: 20, description: 'promoted by a release manager, approved by an approver' },
  { id: ADMIN, name: 'Admin', order: 30, description: 'cluster administration: namespaces and deployer accounts' },
] as const;

/** The environments httpd is deployed to, each with a namespace and a deployer of its own. */
export const APP_ENVIRONMENTS = ENVIRONMENTS.filter((e) => e.id !== ADMIN);

export const LIFECYCLES = [
  {
    id: 'application',
    name: 'Application',
    phases: [
      { name: 'Development', environments: [DEVELOPMENT], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 },
      { name: 'Production', environments: [PRODUCTION], entry: 'manual', minimumEnvironmentsBeforePromotion: 0 },
    ],
  },
  { id: 'admin', name: 'Admin', phases: [{ name: 'Admin', environments: [ADMIN], entry: 'automatic', minimumEnvironmentsBeforePromotion: 0 }] },
] as const;

/** The admin target: the sandbox's cluster-admin token, any namespace. */
export const ADMIN_TARGET = { id: 'sandbox-admin', accountId: 'sandbox-admin', accountName: 'Sandbox cluster admin', environments: [ADMIN], tags: ['admin'] };

export const DEPLOYER = 'httpd-deployer';
/** The ServiceAccount token Secret the admin script creates in each namespace; the token controller fills it in. */
export const DEPLOYER_TOKEN_SECRET = `${DEPLOYER}-token`;
export const APP = 'httpd';
export const APP_TAG = 'httpd';

export const namespaceOf = (environmentId: string) => `${APP}-${environmentId}`;
export const appTargetId = (environmentId: string) => `${APP}-${environmentId}`;
/** "Httpd Development": how the walkthrough names the targets (the API's ids are slugs). */
export const appTargetName = (environmentName: string) => `Httpd ${environmentName}`;

/** What the deployer may touch in its namespace: the objects a deploy-containers step makes and watches. */
const DEPLOYER_RESOURCES = ['deployments', 'replicasets', 'pods', 'services', 'ingresses', 'secrets', 'configmaps'];
const DEPLOYER_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const list = (items: readonly string[]) => `[${items.map((i) => `"${i}"`).join(', ')}]`;

/**
 * The Admin project's kubectl script. Per environment: the namespace, the ServiceAccount, a Role
 * limited to DEPLOYER_RESOURCES in that namespace, the RoleBinding, and a
 * `kubernetes.io/service-account-token` Secret — the long-lived token a stored account needs
 * (a `kubectl create token` token expires within hours). The script prints no token: the demo
 * reads each one from its Secret as the cluster admin and hands it to the API as an account.
 * `kubectl apply` makes it idempotent; `auth can-i` shows the boundary in the task log.
 */
export const ADMIN_SCRIPT = `set -eu
for environment in ${APP_ENVIRONMENTS.map((e) => e.id).join(' ')}; do
  namespace="${APP}-$environment"
  echo "--- $namespace"
  kubectl apply -f - <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $namespace
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${DEPLOYER}
  namespace: $namespace
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${DEPLOYER}
  namespace: $namespace
rules:
- apiGroups: ["", "apps", "networking.k8s.io"]
  resources: ${list(DEPLOYER_RESOURCES)}
  verbs: ${list(DEPLOYER_VERBS)}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${DEPLOYER}
  namespace: $namespace
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: ${DEPLOYER}
subjects:
- kind: ServiceAccount
  name: ${DEPLOYER}
  namespace: $namespace
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: ${DEPLOYER_TOKEN_SECRET}
  namespace: $namespace
  annotations:
    kubernetes.io/service-account.name: ${DEPLOYER}
EOF
  as="system:serviceaccount:$namespace:${DEPLOYER}"
  echo "${DEPLOYER} may create deployments in $namespace: $(kubectl auth can-i create deployments -n "$namespace" --as="$as" || true)"
  echo "${DEPLOYER} may read secrets in kube-system: $(kubectl auth can-i get secrets -n kube-system --as="$as" || true)"
  echo "${DEPLOYER} may create namespaces: $(kubectl auth can-i create namespaces --as="$as" 2>/dev/null || true)"
done
`;

export const ADMIN_PROJECT = {
  id: 'admin',
  name: 'Admin',
  description: 'prepares the cluster for httpd: namespaces, deployer accounts and their boundaries',
  lifecycleId: 'admin',
  process: [{ kind: 'kubectl-script', name: 'Create the httpd namespaces and deployers', targetTags: ADMIN_TARGET.tags, timeoutSeconds: 120, script: ADMIN_SCRIPT }],
  variables: [],
};

/** ECR's repository URI, as image pushes name it (functions/app/images.ts). */
export const repositoryUri = (account: string, region: string) => `${account}.dkr.ecr.${region}.amazonaws.com/${APP}`;

/** The Apache httpd version the walkthrough deploys, then one with a readiness probe that cannot pass. */
export const GOOD_TAG = '2.4.62';
export const BROKEN_TAG = '2.4.63';
/** An exec probe of an executable the image does not have: the sandbox's kubelet never reports it ready. */
export const BROKEN_PROBE_COMMAND = 'httpd-ready-check';
/**
 * A rollout on the sandbox takes well under a second; 15 s lets the release whose readiness
 * probe cannot pass fail within the demo instead of after minutes (the step's deadline is what
 * fails a rollout that never becomes ready).
 */
export const DEPLOY_TIMEOUT_SECONDS = 15;
export const APPROVAL_STEP = 0;
export const APPROVAL_TIMEOUT_SECONDS = 24 * 3600;

/** The httpd project; `brokenProbe` adds the readiness probe that cannot pass. */
export function httpdProject(repository: string, options: { brokenProbe?: boolean } = {}) {
  const readinessProbe = options.brokenProbe ? { readinessProbe: { exec: { command: [BROKEN_PROBE_COMMAND] }, periodSeconds: 2 } } : {};
  return {
    id: APP,
    name: APP,
    description: 'Apache httpd, blue/green, with a page that names its environment',
    lifecycleId: 'application',
    process: [
      {
        kind: 'approval',
        name: 'Approve the Production deployment',
        environments: [PRODUCTION],
        targetTags: [],
        timeoutSeconds: APPROVAL_TIMEOUT_SECONDS,
        instructions: 'Check httpd in Development (kubectl -n httpd-development get service httpd) before it goes to Production.',
      },
      {
        kind: 'deploy-containers',
        name: 'Deploy httpd',
        targetTags: [APP_TAG],
        timeoutSeconds: DEPLOY_TIMEOUT_SECONDS,
        spec: {
          name: APP,
          replicas: 2,
          strategy: 'BlueGreen',
          containers: [
            {
              name: APP,
              image: `${repository}:${GOOD_TAG}`,
              ports: [{ name: 'http', containerPort: 80 }],
              volumeMounts: [{ from: 'configMap', mountPath: '/usr/local/apache2/htdocs/index.html', subPath: 'index' }],
              ...readinessProbe,
            },
          ],
          configMap: { items: { index: '<html><body><h1>Hello from #{Conveyor.Environment.Name}</h1></body></html>' } },
          service: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
        },
      },
    ],
    variables: [],
  };
}
