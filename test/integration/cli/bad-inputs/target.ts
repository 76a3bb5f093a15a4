/**
 * The target's bad inputs: the namespace guard (blank or malformed namespaces from a flag or a
 * kubeconfig context are refused, never taken for admin; admin only with --admin), kubeconfigs
 * that cannot be read or name what they lack, certificates and keys that are missing, not PEM
 * or not a pair, and API server URLs that are not https URLs or carry credentials.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { testCertificates } from '../../../support/certificates.ts';
import { ADMIN_CONTEXT, type BadInput, fixture, inTeamA, NS, env as shared } from './context.ts';

const settings = fixture('settings.yaml');
const F = ['-f', settings];
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
/** Written into kubeconfigs: it must appear in no output. */
const URL_PASSWORD = 'url-password-3c9d1f';
const MALFORMED_TOKEN = 'malformed-kubeconfig-token-8e2a';

type Parts = { cluster?: Record<string, unknown>; user?: Record<string, unknown>; context?: Record<string, unknown>; top?: Record<string, unknown> };

const env = shared as typeof shared & { kubeconfigs: Map<string, string>; certDir: string; otherKeyPem: string; garbageKeyPem: string };

/** The kubeconfig written for `name` in setup (the context, so the target, is named `name` too). */
const kc = (name: string) => () => {
  const path = env.kubeconfigs.get(name);
  if (!path) throw new Error(`no kubeconfig "${name}" was written in setup`);
  return path;
};
const certFile = (name: string) => join(env.certDir, name);
/** PEM lines of a key, which no output may contain. */
const keyLines = (pem: string) => pem.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'));

/** Kubeconfigs by name: a token user on the sandbox's cluster, context namespace team-a, parts overridden. */
function kubeconfigVariants(): Record<string, Parts> {
  const { credentials } = env.t.sandbox;
  const certs = testCertificates();
  const certUser = { 'client-certificate-data': b64(credentials.certUser.certPem), 'client-key-data': b64(credentials.certUser.keyPem) };
  const noCaData = { 'certificate-authority-data': undefined };
  return {
    'blank-ns': { context: { namespace: '' } },
    'space-ns': { context: { namespace: '   ' } },
    'null-ns': { context: { namespace: null } },
    'path-ns': { context: { namespace: '../x' } },
    'upper-ns': { context: { namespace: 'Team-A' } },
    'team-a-ctx': {},
    'no-current': { top: { 'current-context': undefined } },
    'ghost-user': { context: { user: 'ghost' } },
    'ghost-cluster': { context: { cluster: 'elsewhere' } },
    'ca-file-missing': { cluster: { ...noCaData, 'certificate-authority': 'missing-ca.crt' } },
    'ca-file-der': { cluster: { ...noCaData, 'certificate-authority': certFile('ca.der') } },
    'ca-not-pem': { cluster: { 'certificate-authority-data': b64('hello, not a certificate') } },
    'cert-file-missing': { user: { 'client-certificate': certFile('missing-client.crt'), 'client-key': certFile('client.key') } },
    'key-file-missing': { user: { 'client-certificate': certFile('client.crt'), 'client-key': certFile('missing-client.key') } },
    'cert-not-pem': { user: { ...certUser, 'client-certificate-data': b64('MIIB not a certificate') } },
    'key-not-pem': { user: { ...certUser, 'client-key-data': b64(env.garbageKeyPem) } },
    'key-pem-pasted': { user: { ...certUser, 'client-key-data': credentials.certUser.keyPem } },
    'cert-without-key': { user: { 'client-certificate-data': certUser['client-certificate-data'] } },
    'key-mismatch': { user: { ...certUser, 'client-key-data': b64(env.otherKeyPem) } },
    'key-ec-mismatch': { user: { ...certUser, 'client-key-data': b64(certs.ecKeyPem) } },
    'key-encrypted': { user: { ...certUser, 'client-key-data': b64(certs.encryptedKeyPem) } },
    'token-file-missing': { user: { 'token-file': 'missing-token' } },
    'url-garbage': { cluster: { server: 'not a url' } },
    'url-no-scheme': { cluster: { server: 'localhost:6443' } },
    'url-ftp': { cluster: { server: 'ftp://127.0.0.1:6443' } },
    'url-no-host': { cluster: { server: 'https://' } },
    'url-credentials': { cluster: { server: env.t.sandbox.url.replace('https://', `https://admin:${URL_PASSWORD}@`) } },
  };
}

