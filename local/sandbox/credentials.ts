/**
 * The sandbox's own credentials: the admin token, the basic-auth user's password, the
 * client-certificate user, and the AWS keys its EKS-style authenticator accepts. Random per
 * start, or kept in the data directory (mode 0600) so kubeconfigs keep working after a restart.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.ts';
import { type CertificateAndKey, createClientCertificate } from './auth/pki.ts';

export const ADMIN_USER = 'sandbox-admin';
export const CERT_USER = 'sandbox-developer';
export const CERT_USER_GROUP = 'sandbox:developers';
export const BASIC_USER = 'sandbox-viewer';
export const EKS_ACCOUNT_ID = '111122223333';
export const EKS_REGION = 'us-east-1';
export const EKS_CLUSTER_NAME = 'sandbox';
/** The role Conveyor assumes to reach the cluster; its access entry maps it to an admin. */
export const EKS_ROLE_NAME = 'conveyor-deployer';

export type SandboxCredentials = {
  adminToken: string;
  basicPassword: string;
  certUser: CertificateAndKey;
  /** An IAM user key pair and an assumed-role session the sandbox plays STS for. */
  aws: {
    user: { accessKeyId: string; secretAccessKey: string; arn: string };
    role: { accessKeyId: string; secretAccessKey: string; sessionToken: string; arn: string; roleArn: string };
  };
};

const CREDENTIALS_FILE = 'credentials.json';
const token = (bytes: number) => randomBytes(bytes).toString('base64url');
const accessKeyId = (prefix: 'AKIA' | 'ASIA') => `${prefix}${randomBytes(10).toString('hex').toUpperCase().slice(0, 16)}`;

export function loadOrCreateCredentials(ca: CertificateAndKey, dataDir?: string): SandboxCredentials {
  const file = dataDir ? join(dataDir, CREDENTIALS_FILE) : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SandboxCredentials;
  const roleArn = `arn:aws:iam::${EKS_ACCOUNT_ID}:role/${EKS_ROLE_NAME}`;
  const credentials: SandboxCredentials = {
    adminToken: token(32),
    basicPassword: token(18),
    certUser: createClientCertificate(ca, { username: CERT_USER, groups: [CERT_USER_GROUP] }),
    aws: {
      user: { accessKeyId: accessKeyId('AKIA'), secretAccessKey: token(30), arn: `arn:aws:iam::${EKS_ACCOUNT_ID}:user/sandbox-operator` },
      role: { accessKeyId: accessKeyId('ASIA'), secretAccessKey: token(30), sessionToken: token(48), arn: `arn:aws:sts::${EKS_ACCOUNT_ID}:assumed-role/${EKS_ROLE_NAME}/conveyor`, roleArn },
    },
  };
  if (file) writeFileAtomic(file, JSON.stringify(credentials, null, 2), 0o600);
  return credentials;
}
