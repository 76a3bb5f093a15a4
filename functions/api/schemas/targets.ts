/** Schemas of `/targets` and `POST /targets/{targetId}/health`. */
import { z } from 'zod';
import { namespaceProblem } from '#domain/render/namespace.ts';
import { slug } from './common.ts';
import { entityVersion, listOf, slugList } from './config-common.ts';

const MAX_URL_LENGTH = 2048;
/** A CA bundle of a few certificates. */
const MAX_CA_LENGTH = 64 * 1024;
const MAX_TARGET_ENVIRONMENTS = 20;
const MAX_TARGET_TAGS = 20;

/** Checked with the rule every namespace follows (render/namespace.ts): never empty, never a path. */
export const namespace = z
  .string()
  .max(MAX_URL_LENGTH)
  .superRefine((value, ctx) => {
    const problem = namespaceProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('namespace objects are confined to; required unless admin is true');

const fields = {
  url: z.string().min(1).max(MAX_URL_LENGTH).optional().describe('API server URL: https (http only for localhost); may be absent for an EKS account'),
  namespace: namespace.optional(),
  admin: z.boolean().optional().describe('true: the account may create cluster-scoped objects and use any namespace'),
  accountId: slug,
  caPem: z.string().min(1).max(MAX_CA_LENGTH).optional().describe("PEM CA bundle of the API server; the system's roots when absent"),
  skipTlsVerify: z.boolean().optional().describe('true turns TLS verification off: only when said explicitly'),
  environments: slugList(1, MAX_TARGET_ENVIRONMENTS),
  tags: slugList(1, MAX_TARGET_TAGS).describe('steps pick targets by tag'),
};

export const targetPath = z.object({ targetId: slug });
export const createTargetBody = z.strictObject({ id: slug, ...fields }).meta({ id: 'CreateTarget' });
export const updateTargetBody = z.strictObject({ ...fields, version: entityVersion }).meta({ id: 'UpdateTarget' });

export const target = z
  .object({
    id: slug,
    url: z.string().optional(),
    namespace: z.string().optional(),
    admin: z.boolean().optional(),
    accountId: z.string(),
    caPem: z.string().optional(),
    skipTlsVerify: z.boolean().optional(),
    environments: z.array(z.string()),
    tags: z.array(z.string()),
    version: z.number().int(),
  })
  .meta({ id: 'Target' });
export const targetList = listOf(target).meta({ id: 'TargetList' });

export const targetHealth = z
  .object({
    targetId: z.string(),
    checkedAt: z.string(),
    reachable: z.boolean().describe('the API server answered'),
    authenticated: z.boolean().describe("the cluster accepted the account's credentials"),
    serverVersion: z.string().optional(),
    authenticatedAs: z.string().optional().describe('the user the cluster sees (SelfSubjectReview)'),
    namespace: z.string().optional().describe('where the permissions apply; cluster scope when absent'),
    permissions: z.array(z.object({ verb: z.string(), resource: z.string(), allowed: z.boolean() })),
    reason: z.string().optional().describe('why the check stopped short (redacted)'),
  })
  .meta({ id: 'TargetHealth' });
