/**
 * Validation of one container of the deploy-containers spec: ports, env, probes, resources
 * and mounts. References to config (`fromConfigMap`, `envFrom`, mounts) are checked against
 * the step's own ConfigMap/Secret items, so a typo fails before anything is applied instead
 * of as CreateContainerConfigError in the cluster.
 */
import { at, integer, list, oneOf, onlyFields, PORT_MAX, PORT_MIN, type Problems, portRef, record, strings, text } from './check.ts';
import { DNS_LABEL, DNS_LABEL_MAX } from './names.ts';
import { CONFIG_SOURCES, type ConfigSource, type ContainerPort, type ContainerSpec, type EnvVar, PROBE_TIMING_FIELDS, PROTOCOLS, type Probe, type Resources, type VolumeMount } from './spec.ts';

/** IANA service name: what Kubernetes accepts as a port name. */
export const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const PORT_NAME_MAX = 15;
/** Environment variable names as the API server accepts them. */
export const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** A Kubernetes quantity: 100m, 0.5, 256Mi, 1G, 1e3. */
export const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;
const NO_WHITESPACE = /^\S+$/;
const ABSOLUTE_PATH = /^\//;

/** The item keys of the step's ConfigMap and Secret, when the spec has them. */
export type ConfigKeys = { configMap?: ReadonlySet<string>; secret?: ReadonlySet<string> };

const CONTAINER_FIELDS = ['name', 'image', 'ports', 'env', 'envFrom', 'command', 'args', 'readinessProbe', 'livenessProbe', 'resources', 'volumeMounts'];

function ports(p: Problems, path: string, value: unknown): ContainerPort[] {
  const result: ContainerPort[] = [];
  (list(p, path, value) ?? []).forEach((item, i) => {
    const where = at(path, i);
    const port = record(p, where, item, true);
    if (!port) return;
    onlyFields(p, where, port, ['name', 'containerPort', 'protocol']);
    const name = text(p, at(where, 'name'), port.name, { pattern: PORT_NAME, max: PORT_NAME_MAX, rule: 'must be a lowercase IANA service name (letters, digits, "-")' });
    const containerPort = integer(p, at(where, 'containerPort'), port.containerPort, PORT_MIN, PORT_MAX, true);
    const protocol = oneOf(p, at(where, 'protocol'), port.protocol, PROTOCOLS);
    if (containerPort !== undefined) result.push({ containerPort, ...(name ? { name } : {}), ...(protocol ? { protocol } : {}) });
  });
  return result;
}

function env(p: Problems, path: string, value: unknown, keys: ConfigKeys): EnvVar[] {
  const result: EnvVar[] = [];
  (list(p, path, value) ?? []).forEach((item, i) => {
    const where = at(path, i);
    const variable = record(p, where, item, true);
    if (!variable) return;
    onlyFields(p, where, variable, ['name', 'value', 'fromConfigMap', 'fromSecret']);
    const name = text(p, at(where, 'name'), variable.name, { required: true, pattern: ENV_NAME, rule: 'is not a valid environment variable name' });
    const sources = (['value', 'fromConfigMap', 'fromSecret'] as const).filter((field) => variable[field] !== undefined);
    if (sources.length !== 1) {
      p.add(where, 'needs exactly one of value, fromConfigMap, fromSecret');
      return;
    }
    const source = sources[0]!;
    if (source === 'value') {
      if (typeof variable.value !== 'string') p.add(at(where, 'value'), 'must be a string');
      else if (name) result.push({ name, value: variable.value });
      return;
    }
    const key = text(p, at(where, source), variable[source], { required: true });
    const available = source === 'fromConfigMap' ? keys.configMap : keys.secret;
    const owner = source === 'fromConfigMap' ? 'configMap' : 'secret';
    if (key && !available) p.add(at(where, source), `refers to ${owner} "${key}" but the spec has no ${owner}`);
    else if (key && !available!.has(key)) p.add(at(where, source), `"${key}" is not an item of ${owner}.items`);
    else if (key && name) result.push(source === 'fromConfigMap' ? { name, fromConfigMap: key } : { name, fromSecret: key });
  });
  return result;
}

function configSources(p: Problems, path: string, value: unknown, keys: ConfigKeys): ConfigSource[] | undefined {
  const items = list(p, path, value);
  if (!items) return undefined;
  return items.flatMap((item, i) => {
    const source = oneOf(p, at(path, i), item, CONFIG_SOURCES, true);
    if (source && !keys[source]) p.add(at(path, i), `the spec has no ${source}`);
    return source && keys[source] ? [source] : [];
  });
}

