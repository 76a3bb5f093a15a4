/**
 * cli/apply/kubeconfig-target.ts: a kubeconfig context becomes a target. Confined to the
 * context's namespace unless --namespace or --admin says otherwise; a blank or malformed
 * context namespace is refused; missing entries and files are named with their field and
 * path; no message carries a token, password or key. No network: kubeconfigs in a temp dir.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type TargetScope, targetFromKubeconfig } from '#cli/apply/kubeconfig-target.ts';
import { UsageError } from '#cli/errors.ts';
import { testCertificates } from '../../support/certificates.ts';

const SERVER = 'https://k8s.example:6443';
const TOKEN = 'kubeconfig-token-9f8e7d6c';
const PASSWORD = 'kubeconfig-password-5a4b';
const CONFINED: TargetScope = { admin: false };
const certs = testCertificates();
const b64 = (s: string) => Buffer.from(s).toString('base64');

let dir: string;
let count = 0;

type Parts = { cluster?: Record<string, unknown>; user?: Record<string, unknown>; context?: Record<string, unknown>; top?: Record<string, unknown> };

/** A kubeconfig with one context "dev" (cluster "c", user "u", namespace "team-a"), parts overridden. */
function kubeconfig(parts: Parts = {}, directory = dir): string {
  const path = join(directory, `kubeconfig-${++count}`);
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'dev',
    clusters: [{ name: 'c', cluster: { server: SERVER, 'certificate-authority-data': b64(certs.ca.certPem), ...parts.cluster } }],
    users: [{ name: 'u', user: parts.user ?? { token: TOKEN } }],
    contexts: [{ name: 'dev', context: { cluster: 'c', user: 'u', namespace: 'team-a', ...parts.context } }],
    ...parts.top,
  };
  writeFileSync(path, stringify(doc));
  return path;
}

function refusal(path: string, scope = CONFINED, context?: string): string {
  try {
    targetFromKubeconfig(path, context, scope);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const { message } = error as Error;
    for (const secret of [TOKEN, PASSWORD, ...certs.client.keyPem.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'))]) expect(message).not.toContain(secret);
    return message;
  }
  throw new Error('expected the kubeconfig to be refused');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conveyor-kubeconfig-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the namespace of the target', () => {
  it("without flags: confined to the context's namespace", () => {
    const { target } = targetFromKubeconfig(kubeconfig(), undefined, CONFINED);

    expect(target).toMatchObject({ name: 'dev', url: SERVER, namespace: 'team-a', caPem: certs.ca.certPem, account: { kind: 'token', token: TOKEN } });
    expect(target.admin).toBeUndefined();
  });

  it('without flags and without a context namespace: confined to "default"', () => {
    // Prepare
    const path = kubeconfig({ top: { contexts: [{ name: 'dev', context: { cluster: 'c', user: 'u' } }] } });

    // Act
    const { target } = targetFromKubeconfig(path, undefined, CONFINED);

    // Assess
    expect(target.namespace).toBe('default');
    expect(target.admin).toBeUndefined();
  });

  it('--namespace wins over the context, and a bad context namespace it replaces is not looked at', () => {
    expect(targetFromKubeconfig(kubeconfig(), undefined, { admin: false, namespace: 'team-b' }).target.namespace).toBe('team-b');
    expect(targetFromKubeconfig(kubeconfig({ context: { namespace: ' ' } }), undefined, { admin: false, namespace: 'team-b' }).target.namespace).toBe('team-b');
  });

  it("--admin: an admin target whose default namespace is the context's, or --default-namespace", () => {
    expect(targetFromKubeconfig(kubeconfig(), undefined, { admin: true }).target).toMatchObject({ admin: true, namespace: 'team-a' });
    expect(targetFromKubeconfig(kubeconfig(), undefined, { admin: true, defaultNamespace: 'apps' }).target).toMatchObject({ admin: true, namespace: 'apps' });
  });

  it.each([
    ['empty', '', 'context "dev" has namespace "": a namespace name may not be empty or blank'],
    ['blank', '  ', 'context "dev" has namespace "  ": a namespace name may not be empty or blank'],
    ['a key without value', null, 'context "dev" has namespace "" (the key has no value): a namespace name may not be empty or blank'],
    ['a path', '../x', 'context "dev" has namespace "../x": a namespace name is a DNS-1123 label'],
    ['upper case', 'Team-A', 'context "dev" has namespace "Team-A": a namespace name is a DNS-1123 label'],
    ['a number', 42, 'context "dev" has namespace 42: a namespace name must be a string'],
  ])('refuses a context namespace that is %s, confined or admin', (_what, namespace, message) => {
    // Prepare
    const path = kubeconfig({ context: { namespace } });

    // Act
    const confined = refusal(path);
    const admin = refusal(path, { admin: true });

    // Assess: never "no namespace", so never an admin target nor the default namespace.
    expect(confined.startsWith(`kubeconfig ${path}: ${message}`), confined).toBe(true);
    expect(admin).toBe(confined);
  });
});

describe('accounts', () => {
  it('token, token-file (relative to the kubeconfig), basic, client certificate from files', () => {
    // Prepare
    const sub = join(dir, 'sub');
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, 'token'), `${TOKEN}\n`);
    writeFileSync(join(sub, 'client.crt'), certs.client.certPem);
    writeFileSync(join(sub, 'client.key'), certs.client.keyPem);
    writeFileSync(join(sub, 'ca.crt'), certs.ca.certPem);

    // Act
    const fromFile = targetFromKubeconfig(kubeconfig({ user: { 'token-file': 'token' } }, sub), undefined, CONFINED).target;
    const basic = targetFromKubeconfig(kubeconfig({ user: { username: 'ann', password: PASSWORD } }), undefined, CONFINED).target;
    const cert = targetFromKubeconfig(
      kubeconfig({ user: { 'client-certificate': 'client.crt', 'client-key': 'client.key' }, cluster: { 'certificate-authority-data': undefined, 'certificate-authority': 'ca.crt' } }, sub),
      undefined,
      CONFINED,
    ).target;

    // Assess
    expect(fromFile.account).toEqual({ kind: 'token', token: TOKEN });
    expect(basic.account).toEqual({ kind: 'basic', username: 'ann', password: PASSWORD });
    expect(cert.account).toEqual({ kind: 'certificate', certPem: certs.client.certPem, keyPem: certs.client.keyPem });
    expect(cert.caPem).toBe(certs.ca.certPem);
  });
});

