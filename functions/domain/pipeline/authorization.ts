/**
 * Who may do what. A caller's IAM principal maps to a RoleBinding in the table; each action
 * below names the roles that allow it, and for environment-scoped actions the environment a
 * Deployer's or Approver's grant must cover. A principal without a binding may do nothing.
 * The check is the server's: the API decides from this table for every request, and every
 * denial is audited by the caller of `authorize` (the application layer).
 *
 * Nobody approves a deployment they started — that rule needs the deployment and lives with
 * approvals, not here.
 */
import { ForbiddenError } from './errors.ts';
import type { PrincipalArn, Role, RoleBinding } from './model.ts';

/** Every action the API checks. */
export const ACTIONS = {
  /** Environments, lifecycles, projects, accounts (never their secrets), targets, releases, deployments, the dashboard. */
  read: { roles: ['Admin', 'ReleaseManager', 'Deployer', 'Approver', 'Auditor'], scoped: false },
  /** Creating, changing and deleting configuration: environments, lifecycles, projects, accounts, targets, role bindings. */
  configure: { roles: ['Admin'], scoped: false },
  /** Checking a target's connection and permissions (it authenticates to the cluster). */
  checkTarget: { roles: ['Admin', 'ReleaseManager'], scoped: false },
  /** Creating releases. */
  createRelease: { roles: ['Admin', 'ReleaseManager'], scoped: false },
  /** Deploying a release to an environment (a promotion, a redeploy). */
  deploy: { roles: ['Admin', 'ReleaseManager', 'Deployer'], scoped: true },
  /** Cancelling a deployment to an environment. */
  cancel: { roles: ['Admin', 'ReleaseManager', 'Deployer'], scoped: true },
  /** Approving or rejecting a deployment in an environment. */
  approve: { roles: ['Admin', 'Approver'], scoped: true },
  /** Reading, exporting and verifying the audit trail. */
  audit: { roles: ['Admin', 'Auditor'], scoped: false },
} as const satisfies Record<string, { roles: readonly Role[]; scoped: boolean }>;

export type Action = keyof typeof ACTIONS;

export type Decision = { allowed: true; role: Role } | { allowed: false; reason: string };

/**
 * Whether `binding` allows `action` (in `environmentId` for scoped actions). A grant of a
 * scoped role without environments covers all of them.
 */
export function decide(binding: RoleBinding | undefined, action: Action, environmentId?: string): Decision {
  const rule = ACTIONS[action];
  if (rule.scoped && environmentId === undefined) throw new Error(`authorization: action ${action} needs an environment`);
  const roles: readonly Role[] = rule.roles;
  for (const grant of binding?.roles ?? []) {
    if (!roles.includes(grant.role)) continue;
    if (rule.scoped && grant.environments && !grant.environments.includes(environmentId!)) continue;
    return { allowed: true, role: grant.role };
  }
  const where = rule.scoped ? ` in environment ${environmentId}` : '';
  const held = binding?.roles.length ? `it has ${binding.roles.map((g) => (g.environments ? `${g.role} (${g.environments.join(', ')})` : g.role)).join(', ')}` : 'it has no role';
  return { allowed: false, reason: `${action}${where} needs one of ${roles.join(', ')}${rule.scoped ? ` for that environment` : ''}; ${held}` };
}

/** The error for a denial, naming the principal and what it lacks. */
export function denied(principalArn: PrincipalArn, reason: string): ForbiddenError {
  return new ForbiddenError(`principal ${principalArn}`, `not allowed: ${reason}`);
}
