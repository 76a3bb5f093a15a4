/**
 * The pod template of the generated Deployment. Config references point at the versioned
 * ConfigMap/Secret (`<name>-<deploymentId>`), so each ReplicaSet's pods read the config of
 * their own deployment, and a new config alone rolls new pods.
 */
import type { ConfigSource, ContainerSpec, DeployContainersSpec, Probe } from './spec.ts';

/** Names of the generated config objects (absent when the spec has none). */
export type ConfigNames = { configMap?: string; secret?: string };

const DEFAULT_PROTOCOL = 'TCP';

/** Pod volume names for the step's ConfigMap and Secret. */
export const VOLUME_NAMES: Readonly<Record<ConfigSource, string>> = { configMap: 'config', secret: 'secret' };

function probe(spec: Probe): Record<string, unknown> {
  const { initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold, successThreshold } = spec;
  const timing = Object.fromEntries(Object.entries({ initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold, successThreshold }).filter(([, v]) => v !== undefined));
  if ('http' in spec) return { httpGet: { path: spec.http.path, port: spec.http.port, ...(spec.http.scheme ? { scheme: spec.http.scheme } : {}) }, ...timing };
  if ('tcp' in spec) return { tcpSocket: { port: spec.tcp.port }, ...timing };
  return { exec: { command: spec.exec.command }, ...timing };
}

function env(container: ContainerSpec, names: ConfigNames): Record<string, unknown>[] {
  return container.env.map((variable) => {
    if ('value' in variable) return { name: variable.name, value: variable.value };
    if ('fromConfigMap' in variable) return { name: variable.name, valueFrom: { configMapKeyRef: { name: names.configMap, key: variable.fromConfigMap } } };
    return { name: variable.name, valueFrom: { secretKeyRef: { name: names.secret, key: variable.fromSecret } } };
  });
}

function container(spec: ContainerSpec, names: ConfigNames): Record<string, unknown> {
  const result: Record<string, unknown> = { name: spec.name, image: spec.image };
  if (spec.command) result.command = spec.command;
  if (spec.args) result.args = spec.args;
  if (spec.ports.length > 0) result.ports = spec.ports.map((port) => ({ ...port, protocol: port.protocol ?? DEFAULT_PROTOCOL }));
  if (spec.envFrom?.length) {
    result.envFrom = spec.envFrom.map((from) => (from === 'configMap' ? { configMapRef: { name: names.configMap } } : { secretRef: { name: names.secret } }));
  }
  if (spec.env.length > 0) result.env = env(spec, names);
  if (spec.resources) result.resources = spec.resources;
  if (spec.readinessProbe) result.readinessProbe = probe(spec.readinessProbe);
  if (spec.livenessProbe) result.livenessProbe = probe(spec.livenessProbe);
  if (spec.volumeMounts?.length) {
    result.volumeMounts = spec.volumeMounts.map(({ from, ...mount }) => ({ name: VOLUME_NAMES[from], ...mount }));
  }
  return result;
}

/** The `spec.template` of the Deployment. */
export function podTemplate(spec: DeployContainersSpec, labels: Record<string, string>, names: ConfigNames): Record<string, unknown> {
  const mounted = new Set(spec.containers.flatMap((c) => c.volumeMounts?.map((m) => m.from) ?? []));
  const volumes = [
    ...(mounted.has('configMap') ? [{ name: VOLUME_NAMES.configMap, configMap: { name: names.configMap } }] : []),
    ...(mounted.has('secret') ? [{ name: VOLUME_NAMES.secret, secret: { secretName: names.secret } }] : []),
  ];
  return {
    metadata: { labels },
    spec: { containers: spec.containers.map((c) => container(c, names)), ...(volumes.length > 0 ? { volumes } : {}) },
  };
}
