/**
 * buildKubeConfig: one in-memory configuration per account kind, TLS on unless the target
 * says otherwise, the target's CA, EKS endpoints from DescribeCluster and EKS tokens per request;
 * and the checks of the target before anything connects (URL shape, PEM, key matching
 * certificate), whose messages name the problem and never a password or key.
 */
import { createPrivateKey } from 'node:crypto';
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { DescribeCluster } from '#adapters/kubernetes/eks.ts';
import { TargetConfigurationError } from '#adapters/kubernetes/errors.ts';
import { buildKubeConfig } from '#adapters/kubernetes/kubeconfig.ts';
import { ERROR_CATEGORIES } from '#domain/errors.ts';
import type { Account, Target } from '#domain/model.ts';
import { pemBody, testCertificates } from '../../../support/certificates.ts';

const certs = testCertificates();
const CA = certs.ca.certPem;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const target = (account: Account, extra: Partial<Target> = {}): Target => ({ name: 'prod-eu', url: 'https://k8s.example:6443', namespace: 'web', tags: [], caPem: CA, account, ...extra });
const eks: Account = { kind: 'eks', clusterName: 'prod', region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE000000001', secretAccessKey: 'secret-access-key-value' } };

describe('buildKubeConfig', () => {
  it.each([
    ['token', { kind: 'token', token: 'tok-123456' } as Account, { token: 'tok-123456' }],
    ['basic', { kind: 'basic', username: 'u', password: 'p-123456' } as Account, { username: 'u', password: 'p-123456' }],
    ['certificate', { kind: 'certificate', ...certs.client } as Account, { certData: b64(certs.client.certPem), keyData: b64(certs.client.keyPem) }],
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

/** The error buildKubeConfig rejects with (fails the test when it resolves). */
async function refusal(t: Target): Promise<TargetConfigurationError> {
  try {
    await buildKubeConfig(t);
  } catch (error) {
    expect(error).toBeInstanceOf(TargetConfigurationError);
    return error as TargetConfigurationError;
  }
  throw new Error('expected buildKubeConfig to refuse the target');
}

const token: Account = { kind: 'token', token: 'tok-123456' };
/** OpenSSL's traditional encrypted PEM: PKCS#1 with Proc-Type and DEK-Info headers. */
const legacyEncrypted = (keyPem: string) => createPrivateKey(keyPem).export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'legacy-pass' }).toString();
const withKey = (keyPem: string): Account => ({ kind: 'certificate', certPem: certs.client.certPem, keyPem });

describe('buildKubeConfig refuses a target that cannot work, as bad input', () => {
  it.each([
    ['not a URL', 'not a url', 'the API server URL "not a url" is not a URL (expected https://HOST[:PORT])'],
    ['no scheme', 'localhost:6443', 'the API server URL "localhost:6443" is not a URL'],
    ['no host', 'https://', 'the API server URL "https://" is not a URL'],
    ['a blank in the host', 'https://k8s .example', 'the API server URL "https://k8s .example" is not a URL'],
    ['ftp', 'ftp://k8s.example', 'the API server URL "ftp://k8s.example" must use https (or http), not "ftp"'],
    ['a unix socket', 'unix:///var/run/k8s.sock', 'the API server URL "unix:///var/run/k8s.sock" must use https (or http), not "unix"'],
  ])('an API server URL that is %s', async (_what, url, message) => {
    // Act
    const error = await refusal(target(token, { url }));

    // Assess
    expect(error.message).toContain(`target "prod-eu": ${message}`);
    expect(ERROR_CATEGORIES[error.category].exitCode).toBe(2);
    expect(error.terminal).toBe(true);
  });

  it.each([
    ['user and password', 'https://admin:hunter2-in-url@k8s.example:6443', 'hunter2-in-url'],
    ['a password with "/" and "#"', 'https://admin:pa/ss#word-99@k8s.example', 'pa/ss#word-99'],
    ['a token as user name', 'https://tok-secret-abcdef@k8s.example', 'tok-secret-abcdef'],
  ])('an API server URL with credentials (%s), without printing them', async (_what, url, secret) => {
    // Act
    const error = await refusal(target(token, { url }));

    // Assess: refused, the host still shown so the person knows which URL.
    expect(error.message).toMatch(/^target "prod-eu": the API server URL "https:\/\/\*\*\*@k8s\.example[^"]*" carries credentials, which are refused/);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain('admin');
  });

  it.each([
    ['no PEM block', b64(CA), 'the CA bundle is not PEM: it holds no "-----BEGIN CERTIFICATE-----" block'],
    ['a block that is no certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', 'the CA bundle holds a PEM block that is not a valid certificate (certificate 1 of 1)'],
    ['a good and a bad certificate', `${CA}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`, 'the CA bundle holds a PEM block that is not a valid certificate (certificate 2 of 2)'],
  ])('a CA bundle with %s', async (_what, caPem, message) => {
    // Act
    const error = await refusal(target(token, { caPem }));

    // Assess
    expect(error.message).toContain(`target "prod-eu": ${message}`);
  });

  it('accepts a CA bundle of several certificates', async () => {
    // Prepare
    const bundle = `${CA}\n${certs.client.certPem}`;

    // Act
    const { kubeConfig } = await buildKubeConfig(target(token, { caPem: bundle }));

    // Assess
    expect(kubeConfig.getCurrentCluster()?.caData).toBe(b64(bundle));
  });

  it('a client certificate that is not PEM', async () => {
    // Act
    const error = await refusal(target({ kind: 'certificate', certPem: 'CERT', keyPem: certs.client.keyPem }));

    // Assess
    expect(error.message).toBe('target "prod-eu": the client certificate is not PEM: it holds no "-----BEGIN CERTIFICATE-----" block');
  });

  it.each([
    ['not PEM', () => pemBody(certs.client.keyPem), 'the client key is not PEM: it holds no "-----BEGIN ... PRIVATE KEY-----" block'],
    ['PEM armour around noise', () => '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n', 'the client key is not a valid private key (PEM block present, content unreadable)'],
    ['encrypted', () => certs.encryptedKeyPem, 'the client key is encrypted with a passphrase; conveyor needs it unencrypted'],
    ['encrypted the legacy way (Proc-Type header)', () => legacyEncrypted(certs.client.keyPem), 'the client key is encrypted with a passphrase; conveyor needs it unencrypted'],
    ['another RSA key', () => certs.otherRsaKeyPem, 'the client key does not match the client certificate (subject O=test-group, CN=test-user): they must be a pair'],
    ['an EC key for an RSA certificate', () => certs.ecKeyPem, 'the client key does not match the client certificate'],
  ])('a client key that is %s, never quoted', async (_what, keyPem, message) => {
    // Prepare
    const key = keyPem();

    // Act
    const error = await refusal(target(withKey(key)));

    // Assess: the reason, and not one line of the key.
    expect(error.message).toContain(`target "prod-eu": ${message}`);
    for (const line of key.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))) expect(error.message).not.toContain(line);
  });
});
