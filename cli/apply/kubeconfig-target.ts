/**
 * Turns a kubeconfig context into a Conveyor target and account, so `conveyor apply` goes
 * through exactly the connection code deploy steps use (TLS on unless the kubeconfig says
 * insecure-skip-tls-verify, pooled keep-alive connections, errors that never echo secrets).
 *
 * The kubeconfig is parsed by kubeconfig-file.ts rather than by @kubernetes/client-node: the client
 * reads it loosely: a blank context namespace reads as "none", a context naming a user the
 * file lacks reads as "no credentials", and file errors lose which field named the file.
 * Everything about the file itself (can it be read, does the context exist, do the files it
 * names exist) is a UsageError naming the kubeconfig and the field. What concerns any target
 * (URL shape, PEM, key matching certificate) is checked by the adapter (buildKubeConfig).
 * No message carries a token, password or key.
 */

import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Account, Target } from '#domain/model.ts';
import { DEFAULT_NAMESPACE } from '#domain/render/boundary.ts';
import { namespaceProblem, showNamespace } from '#domain/render/namespace.ts';
import { UsageError } from '../errors.ts';
import { type Entry, KubeconfigFile } from './kubeconfig-file.ts';

export { MAX_KUBECONFIG_BYTES } from './kubeconfig-file.ts';

export type KubeconfigTarget = { target: Target };

/** Which namespace the target is confined to, or that it is an admin target (from the flags). */
export type TargetScope = { namespace?: string; admin: boolean; defaultNamespace?: string };

export function kubeconfigPath(explicit: string | undefined): string {
  // An empty KUBECONFIG (or first entry) means unset, as kubectl reads it.
  return explicit ?? (process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config'));
}

export function targetFromKubeconfig(path: string, contextName: string | undefined, scope: TargetScope): KubeconfigTarget {
  const file = new KubeconfigFile(path);
  const { name, context, cluster, user, server, caPem } = file.selected(contextName);
  const target: Target = {
    name,
    url: server,
    ...targetNamespace(file, name, context, scope),
    tags: [],
    ...(caPem ? { caPem } : {}),
    ...(cluster.body['insecure-skip-tls-verify'] === true ? { skipTlsVerify: true } : {}),
    account: accountOf(file, user),
  };
  return { target };
}

/**
 * Confined (the default): to --namespace, else the context's namespace, else `default`.
 * Admin (only with --admin): objects naming no namespace go to --default-namespace, else the
 * context's, else `default`. The context's namespace is checked only when it is used.
 */
function targetNamespace(file: KubeconfigFile, name: string, context: Entry, scope: TargetScope): Pick<Target, 'namespace' | 'admin'> {
  const explicit = scope.admin ? scope.defaultNamespace : scope.namespace;
  const namespace = explicit ?? contextNamespace(file, name, context) ?? DEFAULT_NAMESPACE;
  return scope.admin ? { namespace, admin: true } : { namespace };
}

/** The context's namespace; a key that is present but blank or malformed is refused, never "none". */
export function contextNamespace(file: KubeconfigFile, name: string, context: Entry): string | undefined {
  if (!('namespace' in context)) return undefined;
  const value = context.namespace;
  const where = `context "${name}" has namespace`;
  if (value === null || value === undefined) throw file.problem(`${where} "" (the key has no value): a namespace name may not be empty or blank`);
  if (typeof value !== 'string') throw file.problem(`${where} ${JSON.stringify(value)}: a namespace name must be a string`);
  const problem = namespaceProblem(value);
  if (problem) throw file.problem(`${where} ${showNamespace(value)}: ${problem}`);
  return value;
}

/**
 * A user's static credentials — a token (inline, from a file, or `fallbackToken`), a username
 * and password, or a client certificate and key — or undefined when it has none; half of a pair
 * is an error naming the user. What `conveyor apply` connects with and `target import` stores.
 */
export function staticAccount(file: KubeconfigFile, user: { name: string; body: Entry }, fallbackToken?: string): Extract<Account, { kind: 'token' | 'basic' | 'certificate' }> | undefined {
  const u = user.body;
  const token = nonEmpty(u.token) ?? file.tokenFile(user) ?? fallbackToken;
  if (token) return { kind: 'token', token };
  const username = nonEmpty(u.username);
  const password = nonEmpty(u.password);
  if (username && password) return { kind: 'basic', username, password };
  if (username) throw file.problem(`user "${user.name}" has a username but no password`);
  const certPem = file.pem(user, 'client-certificate');
  const keyPem = file.pem(user, 'client-key');
  if (certPem && keyPem) return { kind: 'certificate', certPem, keyPem };
  if (certPem || keyPem) {
    const [has, lacks] = certPem ? ['client-certificate', 'client-key'] : ['client-key', 'client-certificate'];
    throw file.problem(`user "${user.name}" has a ${has} but no ${lacks}: a client certificate needs both`);
  }
  return undefined;
}

function accountOf(file: KubeconfigFile, user: { name: string; body: Entry }): Account {
  const u = user.body;
  const authProvider = u['auth-provider'] as { config?: Record<string, unknown> } | undefined;
  const found = staticAccount(file, user, nonEmpty(authProvider?.config?.['access-token']));
  if (found) return found;
  const exec = u.exec as { command?: unknown } | undefined;
  if (exec) throw new UsageError(`kubeconfig user "${user.name}" uses an exec plugin (${String(exec.command)}); conveyor apply supports token, basic, client-certificate users`);
  throw new UsageError(`kubeconfig user "${user.name}" has no credentials conveyor apply can use (token, username/password or client certificate)`);
}

export const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
