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
