/**
 * The AWS SDK side of EKS authentication: turns STS and EKS clients the caller created once
 * into the `AssumeRole`, `DescribeCluster` and `CredentialsProvider` functions eks.ts needs.
 * Kept apart so eks.ts and its tests need no SDK client at all.
 */

import { DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AssumeRole, AwsCredentials, CredentialsProvider, DescribeCluster } from './eks.ts';

/**
 * AssumeRole through `sts`, with its own credentials (the Lambda's role). An account with
 * explicit keys assumes the role with those keys instead; that needs a client signed with them,
 * which is created on first use and kept per access key.
 */
export function stsAssumeRole(sts: STSClient): AssumeRole {
  const bySourceKey = new Map<string, STSClient>();
  return async ({ roleArn, sessionName, durationSeconds, sourceCredentials }) => {
    let client = sts;
    if (sourceCredentials) {
      client = bySourceKey.get(sourceCredentials.accessKeyId) ?? new STSClient({ region: await sts.config.region(), credentials: sourceCredentials });
      bySourceKey.set(sourceCredentials.accessKeyId, client);
    }
    const out = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: durationSeconds }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) throw Object.assign(new Error('AssumeRole returned no credentials'), { name: 'AccessDenied' });
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), expiration: c.Expiration };
  };
}

/** DescribeCluster through `eks`; the client must be in the account's region (one client per region). */
export function eksDescribeCluster(eks: EKSClient): DescribeCluster {
  return async ({ clusterName }) => {
    const out = await eks.send(new DescribeClusterCommand({ name: clusterName }));
    const endpoint = out.cluster?.endpoint;
    if (!endpoint) throw Object.assign(new Error(`cluster ${clusterName} has no endpoint yet`), { name: 'ResourceNotFoundException' });
    const caData = out.cluster?.certificateAuthority?.data;
    return { endpoint, ...(caData ? { caData } : {}) };
  };
}

/** The credentials `sts` itself signs with (the SDK's default provider chain unless configured). */
export function clientCredentials(sts: STSClient): CredentialsProvider {
  return async (): Promise<AwsCredentials> => {
    const c = await sts.config.credentials();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}), ...(c.expiration ? { expiration: c.expiration } : {}) };
  };
}
