/**
 * YAML manifests piped to `kubectl apply -f -` (and diff) by the integration tests: a
 * Namespace, and a one-container Deployment whose selector and pod labels are app=<name>.
 */

export function namespaceYaml(name: string): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n`;
}

export type DeploymentYamlOptions = {
  /** metadata.namespace; without it kubectl uses the namespace of its context or -n. */
  namespace?: string;
  /** spec.replicas, written as given (a string such as '"two"' tests validation); omitted when undefined. */
  replicas?: string | number;
  /** The field name written for `replicas` (a misspelling tests unknown-field handling). */
  replicasField?: string;
  /** The container image, nginx:1.27 by default. */
  image?: string;
  progressDeadlineSeconds?: number;
  /** Put a Namespace document for `namespace` before the Deployment. */
  withNamespace?: boolean;
};

export function deploymentYaml(name: string, options: DeploymentYamlOptions = {}): string {
  const { namespace } = options;
  if (options.withNamespace && namespace === undefined) throw new Error('deploymentYaml: withNamespace needs a namespace');
  const namespaceDoc = options.withNamespace ? `${namespaceYaml(namespace!)}---\n` : '';
  const namespaceLine = namespace === undefined ? '' : `  namespace: ${namespace}\n`;
  const replicas = options.replicas === undefined ? '' : `  ${options.replicasField ?? 'replicas'}: ${options.replicas}\n`;
  const deadline = options.progressDeadlineSeconds ? `  progressDeadlineSeconds: ${options.progressDeadlineSeconds}\n` : '';
  return `${namespaceDoc}apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${namespaceLine}spec:
${replicas}${deadline}  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: app
        image: ${options.image ?? 'nginx:1.27'}
`;
}

/** Services of multiServiceAppYaml, 7 objects each: 35 objects in all. */
export const MULTI_SERVICE_NAMES = ['frontend', 'cart', 'catalog', 'checkout', 'payments'] as const;
export const MULTI_SERVICE_OBJECTS = MULTI_SERVICE_NAMES.length * 7;

/**
 * A multi-service app as people deploy them: per service a ServiceAccount, a Role and its
 * RoleBinding, a ConfigMap, a Secret, a Deployment of 2 replicas and a Service. Objects name
 * no namespace: the target's is used. `#{Greeting}` is the one variable.
 */
export function multiServiceAppYaml(): string {
  return MULTI_SERVICE_NAMES.map(
    (name) => `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${name}-reader
rules:
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${name}-reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: ${name}-reader
subjects:
- kind: ServiceAccount
  name: ${name}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-config
data:
  greeting: "#{Greeting}"
  service: ${name}
---
apiVersion: v1
kind: Secret
metadata:
  name: ${name}-credentials
stringData:
  token: ${name}-token-value
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      serviceAccountName: ${name}
      containers:
      - name: app
        image: nginx:1.27
        ports:
        - containerPort: 8080
        envFrom:
        - configMapRef:
            name: ${name}-config
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
  - port: 80
    targetPort: 8080
`,
  ).join('---\n');
}
