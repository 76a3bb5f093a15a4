/**
 * `conveyor target import` with kubeconfigs of every kind of user: a token (inline or from a
 * token-file), a username and password, a client certificate and key (data or files), and an
 * exec entry running `aws eks get-token` or aws-iam-authenticator (an EKS account with the
 * cluster, region and role its arguments name). The cluster's CA data or
 * insecure-skip-tls-verify and the context's namespace make the target. Plugins whose tokens
 * expire are refused; a target the API refuses leaves no account behind. No credential is
 * printed.
 */
import '../../support/quiet-powertools.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { engineAccount } from '#functions/app/account-material.ts';
import { testCertificates } from '../../support/certificates.ts';
import { type CliWorld, createCliWorld, shown } from './api-world.ts';

let world: CliWorld;
const SERVER = 'https://cluster.example:6443';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.import-token-never-printed';
const PASSWORD = 'import-password-never-printed';

beforeAll(async () => {
  world = await createCliWorld('cli-import');
  await world.deps.stores.environments.create({ id: 'dev', name: 'Development', order: 1 });
  await world.deps.stores.environments.create({ id: 'prod', name: 'Production', order: 2 });
});

afterAll(async () => {
  await world?.close();
});

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A kubeconfig with one context `name` of `cluster` and `user`, written to the world's directory. */
function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>, namespace?: string): string {
  const path = join(world.dir, `${name.replace(/[^A-Za-z0-9-]/g, '_')}.kubeconfig`);
  writeFileSync(
    path,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      clusters: [{ name: `${name}-cluster`, cluster: { server: SERVER, ...cluster } }],
      users: [{ name: `${name}-user`, user }],
      contexts: [{ name, context: { cluster: `${name}-cluster`, user: `${name}-user`, ...(namespace ? { namespace } : {}) } }],
    }),
  );
  return path;
}

const importing = (path: string, ...flags: string[]) => world.conveyor(['target', 'import', '--kubeconfig', path, '--environment', 'dev', '--tag', 'web', ...flags]);

async function stored(id: string) {
  const target = await world.deps.stores.targets.get(id);
  const account = await engineAccount(await world.deps.stores.accounts.get(target.accountId), world.secrets);
  return { target, account };
}

