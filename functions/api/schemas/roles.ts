/**
 * Schemas of `/roles`: role bindings by IAM principal ARN. The ARN is the binding's id in the
 * path (`/roles/arn:aws:iam::123456789012:role/Deployer`, a greedy path parameter because role
 * ARNs hold "/"); a percent-encoded ARN is accepted too.
 */
import { z } from 'zod';
import { slug } from './common.ts';
import { entityVersion, listOf } from './config-common.ts';

/** IAM users and roles, and assumed-role sessions, as API Gateway's IAM authorizer names callers. */
export const PRINCIPAL_ARN_PATTERN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[A-Za-z0-9+=,.@_/-]+$/;
const MAX_ARN_LENGTH = 2048;
export const ROLES = ['Admin', 'ReleaseManager', 'Deployer', 'Approver', 'Auditor'] as const;
const MAX_GRANT_ENVIRONMENTS = 50;

export const principalArn = z.string().max(MAX_ARN_LENGTH).regex(PRINCIPAL_ARN_PATTERN, 'must be an IAM user or role ARN (arn:aws:iam::123456789012:role/Name)');

/** Percent-decoded (clients may encode the ARN's "/" and ":"), then checked. */
const decodedArn = z
  .string()
  .max(MAX_ARN_LENGTH * 3)
  .transform((value) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  })
  .pipe(principalArn)
  .describe('the IAM principal ARN, "/" included (percent-encoding accepted)');

export const grant = z
  .strictObject({
    role: z.enum(ROLES),
    environments: z.array(slug).min(1).max(MAX_GRANT_ENVIRONMENTS).optional().describe('Deployer and Approver only: the environments the grant covers; all when absent'),
  })
  .meta({ id: 'RoleGrant' });

const roles = z.array(grant).min(1).max(ROLES.length);

export const rolePath = z.object({ principalArn: decodedArn });
export const createRoleBindingBody = z.strictObject({ principalArn, roles }).meta({ id: 'CreateRoleBinding' });
export const updateRoleBindingBody = z.strictObject({ roles, version: entityVersion }).meta({ id: 'UpdateRoleBinding' });

export const roleBinding = z
  .object({ principalArn: z.string(), roles: z.array(z.object({ role: z.enum(ROLES), environments: z.array(z.string()).optional() })), version: z.number().int() })
  .meta({ id: 'RoleBinding' });
export const roleBindingList = listOf(roleBinding).meta({ id: 'RoleBindingList' });
