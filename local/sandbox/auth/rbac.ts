/**
 * RBAC as kube-apiserver's RBAC authorizer evaluates it: ClusterRoleBindings first, then the
 * RoleBindings of the request's namespace; the first rule that allows wins; nothing denies.
 * Members of system:masters are allowed everything up front, as kube-apiserver's privileged-group
 * authorizer does before RBAC runs. Aggregated ClusterRoles are resolved on the fly from their
 * selectors, so a new `aggregate-to-*` role takes effect without a controller having run.
 */

import { type LabelSelector, matchesLabelSelector } from '../selectors.ts';
import type { KubeObject, RequestAttributes, UserInfo } from '../types.ts';
import { RBAC_API_GROUP } from './bootstrap-policy.ts';

export { bootstrapRbac } from './bootstrap-policy.ts';

export const MASTERS_GROUP = 'system:masters';
const WILDCARD = '*';
const SA_PREFIX = 'system:serviceaccount:';

export type PolicyRule = {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
};

export type Subject = { kind: string; name: string; namespace?: string; apiGroup?: string };

/** Where RBAC objects come from; each returns the current objects (empty array when none). */
export type RbacSource = {
  roles(namespace: string): KubeObject[];
  roleBindings(namespace: string): KubeObject[];
  clusterRoles(): KubeObject[];
  clusterRoleBindings(): KubeObject[];
};

export type AuthorizationDecision = { allowed: boolean; reason: string };

export type { LabelSelector };
export { matchesLabelSelector };

/** SelfSubjectRulesReview status. */
export type SubjectRulesReviewStatus = {
  resourceRules: { verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
  nonResourceRules: { verbs: string[]; nonResourceURLs: string[] }[];
  incomplete: boolean;
  evaluationError?: string;
};

function has(list: string[] | undefined, value: string): boolean {
  return !!list && (list.includes(WILDCARD) || list.includes(value));
}

// A rule resource matches as exact `res` or `res/sub`, `*`, or `*` + `/sub` (that subresource of any resource).
function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => r === WILDCARD || r === combined || (!!subresource && r === `*/${subresource}`));
}

function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((u) => u === WILDCARD || u === path || (u.endsWith(WILDCARD) && path.startsWith(u.slice(0, -1))));
}

/** Whether one rule allows the request (rbac.RuleAllows). */
export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!attrs.resourceRequest) return nonResourceUrlMatches(rule, attrs.path ?? '');
  if (!has(rule.apiGroups, attrs.apiGroup ?? '')) return false;
  if (!resourceMatches(rule, attrs.resource ?? '', attrs.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(attrs.name ?? '');
}

function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return JSON.stringify(normaliseRule(a)) === JSON.stringify(normaliseRule(b));
}

function normaliseRule(r: PolicyRule): PolicyRule {
  return { verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], resourceNames: r.resourceNames ?? [], nonResourceURLs: r.nonResourceURLs ?? [] };
}

/**
 * The rules a ClusterRole grants. For an aggregated role: the union of the (recursively
 * aggregated) rules of every other ClusterRole its selectors match, taken in name order and
 * without duplicates, which is what the clusterrole-aggregation controller writes into `rules`.
 */
export function effectiveClusterRoleRules(role: KubeObject, allClusterRoles: KubeObject[], visiting = new Set<string>()): PolicyRule[] {
  const selectors: LabelSelector[] | undefined = role['aggregationRule']?.clusterRoleSelectors;
  if (!selectors || selectors.length === 0) return (role['rules'] as PolicyRule[] | undefined) ?? [];
  const name = role.metadata.name ?? '';
  if (visiting.has(name)) return (role['rules'] as PolicyRule[] | undefined) ?? [];
  visiting.add(name);
  const sources = allClusterRoles
    .filter((r) => r.metadata.name !== name && selectors.some((s) => matchesLabelSelector(r.metadata.labels, s)))
    .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  const rules: PolicyRule[] = [];
  for (const source of sources) {
    for (const r of effectiveClusterRoleRules(source, allClusterRoles, visiting)) {
      if (!rules.some((existing) => sameRule(existing, r))) rules.push(r);
    }
  }
  visiting.delete(name);
  return rules;
}