function writeKubeconfig(name: string, parts: Parts): string {
  const path = join(env.dir, `target-kubeconfig-${name}`);
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    clusters: [{ name: 'sandbox', cluster: { server: env.t.sandbox.url, 'certificate-authority-data': b64(env.t.sandbox.caPem), ...parts.cluster } }],
    users: [{ name: 'deployer', user: parts.user ?? { token: env.t.sandbox.credentials.adminToken } }],
    contexts: [{ name, context: { cluster: 'sandbox', user: 'deployer', namespace: NS, ...parts.context } }],
    ...parts.top,
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
  return path;
}

export async function setup(): Promise<void> {
  const certs = testCertificates();
  const { certUser } = env.t.sandbox.credentials;
  env.certDir = join(env.dir, 'target-certs');
  mkdirSync(env.certDir);
  writeFileSync(certFile('client.crt'), certUser.certPem);
  writeFileSync(certFile('client.key'), certUser.keyPem, { mode: 0o600 });
  writeFileSync(certFile('ca.der'), certs.clientCertDer);
  env.otherKeyPem = certs.otherRsaKeyPem;
  env.garbageKeyPem = 'this is not a key, and it is secret-ish-2f7c';
  env.kubeconfigs = new Map(Object.entries(kubeconfigVariants()).map(([name, parts]) => [name, writeKubeconfig(name, parts)]));
  const malformed = join(env.dir, 'target-kubeconfig-malformed');
  writeFileSync(malformed, `users:\n- name: u\n  user: {token: ${MALFORMED_TOKEN}\n`);
  env.kubeconfigs.set('malformed', malformed);
  const list = join(env.dir, 'target-kubeconfig-list');
  writeFileSync(list, '- a\n- list\n');
  env.kubeconfigs.set('list', list);
}

const KC = (name: string) => ['--kubeconfig', kc(name)()];
const ns = (name: string, value: string) => `kubeconfig ${kc(name)()}: context "${name}" has namespace ${value}`;

