/**
 * The 422 half of kube-apiserver's write path, run after defaulting: object names, labels,
 * fields the schema marks required, and the handful of semantic rules the sandbox's
 * controllers rely on (a workload's selector must match its template, replicas >= 0, ports in
 * range, unique container names). Messages copy the wording of kube's pkg/apis validation packages.
 */

import { crdRuleErrors } from '../cel/crd.ts';
import { matchesLabelSelector, SELECTOR_OPERATORS } from '../selectors.ts';
import type { KubeObject } from '../types.ts';
import { annotationSizeErrors, configMapSizeErrors, secretSizeErrors } from './limits.ts';
import type { ResourceRegistry } from './registry.ts';
import { duplicate, type FieldError, invalid, invalidStatus, type KubeStatus, notSupported, required } from './status.ts';
import type { SchemaNode } from './swagger.ts';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN_MAX = 253;
const LABEL_MAX = 63;
const PORT_MAX = 65535;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUALIFIED_NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const SELECTOR_MISMATCH = '`selector` does not match template `labels`';

type NameRule = 'subdomain' | 'label' | 'dns1035' | 'path';
/** Kinds whose names are not DNS subdomains; everything else is. */
const NAME_RULES: Record<string, NameRule> = {
  Namespace: 'label',
  Service: 'dns1035',
  Role: 'path',
  ClusterRole: 'path',
  RoleBinding: 'path',
  ClusterRoleBinding: 'path',
};
const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ReplicationController']);
const JOB_RESTART_POLICIES = ['OnFailure', 'Never'];

export function validateName(name: string, rule: NameRule, field = 'metadata.name'): FieldError[] {
  if (rule === 'path') {
    if (name === '.' || name === '..') return [invalid(field, name, `may not be '${name}'`)];
    const bad = ['/', '%'].find((c) => name.includes(c));
    return bad ? [invalid(field, name, `may not contain '${bad}'`)] : [];
  }
  const errors: FieldError[] = [];
  const max = rule === 'subdomain' ? SUBDOMAIN_MAX : LABEL_MAX;
  if (name.length > max) errors.push(invalid(field, name, `must be no more than ${max} characters`));
  const [pattern, message] = rule === 'subdomain' ? [DNS1123_SUBDOMAIN, SUBDOMAIN_MSG] : rule === 'label' ? [DNS1123_LABEL, LABEL_MSG] : [DNS1035_LABEL, DNS1035_MSG];
  if (!pattern.test(name)) errors.push(invalid(field, name, message));
  return errors;
}

/** Label/annotation key: optional DNS-subdomain prefix, then a qualified name of at most 63 chars. */
function validateQualifiedKey(key: string, field: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
  const errors: FieldError[] = [];
  if (slash >= 0 && (prefix.length === 0 || !DNS1123_SUBDOMAIN.test(prefix))) errors.push(invalid(field, key, `prefix part ${SUBDOMAIN_MSG}`));
  if (name.length === 0) errors.push(invalid(field, key, 'name part must be non-empty'));
  else if (name.length > LABEL_MAX) errors.push(invalid(field, key, `name part must be no more than ${LABEL_MAX} characters`));
  else if (!QUALIFIED_NAME.test(name)) errors.push(invalid(field, key, QUALIFIED_NAME_MSG));
  return errors;
}

function validateLabels(labels: unknown, field: string): FieldError[] {
  if (!labels || typeof labels !== 'object') return [];
  const errors: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    errors.push(...validateQualifiedKey(k, field));
    if (typeof v === 'string') {
      if (v.length > LABEL_MAX) errors.push(invalid(field, v, `must be no more than ${LABEL_MAX} characters`));
      if (!LABEL_VALUE.test(v)) errors.push(invalid(field, v, LABEL_VALUE_MSG));
    }
  }
  return errors;
}

