/**
 * The role bindings of the demo users, written straight into the table: on AWS the first Admin
 * binding is made by whoever deploys the stack (nobody can call the API before one exists), and
 * locally that is `conveyor up`. Idempotent: a binding that exists is left as it is, so a
 * change someone made through the API (`conveyor roles grant`) survives a restart.
 */
import { DuplicateError } from '#domain/pipeline/errors.ts';
import type { RoleGrant } from '#domain/pipeline/model.ts';
import type { PipelineStores } from '#domain/pipeline/ports.ts';
import type { DemoUser } from '../aws/api-gateway/credentials.ts';

/** The environment the demo's approver may approve in: Production only (the demo's environment id). */
export const APPROVER_ENVIRONMENT = 'production';

/** What each demo user may do: configure, release and promote, approve in Production, audit. */
export const DEMO_GRANTS: Record<string, RoleGrant[]> = {
  admin: [{ role: 'Admin' }],
  'release-manager': [{ role: 'ReleaseManager' }],
  approver: [{ role: 'Approver', environments: [APPROVER_ENVIRONMENT] }],
  auditor: [{ role: 'Auditor' }],
};

/** The bindings created (the others existed). */
export async function seedRoleBindings(stores: Pick<PipelineStores, 'roles'>, users: readonly DemoUser[]): Promise<string[]> {
  const created: string[] = [];
  for (const user of users) {
    const roles = DEMO_GRANTS[user.profile];
    if (!roles || (await stores.roles.find(user.principalArn))) continue;
    try {
      await stores.roles.create({ principalArn: user.principalArn, roles });
      created.push(user.profile);
    } catch (error) {
      if (!(error instanceof DuplicateError)) throw error;
    }
  }
  return created;
}
