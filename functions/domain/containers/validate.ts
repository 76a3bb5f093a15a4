/**
 * Validate at the edge: turns untrusted input into a DeployContainersSpec or throws one
 * InvalidManifestError listing every problem with its field path
 * (`containers[0].ports[1].containerPort: must be 1-65535`). Generation then trusts types.
 */
import type { SourceLocation } from '../model.ts';
import { at, integer, isRecord, list, oneOf, onlyFields, PORT_MAX, PORT_MIN, Problems, portRef, record, stringMap, text } from './check.ts';
import { DNS_LABEL, DNS_LABEL_MAX, DNS_SUBDOMAIN, DNS_SUBDOMAIN_MAX } from './names.ts';
import { type DeployContainersSpec, type IngressSpec, type IntOrPercent, PATH_TYPES, RESERVED_LABEL_PREFIX, SERVICE_TYPES, type ServiceSpec, STRATEGIES } from './spec.ts';
import { type ConfigKeys, PORT_NAME, validateContainer } from './validate-container.ts';

export const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** ConfigMap and Secret item keys. */
export const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
export const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PERCENT = /^\d{1,3}%$/;
const ABSOLUTE_PATH = /^\//;
const SPEC_FIELDS = ['name', 'namespace', 'replicas', 'labels', 'strategy', 'rollingUpdate', 'containers', 'configMap', 'secret', 'service', 'ingress'];

export type ValidateOptions = {
  /** Prefix of every field path (`spec` for the document form). */
  path?: string;
  /** Where the spec came from, attached to every problem. */
  source?: SourceLocation;
  /** Where a field really sits when it is not under `path` (the document form's metadata.name). */
  fieldPaths?: Partial<Record<'name' | 'namespace' | 'labels', string>>;
};

function labels(p: Problems, path: string, value: unknown): Record<string, string> {
  const map = record(p, path, value) ?? {};
  for (const [key, item] of Object.entries(map)) {
    if (!LABEL_KEY.test(key)) p.add(at(path, key), 'is not a valid label key');
    else if (key.startsWith(RESERVED_LABEL_PREFIX)) p.add(at(path, key), `keys under ${RESERVED_LABEL_PREFIX} are set by Conveyor`);
    if (typeof item !== 'string' || !LABEL_VALUE.test(item)) p.add(at(path, key), 'value must be at most 63 letters, digits, "-", "_", "." starting and ending alphanumeric');
  }
  return map as Record<string, string>;
}

