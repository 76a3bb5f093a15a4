/**
 * Label and field selectors as the list and watch verbs accept them
 * (`?labelSelector=app=web,tier in (a,b),!legacy` and `?fieldSelector=metadata.name=web`).
 */
import { badRequest } from './errors.ts';
import type { KubeObject } from './types.ts';

type Requirement = { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!' };

export type Matcher = (object: KubeObject) => boolean;

const matchAll: Matcher = () => true;

/** Parses a label selector string; throws a 400 naming the bad part. */
export function parseLabelSelector(selector: string | undefined): Matcher {
  if (!selector?.trim()) return matchAll;
  const requirements = splitTopLevel(selector).map(parseRequirement);
  return (object) => {
    const labels = object.metadata.labels ?? {};
    return requirements.every((r) => matchesRequirement(labels, r));
  };
}

export type LabelSelector = {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

/** The four operators of a metav1.LabelSelectorRequirement. */
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * A metav1.LabelSelector (matchLabels AND every matchExpression) on a label map; an empty
 * selector matches everything, an unknown operator matches nothing.
 */
export function matchesLabelSelector(labels: Record<string, string> | undefined, selector: LabelSelector): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    const ok =
      e.operator === 'In'
        ? present && values.includes(l[e.key]!)
        : e.operator === 'NotIn'
          ? !present || !values.includes(l[e.key]!)
          : e.operator === 'Exists'
            ? present
            : e.operator === 'DoesNotExist'
              ? !present
              : false;
    if (!ok) return false;
  }
  return true;
}

/** Field labels every resource supports. */
const COMMON_FIELD_LABELS = ['metadata.name', 'metadata.namespace'];

/**
 * The extra field labels kube-apiserver indexes per kind (its GetAttrs functions); a
 * selector on any other field is refused, as a real cluster does.
 */
const FIELD_LABELS: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
  Node: ['spec.unschedulable'],
  ReplicaSet: ['status.replicas'],
  ReplicationController: ['status.replicas'],
  Job: ['status.successful'],
  CertificateSigningRequest: ['spec.signerName'],
};

/**
 * Parses a field selector (=, == or !=) over the kind's supported field labels; without a
 * kind (internal callers), any dotted path may be compared.
 */
export function parseFieldSelector(selector: string | undefined, kind?: string): Matcher {
  if (!selector?.trim()) return matchAll;
  const allowed = kind === undefined ? undefined : new Set([...COMMON_FIELD_LABELS, ...(FIELD_LABELS[kind] ?? [])]);
  const terms = selector.split(',').map((term) => {
    const m = /^\s*([A-Za-z0-9_.\-/]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw badRequest(`unable to parse requirement: invalid field selector: '${term}'`);
    if (allowed && !allowed.has(m[1]!)) throw badRequest(`field label not supported: ${m[1]}`);
    return { path: m[1]!.split('.'), negate: m[2] === '!=', value: m[3]! };
  });
  return (object) =>
    terms.every((t) => {
      let current: any = object;
      for (const segment of t.path) current = current?.[segment];
      // Unset fields compare as their zero value ("" for strings, false for booleans).
      const actual = current === undefined || current === null ? (t.path.join('.') === 'spec.hostNetwork' ? 'false' : '') : String(current);
      return t.negate ? actual !== t.value : actual === t.value;
    });
}

function matchesRequirement(labels: Record<string, string>, r: Requirement): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'in':
      return has && r.values.includes(labels[r.key]!);
    case 'notin':
      return !has || !r.values.includes(labels[r.key]!);
  }
}

/** Splits on commas that are not inside a parenthesised value set. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

const LABEL_KEY = /^([a-z0-9A-Z]([a-z0-9A-Z.-]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([a-z0-9A-Z._-]*[a-z0-9A-Z])?$/;

function parseRequirement(text: string): Requirement {
  let m = /^!\s*(\S+)$/.exec(text);
  if (m) return { key: checkKey(m[1]!, text), op: '!' };
  m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (m)
    return {
      key: checkKey(m[1]!, text),
      op: m[2] as 'in' | 'notin',
      values: m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    };
  m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (m) {
    const key = checkKey(m[1]!, text);
    return m[2] === '!=' ? { key, op: 'notin', values: [m[3]!] } : { key, op: 'in', values: [m[3]!] };
  }
  m = /^(\S+)$/.exec(text);
  if (m) return { key: checkKey(m[1]!, text), op: 'exists' };
  throw badRequest(`unable to parse requirement: found '${text}', expected: in, notin, =, ==, !=, gt, lt`);
}

function checkKey(key: string, text: string): string {
  if (!LABEL_KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${text}"`);
  return key;
}