describe('a kubeconfig that is wrong is bad input naming the file and the field', () => {
  it('cannot be read: missing, a directory, binary, endless', () => {
    const missing = join(dir, 'no-such-kubeconfig');
    expect(refusal(missing)).toBe(`cannot read kubeconfig ${missing}: cannot read: ENOENT (no such file or directory)`);
    expect(refusal(dir)).toBe(`cannot read kubeconfig ${dir}: cannot read: EISDIR (a directory)`);
    const binary = join(dir, 'binary-kubeconfig');
    writeFileSync(binary, Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
    expect(refusal(binary)).toBe(`cannot read kubeconfig ${binary}: not a text file: it holds a NUL byte (at byte 3); expected UTF-8 text`);
    expect(refusal('/dev/zero')).toBe('cannot read kubeconfig /dev/zero: too large: reading stopped at the limit of 4 MiB for a kubeconfig');
  });

  it('malformed YAML, without quoting the line (it may hold a token)', () => {
    // Prepare
    const path = join(dir, 'malformed');
    writeFileSync(path, `users:\n- name: u\n  user: {token: ${TOKEN}\n`);

    // Act
    const message = refusal(path);

    // Assess
    expect(message).toMatch(new RegExp(`^kubeconfig ${path} is not valid YAML: .+`));
    expect(message).not.toContain('\n');
  });

  it.each<[string, Parts, string]>([
    ['not a mapping', { top: {} }, ''],
    ['a context naming a user the kubeconfig lacks', { context: { user: 'ghost' } }, 'context "dev" names user "ghost", which the kubeconfig lacks (users: u)'],
    ['a context naming a cluster the kubeconfig lacks', { context: { cluster: 'elsewhere' } }, 'context "dev" names cluster "elsewhere", which the kubeconfig lacks (clusters: c)'],
    ['a context naming no user', { context: { user: '' } }, 'context "dev" names no user'],
    ['a current-context the file lacks', { top: { 'current-context': 'prod' } }, 'current-context "prod" names no context in the file (contexts: dev); pass --context'],
    ['a cluster without server', { cluster: { server: '' } }, 'cluster "c" has no server'],
    [
      'a missing certificate-authority file',
      { cluster: { 'certificate-authority-data': undefined, 'certificate-authority': '/nonexistent/ca.crt' } },
      'cluster "c": certificate-authority /nonexistent/ca.crt: cannot read: ENOENT (no such file or directory)',
    ],
    [
      'a missing client-certificate file',
      { user: { 'client-certificate': '/nonexistent/client.crt', 'client-key-data': b64(certs.client.keyPem) } },
      'user "u": client-certificate /nonexistent/client.crt: cannot read: ENOENT',
    ],
    [
      'a missing client-key file',
      { user: { 'client-certificate-data': b64(certs.client.certPem), 'client-key': '/nonexistent/client.key' } },
      'user "u": client-key /nonexistent/client.key: cannot read: ENOENT',
    ],
    ['a client certificate without key', { user: { 'client-certificate-data': b64(certs.client.certPem) } }, 'user "u" has a client-certificate but no client-key: a client certificate needs both'],
    ['a client key without certificate', { user: { 'client-key-data': b64(certs.client.keyPem) } }, 'user "u" has a client-key but no client-certificate'],
    [
      'PEM pasted into client-key-data',
      { user: { 'client-certificate-data': b64(certs.client.certPem), 'client-key-data': certs.client.keyPem } },
      'user "u": client-key-data holds PEM text; it must be the PEM, base64-encoded',
    ],
    ['a missing token-file', { user: { 'token-file': '/nonexistent/token' } }, 'user "u": token-file /nonexistent/token: cannot read: ENOENT'],
    ['a username without password', { user: { username: 'ann' } }, 'user "u" has a username but no password'],
  ])('%s', (what, parts, message) => {
    // Prepare
    const path = kubeconfig(parts);
    if (what === 'not a mapping') writeFileSync(path, '- just\n- a list\n');

    // Act
    const refused = refusal(path);

    // Assess
    expect(refused).toContain(`kubeconfig ${path}: ${message || 'not a kubeconfig: expected a mapping with clusters, users and contexts'}`);
  });

  it('an unknown --context, and no current context, list the contexts there are', () => {
    // Prepare
    const path = kubeconfig();
    const noCurrent = kubeconfig({ top: { 'current-context': undefined } });

    // Act + Assess
    expect(refusal(path, CONFINED, 'staging')).toBe(`kubeconfig ${path} has no context "staging" (contexts: dev)`);
    expect(refusal(noCurrent)).toBe(`kubeconfig ${noCurrent} has no current context; pass --context (contexts: dev)`);
  });

  it('a user without credentials, or with an exec plugin', () => {
    expect(refusal(kubeconfig({ user: {} }))).toBe('kubeconfig user "u" has no credentials conveyor apply can use (token, username/password or client certificate)');
    expect(refusal(kubeconfig({ user: { exec: { command: 'aws' } } }))).toContain('kubeconfig user "u" uses an exec plugin (aws)');
  });
});
