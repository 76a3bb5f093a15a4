/**
 * How `conveyor target import` reads a kubeconfig context (cli/commands/kubeconfig-import.ts):
 * the exec entries that become EKS accounts (the AWS CLI's `eks get-token` and
 * aws-iam-authenticator, their flag spellings, the region from the arguments, the exec's
 * environment or the EKS endpoint), the plugins and auth-providers refused, and ids and names
 * made from context names. Files only, no network.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { idFromContext, importContext, nameFromContext } from '#cli/commands/kubeconfig-import.ts';
import { UsageError } from '#cli/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'conveyor-import-'));
let count = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(user: Record<string, unknown>, server = 'https://cluster.example'): string {
  const path = join(dir, `kubeconfig-${count++}`);
  writeFileSync(
    path,
    stringify({ 'current-context': 'c', clusters: [{ name: 'k', cluster: { server } }], users: [{ name: 'u', user }], contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }] }),
  );
  return path;
}

const exec = (command: string, args: string[], env?: { name: string; value: string }[]) => ({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command, args, ...(env ? { env } : {}) } });

function refusal(path: string): string {
  try {
    importContext(path, undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('exec entries as EKS accounts', () => {
  it.each([
    ['aws eks get-token with --flag value', exec('aws', ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'prod']), { clusterName: 'prod', region: 'eu-west-1' }],
    [
      '--flag=value and a role',
      exec('/usr/bin/aws', ['eks', 'get-token', '--cluster-name=prod', '--region=us-east-2', '--role-arn=arn:aws:iam::1:role/r']),
      { clusterName: 'prod', region: 'us-east-2', roleArn: 'arn:aws:iam::1:role/r' },
    ],
    ['the region from the exec env', exec('aws', ['eks', 'get-token', '--cluster-name', 'prod'], [{ name: 'AWS_REGION', value: 'ap-south-1' }]), { clusterName: 'prod', region: 'ap-south-1' }],
    [
      'aws-iam-authenticator -i -r',
      exec('aws-iam-authenticator', ['token', '-i', 'blue', '-r', 'arn:aws:iam::1:role/x'], [{ name: 'AWS_DEFAULT_REGION', value: 'eu-north-1' }]),
      { clusterName: 'blue', region: 'eu-north-1', roleArn: 'arn:aws:iam::1:role/x' },
    ],
  ])('%s', (_title, user, account) => {
    expect(importContext(kubeconfig(user), undefined).account).toEqual({ kind: 'eks', ...account });
  });

  it('takes the region of an EKS endpoint when the exec entry names none', () => {
    const path = kubeconfig(exec('aws', ['eks', 'get-token', '--cluster-name', 'prod']), 'https://ABCDEF.gr7.sa-east-1.eks.amazonaws.com');
    expect(importContext(path, undefined).account).toEqual({ kind: 'eks', clusterName: 'prod', region: 'sa-east-1' });
  });

  it('refuses an EKS exec entry without a cluster or a region, other plugins, and auth-providers', () => {
    expect(refusal(kubeconfig(exec('aws', ['eks', 'get-token', '--region', 'eu-west-1'])))).toContain('user "u": the exec entry names no cluster (--cluster-name)');
    expect(refusal(kubeconfig(exec('aws', ['eks', 'get-token', '--cluster-name', 'prod'])))).toContain(
      'the exec entry names no region (--region, or AWS_REGION in its env) and the server is not an EKS endpoint',
    );
    expect(refusal(kubeconfig(exec('kubelogin', ['get-token'])))).toContain('user "u" runs the exec plugin "kubelogin", whose tokens expire');
    expect(refusal(kubeconfig({ 'auth-provider': { name: 'oidc', config: { 'id-token': 'x' } } }))).toContain('uses the auth-provider "oidc", whose tokens expire');
    expect(refusal(kubeconfig({}))).toContain('has no credentials Conveyor can store');
  });
});

describe('ids and names from context names', () => {
  it.each([
    ['arn:aws:eks:eu-west-1:123456789012:cluster/prod', 'prod'],
    ['Sandbox_Admin', 'sandbox-admin'],
    ['gke_project_europe-west1_main', 'gke-project-europe-west1-main'],
    ['-weird--', 'weird'],
  ])('%s → %s', (context, id) => {
    expect(idFromContext(context)).toBe(id);
  });

  it('keeps a readable context name, and falls back to the id for one the API refuses as a name', () => {
    expect(nameFromContext('Sandbox Admin', 'sandbox-admin')).toBe('Sandbox Admin');
    expect(nameFromContext('arn:aws:eks:eu-west-1:1:cluster/prod', 'prod')).toBe('prod');
    expect(() => idFromContext('***')).toThrow('cannot make an id from the context name "***": give --id');
  });
});