function intOrPercent(p: Problems, path: string, value: unknown): IntOrPercent | undefined {
  if (typeof value === 'string' && PERCENT.test(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  p.add(path, value === undefined ? 'is required' : 'must be an integer >= 0 or a percentage like "25%"');
  return undefined;
}

function items(p: Problems, path: string, value: unknown): Record<string, string> | undefined {
  const map = stringMap(p, at(path, 'items'), record(p, path, value, true)?.items, CONFIG_KEY, 'may contain only letters, digits, "-", "_", "."', true);
  if (map && Object.keys(map).length === 0) p.add(at(path, 'items'), 'must have at least one item');
  return map;
}

function service(p: Problems, path: string, value: unknown, targetNames: ReadonlySet<string>): ServiceSpec | undefined {
  const spec = record(p, path, value);
  if (!spec) return undefined;
  onlyFields(p, path, spec, ['type', 'ports']);
  const type = oneOf(p, at(path, 'type'), spec.type, SERVICE_TYPES) ?? 'ClusterIP';
  const portList = list(p, at(path, 'ports'), spec.ports, true) ?? [];
  if (spec.ports !== undefined && portList.length === 0) p.add(at(path, 'ports'), 'must have at least one port');
  const ports = portList.flatMap((item, i) => {
    const where = at(at(path, 'ports'), i);
    const port = record(p, where, item, true);
    if (!port) return [];
    onlyFields(p, where, port, ['name', 'port', 'targetPort', 'nodePort']);
    const name = text(p, at(where, 'name'), port.name, { pattern: PORT_NAME, rule: 'must be a lowercase IANA service name' });
    if (!name && portList.length > 1) p.add(at(where, 'name'), 'is required when the Service has more than one port');
    const number = integer(p, at(where, 'port'), port.port, PORT_MIN, PORT_MAX, true);
    const targetPort = portRef(p, at(where, 'targetPort'), port.targetPort, targetNames, 'container port');
    const nodePort = integer(p, at(where, 'nodePort'), port.nodePort, PORT_MIN, PORT_MAX);
    if (nodePort !== undefined && type === 'ClusterIP') p.add(at(where, 'nodePort'), 'is allowed only for NodePort and LoadBalancer Services');
    if (number === undefined || targetPort === undefined) return [];
    return [{ port: number, targetPort, ...(name ? { name } : {}), ...(nodePort !== undefined ? { nodePort } : {}) }];
  });
  return { type, ports };
}

function ingress(p: Problems, path: string, value: unknown, svc: ServiceSpec | undefined): IngressSpec | undefined {
  const spec = record(p, path, value);
  if (!spec) return undefined;
  onlyFields(p, path, spec, ['host', 'className', 'paths', 'tls']);
  if (!svc) p.add(path, 'needs a service to route to');
  const host = text(p, at(path, 'host'), spec.host, { required: true, pattern: HOST, max: DNS_SUBDOMAIN_MAX, rule: 'must be a lowercase DNS name (optionally *.)' });
  const className = text(p, at(path, 'className'), spec.className, { pattern: DNS_SUBDOMAIN, rule: 'must be a DNS-1123 subdomain' });
  const servicePorts = new Set<number | string>(svc?.ports.flatMap((port) => (port.name ? [port.port, port.name] : [port.port])) ?? []);
  const pathList = list(p, at(path, 'paths'), spec.paths, true) ?? [];
  if (spec.paths !== undefined && pathList.length === 0) p.add(at(path, 'paths'), 'must have at least one path');
  const paths = pathList.flatMap((item, i) => {
    const where = at(at(path, 'paths'), i);
    const entry = record(p, where, item, true);
    if (!entry) return [];
    onlyFields(p, where, entry, ['path', 'pathType', 'servicePort']);
    const httpPath = text(p, at(where, 'path'), entry.path, { required: true, pattern: ABSOLUTE_PATH, rule: 'must start with "/"' });
    const pathType = oneOf(p, at(where, 'pathType'), entry.pathType, PATH_TYPES) ?? 'Prefix';
    const servicePort = entry.servicePort;
    if (typeof servicePort !== 'number' && typeof servicePort !== 'string') p.add(at(where, 'servicePort'), 'is required (a service port number or name)');
    else if (svc && !servicePorts.has(servicePort)) p.add(at(where, 'servicePort'), `${JSON.stringify(servicePort)} is not a port of the service`);
    return httpPath && (typeof servicePort === 'number' || typeof servicePort === 'string') ? [{ path: httpPath, pathType, servicePort }] : [];
  });
  const tls = record(p, at(path, 'tls'), spec.tls);
  if (tls) onlyFields(p, at(path, 'tls'), tls, ['secretName']);
  const secretName = tls ? text(p, at(at(path, 'tls'), 'secretName'), tls.secretName, { required: true, pattern: DNS_SUBDOMAIN, rule: 'must be a DNS-1123 subdomain' }) : undefined;
  return { host: host ?? '', paths, ...(className ? { className } : {}), ...(secretName ? { tls: { secretName } } : {}) };
}

/** Checks every field of a structured spec; throws InvalidManifestError listing all problems. */
export function validateDeployContainers(input: unknown, options: ValidateOptions = {}): DeployContainersSpec {
  const root = options.path ?? '';
  const p = new Problems(options.source);
  if (!isRecord(input)) {
    p.add(root || 'spec', 'must be an object');
    p.throwIfAny();
  }
  const spec = input as Record<string, unknown>;
  const f = (field: string) => options.fieldPaths?.[field as 'name'] ?? at(root, field);
  onlyFields(p, root, spec, SPEC_FIELDS);

  const name = text(p, f('name'), spec.name, { required: true, pattern: DNS_LABEL, max: DNS_LABEL_MAX, rule: 'must be a DNS-1123 label (lowercase letters, digits, "-")' });
  const namespace = text(p, f('namespace'), spec.namespace, { pattern: DNS_LABEL, max: DNS_LABEL_MAX, rule: 'must be a DNS-1123 label' });
  const replicas = integer(p, f('replicas'), spec.replicas, 0, Number.MAX_SAFE_INTEGER, true);
  const userLabels = labels(p, f('labels'), spec.labels);
  const strategy = oneOf(p, f('strategy'), spec.strategy, STRATEGIES, true);
  const rolling = record(p, f('rollingUpdate'), spec.rollingUpdate);
  if (rolling && strategy && strategy !== 'RollingUpdate') p.add(f('rollingUpdate'), 'is allowed only with strategy RollingUpdate');
  let rollingUpdate: DeployContainersSpec['rollingUpdate'];
  if (rolling) {
    onlyFields(p, f('rollingUpdate'), rolling, ['maxSurge', 'maxUnavailable']);
    const maxSurge = intOrPercent(p, at(f('rollingUpdate'), 'maxSurge'), rolling.maxSurge);
    const maxUnavailable = intOrPercent(p, at(f('rollingUpdate'), 'maxUnavailable'), rolling.maxUnavailable);
    const isZero = (v: IntOrPercent | undefined) => v === 0 || v === '0%';
    if (isZero(maxSurge) && isZero(maxUnavailable)) p.add(f('rollingUpdate'), 'maxSurge and maxUnavailable cannot both be 0');
    if (maxSurge !== undefined && maxUnavailable !== undefined) rollingUpdate = { maxSurge, maxUnavailable };
  }

  const configItems = spec.configMap === undefined ? undefined : items(p, f('configMap'), spec.configMap);
  if (isRecord(spec.configMap)) onlyFields(p, f('configMap'), spec.configMap, ['items']);
  const secretItems = spec.secret === undefined ? undefined : items(p, f('secret'), spec.secret);
  if (isRecord(spec.secret)) {
    onlyFields(p, f('secret'), spec.secret, ['items', 'sensitive']);
    if (spec.secret.sensitive !== undefined && spec.secret.sensitive !== true) p.add(at(f('secret'), 'sensitive'), 'Secret items are always sensitive; put non-sensitive values in configMap');
  }
  const keys: ConfigKeys = {};
  if (configItems) keys.configMap = new Set(Object.keys(configItems));
  if (secretItems) keys.secret = new Set(Object.keys(secretItems));

  const containerList = list(p, f('containers'), spec.containers, true) ?? [];
  if (spec.containers !== undefined && containerList.length === 0) p.add(f('containers'), 'must have at least one container');
  const containers = containerList.flatMap((item, i) => validateContainer(p, at(f('containers'), i), item, keys) ?? []);
  const seen = new Set<string>();
  containers.forEach((container, i) => {
    if (container.name && seen.has(container.name)) p.add(at(at(f('containers'), i), 'name'), `"${container.name}" is used by another container`);
    seen.add(container.name);
  });
  const targetNames = new Set(containers.flatMap((c) => c.ports.flatMap((port) => (port.name ? [port.name] : []))));
  const svc = service(p, f('service'), spec.service, targetNames);
  if (strategy === 'BlueGreen' && !svc) p.add(f('service'), 'is required for strategy BlueGreen (the Service switches colours)');
  const ing = ingress(p, f('ingress'), spec.ingress, svc);

  p.throwIfAny();
  return {
    name: name!,
    replicas: replicas!,
    labels: userLabels,
    strategy: strategy!,
    containers,
    ...(namespace ? { namespace } : {}),
    ...(rollingUpdate ? { rollingUpdate } : {}),
    ...(configItems ? { configMap: { items: configItems } } : {}),
    ...(secretItems ? { secret: { items: secretItems, sensitive: true as const } } : {}),
    ...(svc ? { service: svc } : {}),
    ...(ing ? { ingress: ing } : {}),
  };
}