export const cases: BadInput[] = [
  // The namespace guard: flags
  { name: '--namespace ""', process: true, args: () => [...F, '--namespace', ''], expect: ['--namespace "": a namespace name may not be empty or blank'] },
  { name: '--namespace= (empty, "=" form)', args: () => [...F, '--namespace='], expect: ['--namespace "": a namespace name may not be empty or blank'] },
  { name: '--namespace " " (blank)', args: () => [...F, '--namespace', ' '], expect: ['--namespace " ": a namespace name may not be empty or blank'] },
  { name: '--namespace ../x', args: () => [...F, '--namespace', '../x'], expect: ['--namespace "../x": a namespace name is a DNS-1123 label'] },
  { name: '--namespace UPPER', process: true, args: () => [...F, '--namespace', 'UPPER'], expect: ['--namespace "UPPER": a namespace name is a DNS-1123 label'] },
  { name: '-n with 64 characters', args: () => [...F, '-n', 'n'.repeat(64)], expect: ['--namespace "nnnn', 'a namespace name must be at most 63 characters (found 64)'] },
  { name: '--admin with --namespace', process: true, args: () => [...F, '--admin', ...inTeamA], expect: [`--admin and --namespace "${NS}" contradict`] },
  { name: '--admin with an empty --namespace (not taken for "none")', args: () => [...F, '--namespace', '', '--admin'], expect: ['--admin and --namespace "" contradict'] },
  { name: '--default-namespace without --admin', args: () => [...F, '--default-namespace', NS], expect: [`--default-namespace "${NS}" needs --admin`] },
  { name: '--admin --default-namespace " "', args: () => [...F, '--admin', '--default-namespace', ' '], expect: ['--default-namespace " ": a namespace name may not be empty or blank'] },
  { name: '--admin --default-namespace Bad_NS', args: () => [...F, '--admin', '--default-namespace', 'Bad_NS'], expect: ['--default-namespace "Bad_NS": a namespace name is a DNS-1123 label'] },
  // The namespace guard: the kubeconfig context's namespace, used when no flag names one
  { name: 'a context namespace ""', process: true, args: () => [...F, ...KC('blank-ns')], expect: () => [`${ns('blank-ns', '""')}: a namespace name may not be empty or blank`] },
  { name: 'a context namespace "   "', args: () => [...F, ...KC('space-ns')], expect: () => [`${ns('space-ns', '"   "')}: a namespace name may not be empty or blank`] },
  { name: 'a context namespace key without value', args: () => [...F, ...KC('null-ns')], expect: () => [`${ns('null-ns', '""')} (the key has no value)`] },
  { name: 'a context namespace ../x', args: () => [...F, ...KC('path-ns')], expect: () => [`${ns('path-ns', '"../x"')}: a namespace name is a DNS-1123 label`] },
  { name: 'a context namespace Team-A, with --admin', args: () => [...F, ...KC('upper-ns'), '--admin'], expect: () => [`${ns('upper-ns', '"Team-A"')}: a namespace name is a DNS-1123 label`] },
  // Without --namespace and --admin, objects are confined to the context's namespace
  {
    name: 'no flags: a ClusterRole on a target confined to the context namespace "default"',
    process: true,
    args: () => ['-f', fixture('cluster-role.yaml'), '--output', 'json'],
    error: 'NamespaceBoundaryError',
    expect: [`ClusterRole/settings-reader is cluster-scoped, but target "${ADMIN_CONTEXT}" is confined to namespace "default" (not an admin target)`],
  },
  {
    name: `no flags: a Secret in team-b on a target confined to the context namespace ${NS}`,
    args: () => ['-f', fixture('secret-other-namespace.yaml'), ...KC('team-a-ctx')],
    expect: [`Secret/credentials is in namespace "team-b", but target "team-a-ctx" is confined to namespace "${NS}"`],
  },
  // Kubeconfigs that cannot be read or name what they lack
  { name: 'a --kubeconfig that is a directory', args: () => [...F, '--kubeconfig', env.dir], expect: () => [`cannot read kubeconfig ${env.dir}: cannot read: EISDIR (a directory)`] },
  {
    name: 'a --kubeconfig that never ends (/dev/zero)',
    process: true,
    args: () => [...F, '--kubeconfig', '/dev/zero'],
    expect: ['cannot read kubeconfig /dev/zero: too large: reading stopped at the limit of 4 MiB for a kubeconfig'],
  },
  {
    name: 'a kubeconfig that is not valid YAML (its token not echoed)',
    args: () => [...F, ...KC('malformed')],
    expect: () => [`kubeconfig ${kc('malformed')()} is not valid YAML: `],
    secrets: [MALFORMED_TOKEN],
  },
  { name: 'a kubeconfig that is a YAML list', args: () => [...F, ...KC('list')], expect: () => [`kubeconfig ${kc('list')()}: not a kubeconfig: expected a mapping with clusters, users and contexts`] },
  {
    name: 'a kubeconfig without current-context',
    args: () => [...F, ...KC('no-current')],
    expect: () => [`kubeconfig ${kc('no-current')()} has no current context; pass --context (contexts: no-current)`],
  },
  {
    name: 'a context naming a user the kubeconfig lacks',
    process: true,
    args: () => [...F, ...KC('ghost-user')],
    expect: () => [`kubeconfig ${kc('ghost-user')()}: context "ghost-user" names user "ghost", which the kubeconfig lacks (users: deployer)`],
  },
  {
    name: 'a context naming a cluster the kubeconfig lacks',
    args: () => [...F, ...KC('ghost-cluster')],
    expect: () => [`context "ghost-cluster" names cluster "elsewhere", which the kubeconfig lacks (clusters: sandbox)`],
  },
  // Certificates and keys: files (named with the kubeconfig field and the path), PEM, pairs
  {
    name: 'a certificate-authority file that does not exist (relative to the kubeconfig)',
    args: () => [...F, ...KC('ca-file-missing')],
    expect: () => [`cluster "sandbox": certificate-authority ${join(env.dir, 'missing-ca.crt')}: cannot read: ENOENT (no such file or directory)`],
  },
  {
    name: 'a client-certificate file that does not exist',
    args: () => [...F, ...KC('cert-file-missing')],
    expect: () => [`user "deployer": client-certificate ${certFile('missing-client.crt')}: cannot read: ENOENT`],
  },
  {
    name: 'a client-key file that does not exist',
    process: true,
    args: () => [...F, ...KC('key-file-missing')],
    expect: () => [`user "deployer": client-key ${certFile('missing-client.key')}: cannot read: ENOENT`],
  },
  { name: 'a certificate-authority file in DER (binary)', args: () => [...F, ...KC('ca-file-der')], expect: () => [`cluster "sandbox": certificate-authority ${certFile('ca.der')}: not a text file`] },
  { name: 'a token-file that does not exist', args: () => [...F, ...KC('token-file-missing')], expect: () => [`user "deployer": token-file ${join(env.dir, 'missing-token')}: cannot read: ENOENT`] },
  {
    name: 'certificate-authority-data that is not PEM',
    args: () => [...F, ...KC('ca-not-pem'), '--output', 'json'],
    error: 'TargetConfigurationError',
    expect: ['target "ca-not-pem": the CA bundle is not PEM: it holds no "-----BEGIN CERTIFICATE-----" block'],
  },
  { name: 'client-certificate-data that is not PEM', args: () => [...F, ...KC('cert-not-pem')], expect: ['target "cert-not-pem": the client certificate is not PEM'] },
  {
    name: 'client-key-data that is not PEM (not echoed)',
    process: true,
    args: () => [...F, ...KC('key-not-pem')],
    expect: ['target "key-not-pem": the client key is not PEM'],
    secrets: ['secret-ish-2f7c'],
  },
  {
    name: 'client-key-data holding PEM text instead of base64',
    args: () => [...F, ...KC('key-pem-pasted')],
    expect: ['user "deployer": client-key-data holds PEM text; it must be the PEM, base64-encoded'],
    get secrets() {
      return keyLines(env.t.sandbox.credentials.certUser.keyPem);
    },
  },
  { name: 'a client certificate without a key', args: () => [...F, ...KC('cert-without-key')], expect: ['user "deployer" has a client-certificate but no client-key'] },
  {
    name: 'a client key that does not match its certificate',
    process: true,
    args: () => [...F, ...KC('key-mismatch'), '--output', 'json'],
    error: 'TargetConfigurationError',
    expect: ['target "key-mismatch": the client key does not match the client certificate (subject O=sandbox:developers, CN=sandbox-developer)'],
    get secrets() {
      return keyLines(env.otherKeyPem);
    },
  },
  { name: 'an EC client key for an RSA certificate', args: () => [...F, ...KC('key-ec-mismatch')], expect: ['target "key-ec-mismatch": the client key does not match the client certificate'] },
  { name: 'an encrypted client key', args: () => [...F, ...KC('key-encrypted')], expect: ['target "key-encrypted": the client key is encrypted with a passphrase; conveyor needs it unencrypted'] },
  // API server URLs
  { name: 'a server that is not a URL', args: () => [...F, ...KC('url-garbage')], expect: ['target "url-garbage": the API server URL "not a url" is not a URL (expected https://HOST[:PORT])'] },
  { name: 'a server without scheme', args: () => [...F, ...KC('url-no-scheme')], expect: ['target "url-no-scheme": the API server URL "localhost:6443" is not a URL'] },
  { name: 'a server with scheme ftp', args: () => [...F, ...KC('url-ftp')], expect: ['target "url-ftp": the API server URL "ftp://127.0.0.1:6443" must use https (or http), not "ftp"'] },
  { name: 'a server without host', args: () => [...F, ...KC('url-no-host')], expect: ['target "url-no-host": the API server URL "https://" is not a URL'] },
  {
    name: 'a server URL with user and password (the password not printed)',
    process: true,
    args: () => [...F, ...KC('url-credentials')],
    expect: () => [`target "url-credentials": the API server URL "${env.t.sandbox.url.replace('https://', 'https://***@')}" carries credentials, which are refused`],
    secrets: [URL_PASSWORD],
  },
];