function validateMeta(obj: KubeObject, nameRule: NameRule): FieldError[] {
  const meta = obj.metadata ?? {};
  const errors: FieldError[] = [];
  if (!meta.name && !meta.generateName) errors.push(required('metadata.name', 'name or generateName is required'));
  else if (meta.name) errors.push(...validateName(meta.name, nameRule));
  errors.push(...validateLabels(meta.labels, 'metadata.labels'));
  if (meta.annotations && typeof meta.annotations === 'object') {
    for (const k of Object.keys(meta.annotations)) errors.push(...validateQualifiedKey(k.toLowerCase(), 'metadata.annotations'));
    errors.push(...annotationSizeErrors(meta.annotations));
  }
  return errors;
}

/** Does a LabelSelector (matchLabels + matchExpressions) select these labels? */
export function selectorMatches(selector: any, labels: Record<string, string> | undefined): boolean {
  // Requirements with an operator this check does not know are not held against the labels.
  const known = (selector?.matchExpressions ?? []).filter((e: { operator: string }) => SELECTOR_OPERATORS.includes(e.operator));
  return matchesLabelSelector(labels, { matchLabels: selector?.matchLabels, matchExpressions: known });
}

function isEmptySelector(selector: any): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length + (selector?.matchExpressions ?? []).length === 0;
}

/** Fields the schema lists as required, walked through objects and arrays (built-in types). */
class RequiredWalker {
  private readonly cache = new WeakMap<SchemaNode, SchemaNode>();

  constructor(private readonly registry: ResourceRegistry) {}

  private resolve(node: SchemaNode): SchemaNode {
    let r = this.cache.get(node);
    if (!r) this.cache.set(node, (r = this.registry.schemas.resolve(node)));
    return r;
  }

  walk(value: unknown, node: SchemaNode, path: string, out: FieldError[]): void {
    if (!value || typeof value !== 'object') return;
    const s = this.resolve(node);
    if (Array.isArray(value)) {
      if (s.items) value.forEach((v, i) => this.walk(v, s.items!, `${path}[${i}]`, out));
      return;
    }
    const obj = value as Record<string, unknown>;
    for (const name of s.required ?? []) {
      const v = obj[name];
      if (v === undefined || v === null || v === '') out.push(required(path ? `${path}.${name}` : name));
    }
    if (!s.properties) return;
    for (const [k, v] of Object.entries(obj)) {
      const child = s.properties[k];
      if (child && v && typeof v === 'object') this.walk(v, child, path ? `${path}.${k}` : k, out);
    }
  }
}

function validatePodSpec(spec: any, path: string, isTemplate: boolean, out: FieldError[]): void {
  if (!spec || typeof spec !== 'object') return;
  const seen = new Set<string>();
  for (const listName of ['initContainers', 'containers']) {
    (spec[listName] ?? []).forEach((c: any, i: number) => {
      const field = `${path}.${listName}[${i}]`;
      if (c?.name) {
        if (seen.has(c.name)) out.push(duplicate(`${field}.name`, c.name));
        else {
          seen.add(c.name);
          out.push(...validateName(c.name, 'label', `${field}.name`));
        }
      }
      if (!isTemplate && !c?.image) out.push(required(`${field}.image`));
      (c?.ports ?? []).forEach((p: any, j: number) => {
        const cp = p?.containerPort;
        if (typeof cp === 'number' && (cp < 1 || cp > PORT_MAX)) out.push(invalid(`${field}.ports[${j}].containerPort`, cp, `must be between 1 and ${PORT_MAX}, inclusive`));
      });
    });
  }
  if (Array.isArray(spec.containers) && spec.containers.length === 0) out.push(required(`${path}.containers`));
}

