/**
 * Schemas of `/accounts`. Secret fields (token, password, privateKeyPem, roleArn) are accepted
 * and never answered: the account schema below has none of them. On a replace they are
 * optional — absent keeps the stored secret.
 */
import { z } from 'zod';
import { displayName, slug } from './common.ts';
import { entityVersion, listOf } from './config-common.ts';

/** Bearer tokens (service-account JWTs, OIDC tokens) are a few KiB at most. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const MAX_PASSWORD_LENGTH = 1024;
/** A PEM certificate or RSA-4096 key with its chain is well under this. */
const MAX_PEM_LENGTH = 32 * 1024;
const MAX_USERNAME_LENGTH = 256;
/** EKS: 1-100 letters, digits, "-" and "_", starting with a letter or digit. */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/;
/** Printable text without control characters (user names). */
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

const secret = (max: number) => z.string().min(1).max(max);
const username = z.string().min(1).max(MAX_USERNAME_LENGTH).regex(PRINTABLE, 'must not contain control characters');
const certificatePem = z.string().min(1).max(MAX_PEM_LENGTH).describe('client certificate, PEM (public: it is shown)');
const clusterName = z.string().regex(CLUSTER_NAME, 'must be an EKS cluster name');
const region = z.string().regex(REGION, 'must be an AWS region (eu-west-1)');
const roleArn = z.string().regex(ROLE_ARN, 'must be an IAM role ARN').describe("role to assume (kept in the secret); the function's own role when absent");

const token = secret(MAX_TOKEN_LENGTH).describe('bearer token (write-only)');
const password = secret(MAX_PASSWORD_LENGTH).describe('password (write-only)');
const privateKeyPem = secret(MAX_PEM_LENGTH).describe('client key, unencrypted PEM (write-only); must match certificatePem');

export const accountPath = z.object({ accountId: slug });

const id = slug;
const name = displayName;

export const createAccountBody = z
  .discriminatedUnion('kind', [
    z.strictObject({ id, name, kind: z.literal('token'), token }),
    z.strictObject({ id, name, kind: z.literal('basic'), username, password }),
    z.strictObject({ id, name, kind: z.literal('certificate'), certificatePem, privateKeyPem }),
    z.strictObject({ id, name, kind: z.literal('eks'), clusterName, region, roleArn: roleArn.optional() }),
  ])
  .meta({ id: 'CreateAccount' });

const version = entityVersion;
export const updateAccountBody = z
  .discriminatedUnion('kind', [
    z.strictObject({ name, version, kind: z.literal('token'), token: token.optional() }),
    z.strictObject({ name, version, kind: z.literal('basic'), username, password: password.optional() }),
    z.strictObject({ name, version, kind: z.literal('certificate'), certificatePem, privateKeyPem: privateKeyPem.optional() }),
    z.strictObject({ name, version, kind: z.literal('eks'), clusterName, region, roleArn: roleArn.nullable().optional().describe('absent keeps the stored role; null removes it') }),
  ])
  .meta({ id: 'UpdateAccount' });

const shown = { id: slug, name: z.string(), version: z.number().int() };
export const account = z
  .discriminatedUnion('kind', [
    z.object({ ...shown, kind: z.literal('token') }),
    z.object({ ...shown, kind: z.literal('basic'), username: z.string() }),
    z.object({ ...shown, kind: z.literal('certificate'), certificatePem: z.string() }),
    z.object({ ...shown, kind: z.literal('eks'), clusterName: z.string(), region: z.string(), assumesRole: z.boolean() }),
  ])
  .meta({ id: 'Account', description: 'an account without its secret material, which is write-only' });
export const accountList = listOf(account).meta({ id: 'AccountList' });