describe('conveyor target import', () => {
  it('a token user with the CA data and the context namespace', async () => {
    // Prepare
    const { ca } = testCertificates();
    const path = kubeconfig('shop-admin', { 'certificate-authority-data': b64(ca.certPem) }, { token: TOKEN }, 'shop');

    // Act
    const run = await importing(path);

    // Assess
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toBe(
      'account shop-admin (token) created from user of context "shop-admin"\n' + 'target shop-admin created: https://cluster.example:6443 shop, TLS verified with its CA, environments dev, tags web\n',
    );
    const { target, account } = await stored('shop-admin');
    expect(target).toMatchObject({ url: SERVER, namespace: 'shop', caPem: ca.certPem, accountId: 'shop-admin', environments: ['dev'], tags: ['web'] });
    expect(account).toEqual({ kind: 'token', token: TOKEN });
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('a token-file user with insecure-skip-tls-verify; --namespace, --id and --account-id given', async () => {
    // Prepare
    writeFileSync(join(world.dir, 'token'), `${TOKEN}-from-file\n`);
    const path = kubeconfig('insecure', { 'insecure-skip-tls-verify': true }, { 'token-file': 'token' });

    // Act
    const run = await importing(path, '--id', 'lab', '--account-id', 'lab-token', '-n', 'lab');

    // Assess
    expect(run.code, shown(run)).toBe(0);
    const { target, account } = await stored('lab');
    expect(target).toMatchObject({ namespace: 'lab', skipTlsVerify: true, accountId: 'lab-token' });
    expect(target.caPem).toBeUndefined();
    expect(account).toEqual({ kind: 'token', token: `${TOKEN}-from-file` });
  });

  it('a username and password, into the default namespace when the context names none', async () => {
    // Act
    const run = await importing(kubeconfig('viewer', {}, { username: 'viewer', password: PASSWORD }));

    // Assess
    expect(run.code, shown(run)).toBe(0);
    const { target, account } = await stored('viewer');
    expect(target.namespace).toBe('default');
    expect(account).toEqual({ kind: 'basic', username: 'viewer', password: PASSWORD });
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('a client certificate and key, as data and as files, as an admin target', async () => {
    // Prepare
    const { client } = testCertificates();
    writeFileSync(join(world.dir, 'dev.crt'), client.certPem);
    writeFileSync(join(world.dir, 'dev.key'), client.keyPem);
    const fromData = kubeconfig('cert-data', {}, { 'client-certificate-data': b64(client.certPem), 'client-key-data': b64(client.keyPem) });
    const fromFiles = kubeconfig('cert-files', {}, { 'client-certificate': 'dev.crt', 'client-key': join(world.dir, 'dev.key') });

    // Act
    const data = await importing(fromData, '--admin');
    const files = await importing(fromFiles);

    // Assess
    for (const run of [data, files]) {
      expect(run.code, shown(run)).toBe(0);
      expect(run.stdout + run.stderr).not.toContain('PRIVATE KEY');
    }
    const admin = await stored('cert-data');
    expect(admin.target.admin).toBe(true);
    expect(admin.account).toEqual({ kind: 'certificate', certPem: client.certPem, keyPem: client.keyPem });
    expect((await stored('cert-files')).account).toEqual({ kind: 'certificate', certPem: client.certPem, keyPem: client.keyPem });
  });

  it('exec `aws eks get-token` as an EKS account with its cluster, region and role; aws-iam-authenticator with the region of the EKS endpoint', async () => {
    // Prepare
    const role = 'arn:aws:iam::123456789012:role/conveyor-deployers/prod';
    const awsCli = kubeconfig(
      'arn:aws:eks:eu-central-1:123456789012:cluster/prod',
      {},
      {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1beta1',
          command: 'aws',
          args: ['--region', 'eu-central-1', 'eks', 'get-token', '--cluster-name', 'prod', '--output', 'json', '--role-arn', role],
        },
      },
    );
    const eksServer = 'https://0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com';
    const authenticatorPath = kubeconfig(
      'staging',
      { server: eksServer },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: '/usr/local/bin/aws-iam-authenticator', args: ['token', '-i', 'staging'] } },
    );

    // Act
    const eks = await importing(awsCli, '--environment', 'prod');
    const authenticator = await importing(authenticatorPath);

    // Assess
    expect(eks.code, shown(eks)).toBe(0);
    expect(eks.stdout).toContain('account prod (EKS prod in eu-central-1, assuming a role) created');
    const prod = await stored('prod');
    expect(prod.account).toEqual({ kind: 'eks', clusterName: 'prod', region: 'eu-central-1', roleArn: role });
    expect(prod.target.environments).toEqual(['dev', 'prod']);
    expect(authenticator.code, shown(authenticator)).toBe(0);
    const staging = await stored('staging');
    expect(staging.account).toEqual({ kind: 'eks', clusterName: 'staging', region: 'us-west-2' });
    expect(staging.target.url).toBe(eksServer);
  });

  it('refuses exec plugins whose tokens expire, and a context the file lacks, creating nothing', async () => {
    // Prepare
    const gke = kubeconfig('gke', {}, { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'gke-gcloud-auth-plugin' } });
    const before = (await world.deps.stores.accounts.list()).length;

    // Act
    const plugin = await importing(gke);
    const missing = await importing(gke, '--context', 'nope');

    // Assess
    expect(plugin.code, shown(plugin)).toBe(2);
    expect(plugin.stderr).toContain('user "gke-user" runs the exec plugin "gke-gcloud-auth-plugin", whose tokens expire; Conveyor stores long-lived credentials');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('has no context "nope" (contexts: gke)');
    expect((await world.deps.stores.accounts.list()).length).toBe(before);
  });

  it('deletes the account it made when the target is refused: an unknown environment, listed with the known ones', async () => {
    // Prepare
    const path = kubeconfig('refused', {}, { token: TOKEN });

    // Act
    const run = await world.conveyor(['target', 'import', '--kubeconfig', path, '--environment', 'qa', '--tag', 'web']);

    // Assess
    expect(run.code, shown(run)).toBe(2);
    expect(run.stderr).toContain('environments names unknown environment "qa" (known: dev, prod)');
    await expect(world.deps.stores.accounts.get('refused')).rejects.toThrow('does not exist');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });
});
