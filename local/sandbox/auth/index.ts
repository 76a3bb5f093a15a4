/** Public surface of the sandbox's authentication, certificates and authorization. */
export * from './errors.ts';
export * from './pki.ts';
export * from './tokens.ts';
export * from './basic.ts';
export * from './eks.ts';
export * from './authenticator.ts';
export { looksLikeJwt } from './jwt.ts';
export {
  authorize,
  ruleAllows,
  rulesFor,
  forbiddenMessage,
  forbiddenStatus,
  effectiveClusterRoleRules,
  matchesLabelSelector,
  subjectMatches,
  bootstrapRbac,
  type PolicyRule,
  type Subject,
  type RbacSource,
  type AuthorizationDecision,
  type LabelSelector,
  type SubjectRulesReviewStatus,
} from './rbac.ts';
export {
  RBAC_API_GROUP,
  RBAC_API_VERSION,
  BOOTSTRAPPING_LABEL,
  AGGREGATE_TO_ADMIN,
  AGGREGATE_TO_EDIT,
  AGGREGATE_TO_VIEW,
} from './bootstrap-policy.ts';