/** Whether a binding subject names this user; ServiceAccount subjects default to the binding's namespace. */
export function subjectMatches(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return !!ns && user.username === `${SA_PREFIX}${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `${subject.kind} "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

type Visit = { binding: KubeObject; subject: Subject; rules: PolicyRule[] };

/**
 * Walks every binding that applies to the user (cluster-wide first, then the namespace's) and
 * hands its rules to `visit`; stops when `visit` returns true. Collects errors for bindings whose
 * role is missing, with kube's wording.
 */
function visitRules(user: UserInfo, namespace: string | undefined, source: RbacSource, visit: (v: Visit) => boolean): string[] {
  const errors: string[] = [];
  const clusterRoles = source.clusterRoles();
  const clusterRoleRules = (name: string): PolicyRule[] | undefined => {
    const role = clusterRoles.find((r) => r.metadata.name === name);
    return role ? effectiveClusterRoleRules(role, clusterRoles) : undefined;
  };
  for (const binding of source.clusterRoleBindings()) {
    const subject = ((binding['subjects'] ?? []) as Subject[]).find((s) => subjectMatches(user, s, ''));
    if (!subject) continue;
    const ref = binding['roleRef'] as { kind?: string; name?: string } | undefined;
    const rules = ref?.kind === 'ClusterRole' ? clusterRoleRules(ref.name ?? '') : undefined;
    if (!rules) {
      errors.push(`clusterrole.${RBAC_API_GROUP} "${ref?.name ?? ''}" not found`);
      continue;
    }
    if (visit({ binding, subject, rules })) return errors;
  }
  if (!namespace) return errors;
  const roles = source.roles(namespace);
  for (const binding of source.roleBindings(namespace)) {
    const subject = ((binding['subjects'] ?? []) as Subject[]).find((s) => subjectMatches(user, s, namespace));
    if (!subject) continue;
    const ref = binding['roleRef'] as { kind?: string; name?: string } | undefined;
    let rules: PolicyRule[] | undefined;
    if (ref?.kind === 'ClusterRole') rules = clusterRoleRules(ref.name ?? '');
    else if (ref?.kind === 'Role') rules = roles.find((r) => r.metadata.name === ref.name)?.['rules'] ?? undefined;
    if (!rules) {
      errors.push(`${ref?.kind === 'Role' ? 'role' : 'clusterrole'}.${RBAC_API_GROUP} "${ref?.name ?? ''}" not found`);
      continue;
    }
    if (visit({ binding, subject, rules })) return errors;
  }
  return errors;
}

/** kube's utilerrors aggregate formatting: one error bare, several in brackets. */
function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`;
}

/** Decides a request. `reason` is what a SubjectAccessReview reports and what follows the forbidden message. */
export function authorize(attrs: RequestAttributes, source: RbacSource): AuthorizationDecision {
  if (attrs.user.groups.includes(MASTERS_GROUP)) return { allowed: true, reason: '' };
  let reason = '';
  const errors = visitRules(attrs.user, attrs.namespace, source, ({ binding, subject, rules }) => {
    if (!rules.some((r) => ruleAllows(attrs, r))) return false;
    const ref = binding['roleRef'] as { kind: string; name: string };
    const ns = binding.metadata.namespace;
    const where = ns ? `RoleBinding "${binding.metadata.name}/${ns}"` : `ClusterRoleBinding "${binding.metadata.name}"`;
    reason = `RBAC: allowed by ${where} of ${ref.kind} "${ref.name}" to ${describeSubject(subject, ns ?? '')}`;
    return true;
  });
  if (reason) return { allowed: true, reason };
  return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : '' };
}

/** Everything the user may do in `namespace` (cluster-wide grants included), for SelfSubjectRulesReview. */
export function rulesFor(user: UserInfo, namespace: string, source: RbacSource): SubjectRulesReviewStatus {
  const status: SubjectRulesReviewStatus = { resourceRules: [], nonResourceRules: [], incomplete: false };
  if (user.groups.includes(MASTERS_GROUP)) {
    status.resourceRules.push({ verbs: [WILDCARD], apiGroups: [WILDCARD], resources: [WILDCARD] });
    status.nonResourceRules.push({ verbs: [WILDCARD], nonResourceURLs: [WILDCARD] });
  }
  const errors = visitRules(user, namespace || undefined, source, ({ rules }) => {
    for (const r of rules) {
      if ((r.resources ?? []).length > 0) {
        status.resourceRules.push({
          verbs: [...r.verbs],
          apiGroups: [...(r.apiGroups ?? [])],
          resources: [...(r.resources ?? [])],
          ...(r.resourceNames && r.resourceNames.length > 0 ? { resourceNames: [...r.resourceNames] } : {}),
        });
      }
      if ((r.nonResourceURLs ?? []).length > 0) status.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs!] });
    }
    return false;
  });
  if (errors.length > 0) {
    status.incomplete = true;
    status.evaluationError = aggregate(errors);
  }
  return status;
}

/** `resource.group`, or just `resource` for the core group (schema.GroupResource.String). */
function groupResource(attrs: RequestAttributes): string {
  const resource = attrs.resource ?? '';
  return attrs.apiGroup ? `${resource}.${attrs.apiGroup}` : resource;
}

/**
 * The message of kube-apiserver's 403, built as responsewriters.forbiddenMessage plus
 * apierrors.NewForbidden's prefix: `<resource>.<group> "<name>" is forbidden: User "<u>" cannot
 * <verb> resource "<resource>[/<sub>]" in API group "<group>" in the namespace "<ns>"` (or `at the
 * cluster scope`), and `forbidden: User "<u>" cannot <verb> path "<path>"` for non-resource URLs.
 * A non-empty authorizer reason is appended after `: `.
 */
export function forbiddenMessage(attrs: RequestAttributes, reason = ''): string {
  const username = attrs.user.username;
  let detail: string;
  if (!attrs.resourceRequest) {
    detail = `User "${username}" cannot ${attrs.verb} path "${attrs.path ?? ''}"`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource ?? ''}/${attrs.subresource}` : (attrs.resource ?? '');
    const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
    detail = `User "${username}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup ?? ''}" ${scope}`;
  }
  if (reason) detail = `${detail}: ${reason}`;
  const gr = attrs.resourceRequest ? groupResource(attrs) : '';
  if (!gr) return `forbidden: ${detail}`;
  return attrs.name ? `${gr} "${attrs.name}" is forbidden: ${detail}` : `${gr} is forbidden: ${detail}`;
}

/** The whole 403 Status body kube-apiserver sends. */
export function forbiddenStatus(attrs: RequestAttributes, reason = ''): KubeObject {
  const details: Record<string, string> = {};
  if (attrs.resourceRequest) {
    if (attrs.name) details['name'] = attrs.name;
    if (attrs.apiGroup) details['group'] = attrs.apiGroup;
    if (attrs.resource) details['kind'] = attrs.resource;
  }
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: forbiddenMessage(attrs, reason),
    reason: 'Forbidden',
    details,
    code: 403,
  };
}