function validateWorkload(obj: KubeObject, out: FieldError[]): void {
  const spec = obj.spec;
  if (!spec || typeof spec !== 'object') return;
  if (typeof spec.replicas === 'number' && spec.replicas < 0) out.push(invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  const checkSelector = obj.kind !== 'Job' || spec.manualSelector === true;
  if (obj.kind !== 'ReplicationController' && checkSelector && spec.selector && isEmptySelector(spec.selector)) {
    out.push(invalid('spec.selector', spec.selector, `empty selector is invalid for ${obj.kind === 'Deployment' ? 'deployment' : obj.kind.toLowerCase()}`));
  }
  const labels = spec.template?.metadata?.labels;
  if (checkSelector && spec.template) {
    const matches =
      obj.kind === 'ReplicationController'
        ? Object.entries(spec.selector ?? labels ?? {}).every(([k, v]) => labels?.[k] === v)
        : spec.selector
          ? isEmptySelector(spec.selector) || selectorMatches(spec.selector, labels)
          : false;
    if (!matches) out.push(invalid('spec.template.metadata.labels', labels ?? {}, SELECTOR_MISMATCH));
  }
  if (spec.template) validatePodSpec(spec.template.spec, 'spec.template.spec', true, out);
  if (obj.kind === 'Job' && spec.template?.spec) {
    const policy = spec.template.spec.restartPolicy;
    if (!JOB_RESTART_POLICIES.includes(policy)) out.push(notSupported('spec.template.spec.restartPolicy', policy ?? '', JOB_RESTART_POLICIES));
  }
}

function validateService(obj: KubeObject, out: FieldError[]): void {
  const spec = obj.spec ?? {};
  const ports: any[] = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') out.push(required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    if (typeof p?.port === 'number' && (p.port < 1 || p.port > PORT_MAX)) out.push(invalid(`spec.ports[${i}].port`, p.port, `must be between 1 and ${PORT_MAX}, inclusive`));
    if (ports.length > 1 && !p?.name) out.push(required(`spec.ports[${i}].name`));
    if (p?.name) {
      if (names.has(p.name)) out.push(duplicate(`spec.ports[${i}].name`, p.name));
      names.add(p.name);
    }
  });
}

/**
 * Semantic validation of a (defaulted) object, or undefined when it is valid. Returns the
 * 422 `Status` to send. Custom resources only get metadata checks (their schema errors come
 * from SchemaValidator.decode).
 */
export class SemanticValidator {
  private readonly required: RequiredWalker;

  constructor(private readonly registry: ResourceRegistry) {
    this.required = new RequiredWalker(registry);
  }

  /** The field errors alone (empty when valid). */
  errors(obj: KubeObject): FieldError[] {
    const out = validateMeta(obj, NAME_RULES[obj.kind] ?? 'subdomain');
    const rt = this.registry.byKind(obj.kind, (obj.apiVersion ?? '').includes('/') ? obj.apiVersion.split('/')[0] : '');
    if (!rt || this.registry.isCustom(rt)) return out;
    const schema = this.registry.schemaFor(rt);
    const { metadata: _m, ...rest } = obj;
    if (schema) this.required.walk(rest, schema, '', out);
    if (WORKLOAD_KINDS.has(obj.kind) || obj.kind === 'Job') validateWorkload(obj, out);
    else if (obj.kind === 'Pod') validatePodSpec(obj.spec, 'spec', false, out);
    else if (obj.kind === 'Service') validateService(obj, out);
    else if (obj.kind === 'ConfigMap' && rt.group === '') out.push(...configMapSizeErrors(obj));
    else if (obj.kind === 'Secret' && rt.group === '') out.push(...secretSizeErrors(obj));
    else if (obj.kind === 'CustomResourceDefinition' && rt.group === 'apiextensions.k8s.io') out.push(...crdRuleErrors(obj));
    return dedupe(out);
  }

  /** @param more errors of later checks (custom resource rules), given the errors found so far. */
  validate(obj: KubeObject, more?: (found: FieldError[]) => FieldError[]): KubeStatus | undefined {
    const found = this.errors(obj);
    const errors = more ? [...found, ...more(found)] : found;
    if (errors.length === 0) return undefined;
    const rt = this.registry.byKind(obj.kind);
    const group = (obj.apiVersion ?? '').includes('/') ? obj.apiVersion.split('/')[0]! : (rt?.group ?? '');
    return invalidStatus(obj.kind, group, obj.metadata?.name ?? obj.metadata?.generateName ?? '', errors);
  }
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\u0000${e.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