function probe(p: Problems, path: string, value: unknown, portNames: ReadonlySet<string>): Probe | undefined {
  const spec = record(p, path, value);
  if (!spec) return undefined;
  onlyFields(p, path, spec, ['http', 'tcp', 'exec', ...PROBE_TIMING_FIELDS]);
  const timing: Record<string, number> = {};
  for (const field of PROBE_TIMING_FIELDS) {
    const n = integer(p, at(path, field), spec[field], field === 'initialDelaySeconds' ? 0 : 1, Number.MAX_SAFE_INTEGER);
    if (n !== undefined) timing[field] = n;
  }
  const kinds = (['http', 'tcp', 'exec'] as const).filter((kind) => spec[kind] !== undefined);
  if (kinds.length !== 1) {
    p.add(path, 'needs exactly one of http, tcp, exec');
    return undefined;
  }
  const kind = kinds[0]!;
  const where = at(path, kind);
  const body = record(p, where, spec[kind], true);
  if (!body) return undefined;
  if (kind === 'exec') {
    onlyFields(p, where, body, ['command']);
    const command = strings(p, at(where, 'command'), body.command);
    if (!command || command.length === 0) p.add(at(where, 'command'), 'must be a non-empty list');
    return command && command.length > 0 ? { ...timing, exec: { command } } : undefined;
  }
  const port = portRef(p, at(where, 'port'), body.port, portNames, 'container port');
  if (kind === 'tcp') {
    onlyFields(p, where, body, ['port']);
    return port === undefined ? undefined : { ...timing, tcp: { port } };
  }
  onlyFields(p, where, body, ['path', 'port', 'scheme']);
  const httpPath = text(p, at(where, 'path'), body.path, { required: true, pattern: ABSOLUTE_PATH, rule: 'must start with "/"' });
  const scheme = oneOf(p, at(where, 'scheme'), body.scheme, ['HTTP', 'HTTPS'] as const);
  if (port === undefined || !httpPath) return undefined;
  return { ...timing, http: { path: httpPath, port, ...(scheme ? { scheme } : {}) } };
}

function resources(p: Problems, path: string, value: unknown): Resources | undefined {
  const spec = record(p, path, value);
  if (!spec) return undefined;
  onlyFields(p, path, spec, ['requests', 'limits']);
  for (const group of ['requests', 'limits'] as const) {
    const where = at(path, group);
    const quantities = record(p, where, spec[group]);
    if (!quantities) continue;
    onlyFields(p, where, quantities, ['cpu', 'memory']);
    for (const [name, quantity] of Object.entries(quantities)) {
      text(p, at(where, name), quantity, { pattern: QUANTITY, rule: 'is not a Kubernetes quantity (e.g. 250m, 512Mi)' });
    }
  }
  return spec as Resources;
}

function volumeMounts(p: Problems, path: string, value: unknown, keys: ConfigKeys): VolumeMount[] | undefined {
  const items = list(p, path, value);
  if (!items) return undefined;
  const result: VolumeMount[] = [];
  items.forEach((item, i) => {
    const where = at(path, i);
    const mount = record(p, where, item, true);
    if (!mount) return;
    onlyFields(p, where, mount, ['from', 'mountPath', 'subPath', 'readOnly']);
    const from = oneOf(p, at(where, 'from'), mount.from, CONFIG_SOURCES, true);
    if (from && !keys[from]) p.add(at(where, 'from'), `the spec has no ${from}`);
    const mountPath = text(p, at(where, 'mountPath'), mount.mountPath, { required: true, pattern: ABSOLUTE_PATH, rule: 'must be an absolute path' });
    const subPath = text(p, at(where, 'subPath'), mount.subPath);
    if (subPath && from && keys[from] && !keys[from]!.has(subPath)) p.add(at(where, 'subPath'), `"${subPath}" is not an item of ${from}.items`);
    if (mount.readOnly !== undefined && typeof mount.readOnly !== 'boolean') p.add(at(where, 'readOnly'), 'must be true or false');
    if (from && keys[from] && mountPath) {
      result.push({ from, mountPath, ...(subPath ? { subPath } : {}), ...(typeof mount.readOnly === 'boolean' ? { readOnly: mount.readOnly } : {}) });
    }
  });
  return result;
}

export function validateContainer(p: Problems, path: string, value: unknown, keys: ConfigKeys): ContainerSpec | undefined {
  const spec = record(p, path, value, true);
  if (!spec) return undefined;
  onlyFields(p, path, spec, CONTAINER_FIELDS);
  const name = text(p, at(path, 'name'), spec.name, { required: true, pattern: DNS_LABEL, max: DNS_LABEL_MAX, rule: 'must be a DNS-1123 label' });
  const image = text(p, at(path, 'image'), spec.image, { required: true, pattern: NO_WHITESPACE, rule: 'must not contain whitespace' });
  const containerPorts = ports(p, at(path, 'ports'), spec.ports);
  const portNames = new Set(containerPorts.flatMap((port) => (port.name ? [port.name] : [])));
  const container: ContainerSpec = { name: name ?? '', image: image ?? '', ports: containerPorts, env: env(p, at(path, 'env'), spec.env, keys) };
  const optional = {
    envFrom: configSources(p, at(path, 'envFrom'), spec.envFrom, keys),
    command: strings(p, at(path, 'command'), spec.command),
    args: strings(p, at(path, 'args'), spec.args),
    readinessProbe: probe(p, at(path, 'readinessProbe'), spec.readinessProbe, portNames),
    livenessProbe: probe(p, at(path, 'livenessProbe'), spec.livenessProbe, portNames),
    resources: resources(p, at(path, 'resources'), spec.resources),
    volumeMounts: volumeMounts(p, at(path, 'volumeMounts'), spec.volumeMounts, keys),
  };
  for (const [field, fieldValue] of Object.entries(optional)) if (fieldValue !== undefined) Object.assign(container, { [field]: fieldValue });
  return container;
}
