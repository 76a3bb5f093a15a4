/**
 * Targets and objects for the Kubernetes adapter's integration tests against the sandbox.
 */

import type { AssumeRole, DescribeCluster } from '#adapters/kubernetes/eks.ts';
import type { Account, Manifest, Target } from '#domain/model.ts';
import type { TestSandbox } from '../../../support/sandbox.ts';

/** A target on the sandbox with its CA, for the given account. */
export function sandboxTarget(t: TestSandbox, account: Account, extra: Partial<Target> = {}): Target {
  return { name: 'sandbox-it', url: t.sandbox.url, caPem: t.sandbox.caPem, tags: [], admin: true, account, ...extra };
}

export function adminAccount(t: TestSandbox): Account {
  return { kind: 'token', token: t.sandbox.credentials.adminToken };
}

/** A fake STS that hands out the role session the sandbox's verifier knows. */
export function fakeAssumeRole(t: TestSandbox, calls: { roleArn: string; sessionName: string }[] = []): AssumeRole {
  return async ({ roleArn, sessionName }) => {
    calls.push({ roleArn, sessionName });
    const { accessKeyId, secretAccessKey, sessionToken } = t.sandbox.credentials.aws.role;
    return { accessKeyId, secretAccessKey, sessionToken, expiration: new Date(Date.now() + 3600_000) };
  };
}

/** A fake EKS DescribeCluster answering with the sandbox's URL and CA. */
export function fakeDescribeCluster(t: TestSandbox): DescribeCluster {
  return async ({ clusterName }) => {
    if (clusterName !== t.sandbox.eks.clusterName) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
    return { endpoint: t.sandbox.url, caData: Buffer.from(t.sandbox.caPem).toString('base64') };
  };
}

export function configMap(namespace: string, name: string, data: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export function deployment(namespace: string, name: string, replicas: number, image = 'nginx:1.27'): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

export { rejection } from '../../../support/assertions.ts';
