/**
 * Role bindings: which roles an IAM principal holds (`/roles`). Only an Admin reads or changes
 * them — who may do what is itself a configuration an attacker would like to read. Deployer and
 * Approver grants may be limited to environments, which must exist. The last Admin binding is
 * never removed (by a change or a delete): nobody could grant roles again through the API.
 */

import { InvalidStateError, ValidationError } from '#domain/pipeline/errors.ts';
import { ENVIRONMENT_SCOPED_ROLES, type PrincipalArn, type RoleBinding, type RoleGrant } from '#domain/pipeline/model.ts';
import { type AppDeps, audit, authorize, type Caller } from './context.ts';
import { References, subjectOf } from './references.ts';

export type RoleBindingInput = { principalArn: PrincipalArn; roles: RoleGrant[] };
export type RoleBindingUpdate = { roles: RoleGrant[]; version: number };

const LIST_SUBJECT = 'role-bindings';
const ADMIN = 'Admin';

const isAdmin = (binding: Pick<RoleBinding, 'roles'>) => binding.roles.some((grant) => grant.role === ADMIN);

async function checkGrants(deps: AppDeps, principalArn: string, roles: RoleGrant[]): Promise<void> {
  const problems: string[] = [];
  const seen = new Set<string>();
  roles.forEach((grant, i) => {
    if (seen.has(grant.role)) problems.push(`roles[${i}]: ${grant.role} is granted twice; list its environments in one grant`);
    seen.add(grant.role);
    if (grant.environments && !ENVIRONMENT_SCOPED_ROLES.includes(grant.role)) {
      problems.push(`roles[${i}]: only ${ENVIRONMENT_SCOPED_ROLES.join(' and ')} may be limited to environments; ${grant.role} applies everywhere`);
    }
  });
  if (problems.length > 0) throw new ValidationError(`role binding of ${principalArn}`, problems);
  const known = (await deps.stores.environments.list()).map((environment) => environment.id);
  const references = new References(`role binding of ${principalArn}`);
  roles.forEach((grant, i) => references.check(`roles[${i}].environments`, 'environment', grant.environments ?? [], known));
  references.throwIfAny();
}

/** Refuses a change that leaves no Admin binding. */
async function assertAdminRemains(deps: AppDeps, principalArn: string): Promise<void> {
  const admins = (await deps.stores.roles.list()).filter((binding) => binding.principalArn !== principalArn && isAdmin(binding));
  if (admins.length === 0) throw new InvalidStateError(`role binding of ${principalArn}`, 'holds the last Admin grant; grant Admin to another principal first');
}

const grantsText = (roles: RoleGrant[]) => roles.map((grant) => (grant.environments ? `${grant.role} (${grant.environments.join(', ')})` : grant.role));

export async function listRoleBindings(deps: AppDeps, caller: Caller): Promise<RoleBinding[]> {
  await authorize(deps, caller, 'configure', LIST_SUBJECT);
  return deps.stores.roles.list();
}

/** @throws NotFoundError */
export async function getRoleBinding(deps: AppDeps, caller: Caller, principalArn: string): Promise<RoleBinding> {
  await authorize(deps, caller, 'configure', subjectOf('role-binding', principalArn));
  return deps.stores.roles.get(principalArn);
}

/** @throws ValidationError, UnknownReferenceError (environments), DuplicateError */
export async function createRoleBinding(deps: AppDeps, caller: Caller, input: RoleBindingInput): Promise<RoleBinding> {
  const subject = subjectOf('role-binding', input.principalArn);
  await authorize(deps, caller, 'configure', subject);
  await checkGrants(deps, input.principalArn, input.roles);
  const created = await deps.stores.roles.create({ principalArn: input.principalArn, roles: input.roles });
  await audit(deps, caller, 'role-binding.create', subject, { roles: grantsText(created.roles) });
  return created;
}

/** @throws NotFoundError, VersionConflictError, ValidationError, InvalidStateError (last Admin) */
export async function updateRoleBinding(deps: AppDeps, caller: Caller, principalArn: string, input: RoleBindingUpdate): Promise<RoleBinding> {
  const subject = subjectOf('role-binding', principalArn);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.roles.get(principalArn);
  await checkGrants(deps, principalArn, input.roles);
  if (isAdmin(current) && !isAdmin(input)) await assertAdminRemains(deps, principalArn);
  const updated = await deps.stores.roles.update({ principalArn, roles: input.roles, version: input.version });
  await audit(deps, caller, 'role-binding.update', subject, { roles: grantsText(updated.roles), previous: grantsText(current.roles), version: updated.version });
  return updated;
}

/** @throws NotFoundError, VersionConflictError, InvalidStateError (last Admin) */
export async function deleteRoleBinding(deps: AppDeps, caller: Caller, principalArn: string, version: number): Promise<void> {
  const subject = subjectOf('role-binding', principalArn);
  await authorize(deps, caller, 'configure', subject);
  const current = await deps.stores.roles.get(principalArn);
  if (isAdmin(current)) await assertAdminRemains(deps, principalArn);
  await deps.stores.roles.delete(principalArn, version);
  await audit(deps, caller, 'role-binding.delete', subject, { roles: grantsText(current.roles), version });
}
