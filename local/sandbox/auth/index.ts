/** Public surface of the sandbox's authentication, certificates and authorization. */

export * from './authenticator.ts';
export * from './basic.ts';
export {
  AGGREGATE_TO_ADMIN,
  AGGREGATE_TO_EDIT,
  AGGREGATE_TO_VIEW,
  BOOTSTRAPPING_LABEL,
  RBAC_API_GROUP,
  RBAC_API_VERSION,
} from './bootstrap-policy.ts';
export * from './eks.ts';
export * from './errors.ts';
export { looksLikeJwt } from './jwt.ts';
export * from './pki.ts';
export {
  type AuthorizationDecision,
  authorize,
  bootstrapRbac,
  effectiveClusterRoleRules,
  forbiddenMessage,
  forbiddenStatus,
  type LabelSelector,
  matchesLabelSelector,
  type PolicyRule,
  type RbacSource,
  ruleAllows,
  rulesFor,
  type Subject,
  type SubjectRulesReviewStatus,
  subjectMatches,
} from './rbac.ts';
export * from './tokens.ts';
