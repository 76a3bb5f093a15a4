/**
 * buildKubeConfig: one in-memory configuration per account kind, TLS on unless the target
 * says otherwise, the target's CA, EKS endpoints from DescribeCluster and EKS tokens per request.
 */
import { describe, expect, it } from 'vitest';
import { RequestContext, HttpMethod } from '@kubernetes/client-node';
import type { Account, Target } from '#domain/model.ts';
import { buildKubeConfig } from '#adapters/kubernetes/kubeconfig.ts';
import type { DescribeCluster } from '#adapters/kubernetes/eks.ts';
import { TargetConfigurationError } from '#adapters/kubernetes/errors.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const target = (account: Account, extra: Partial<Target> = {}): Target => ({ name: 'prod-eu', url: 'https://k8s.example:6443', namespace: 'web', tags: [], caPem: CA, account, ...extra });
const eks: Account = { kind: 'eks', clusterName: 'prod', region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: 'secret-access-key-value' } };

describe('buildKubeConfig', () => {
  it.each([
    ['token', { kind: 'token', token: 'tok-123456' } as Account, { token: 'tok-123456' }],
    ['basic', { kind: 'basic', username: 'u', password: 'p-123456' } as Account, { username: 'u', password: 'p-123456' }],
    ['certificate', { kind: 'certificate', certPem: 'CERT', keyPem: 'KEY' } as Account, { certData: b64('CERT'), keyData: b64('KEY') }],
  ])('%s account', async (_kind, account, user) => {
    const { kubeConfig, errors } = await buildKubeConfig(target(account));

    expect(kubeConfig.getCurrentUser()).toMatchObject(user);
    expect(kubeConfig.getCurrentCluster()).toMatchObject({ server: 'https://k8s.example:6443', caData: b64(CA), skipTLSVerify: false });
    expect(kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace).toBe('web');
    expect(errors).toMatchObject({ target: 'prod-eu', accountKind: account.kind, url: 'https://k8s.example:6443' });
    expect(errors.secrets.length).toBeGreaterThan(0);
  });

  it('verifies TLS unless the target explicitly skips it', async () => {
    const verified = (await buildKubeConfig(target({ kind: 'token', token: 't' }, { caPem: undefined }))).kubeConfig;
    const skipped = (await buildKubeConfig(target({ kind: 'token', token: 't' }, { skipTlsVerify: true }))).kubeConfig;

    expect(verified.createDispatcherOptions(verified.getCurrentCluster(), {})).toMatchObject({ type: 'agent', connect: { rejectUnauthorized: true } });
    expect(skipped.getCurrentCluster()?.skipTLSVerify).toBe(true);
    expect(skipped.createDispatcherOptions(skipped.getCurrentCluster(), { rejectUnauthorized: false })).toMatchObject({ connect: { rejectUnauthorized: false } });
  });

  it('adds a fresh EKS bearer token to each request', async () => {
    const { kubeConfig, errors } = await buildKubeConfig(target(eks));
    const ctx = new RequestContext('https://k8s.example:6443/api/v1', HttpMethod.GET);

    await kubeConfig.applySecurityAuthentication(ctx);

    expect(ctx.getHeaders()['Authorization']).toMatch(/^Bearer k8s-aws-v1\.[A-Za-z0-9_-]+$/);
    expect(kubeConfig.exportConfig()).not.toContain('secret-access-key-value');
    expect(errors.secrets).toContain('secret-access-key-value');
    expect(errors.secrets.some((s) => s.startsWith('k8s-aws-v1.'))).toBe(true);
  });

  it('reads endpoint and CA of an EKS target without url from DescribeCluster', async () => {
    const asked: string[] = [];
    const describeCluster: DescribeCluster = async ({ clusterName, region }) => {
      asked.push(`${region}/${clusterName}`);
      return { endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', caData: b64('EKS CA') };
    };

    const { kubeConfig } = await buildKubeConfig(target(eks, { url: undefined, caPem: undefined }), { describeCluster });

    expect(asked).toEqual(['eu-west-1/prod']);
    expect(kubeConfig.getCurrentCluster()).toMatchObject({ server: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', caData: b64('EKS CA') });
  });

  it('refuses a non-EKS target without url', async () => {
    await expect(buildKubeConfig(target({ kind: 'token', token: 't' }, { url: undefined }))).rejects.toBeInstanceOf(TargetConfigurationError);
  });
});
