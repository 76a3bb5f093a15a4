/**
 * Turns a kubeconfig context into a Conveyor target and account, so `conveyor apply` goes
 * through exactly the connection code deploy steps use (TLS on unless the kubeconfig says
 * insecure-skip-tls-verify, pooled keep-alive connections, errors that never echo secrets).
 *
 * The kubeconfig is parsed here rather than by @kubernetes/client-node, because the client
 * reads it loosely: a blank context namespace reads as "none", a context naming a user the
 * file lacks reads as "no credentials", and file errors lose which field named the file.
 * Everything about the file itself (can it be read, does the context exist, do the files it
 * names exist) is a UsageError naming the kubeconfig and the field. What concerns any target
 * (URL shape, PEM, key matching certificate) is checked by the adapter (buildKubeConfig).
 * No message carries a token, password or key.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { parse } from 'yaml';
import type { Account, Target } from '#domain/model.ts';
import { DEFAULT_NAMESPACE } from '#domain/render/boundary.ts';
import { namespaceProblem, showNamespace } from '#domain/render/namespace.ts';
import { UsageError } from '../errors.ts';
import { InputBudget, readText, UnreadableInputError } from './input.ts';

export type KubeconfigTarget = { target: Target };

/** Which namespace the target is confined to, or that it is an admin target (from the flags). */
export type TargetScope = { namespace?: string; admin: boolean; defaultNamespace?: string };

/**
 * The limit for a kubeconfig and for each file it names (certificates, keys, token files).
 * Real ones are a few KiB; a kubeconfig with hundreds of clusters stays well under this.
 */
export const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;

type Entry = Record<string, unknown>;

export function kubeconfigPath(explicit: string | undefined): string {
  // An empty KUBECONFIG (or first entry) means unset, as kubectl reads it.
  return explicit ?? (process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config'));
}

export function targetFromKubeconfig(path: string, contextName: string | undefined, scope: TargetScope): KubeconfigTarget {
  const file = new KubeconfigFile(path);
  const { name, context } = file.context(contextName);
  const cluster = file.entry('cluster', name, context);
  const user = file.entry('user', name, context);
  const server = cluster.body.server;
  if (typeof server !== 'string' || server.trim() === '') throw file.problem(`cluster "${cluster.name}" has no server`);
  const caPem = file.pem(cluster, 'certificate-authority');
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
function contextNamespace(file: KubeconfigFile, name: string, context: Entry): string | undefined {
  if (!('namespace' in context)) return undefined;
  const value = context.namespace;
  const where = `context "${name}" has namespace`;
  if (value === null || value === undefined) throw file.problem(`${where} "" (the key has no value): a namespace name may not be empty or blank`);
  if (typeof value !== 'string') throw file.problem(`${where} ${JSON.stringify(value)}: a namespace name must be a string`);
  const problem = namespaceProblem(value);
  if (problem) throw file.problem(`${where} ${showNamespace(value)}: ${problem}`);
  return value;
}

function accountOf(file: KubeconfigFile, user: { name: string; body: Entry }): Account {
  const u = user.body;
  const authProvider = u['auth-provider'] as { config?: Record<string, unknown> } | undefined;
  const accessToken = authProvider?.config?.['access-token'];
  const token = nonEmpty(u.token) ?? file.tokenFile(user) ?? nonEmpty(accessToken);
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
  const exec = u.exec as { command?: unknown } | undefined;
  if (exec) throw new UsageError(`kubeconfig user "${user.name}" uses an exec plugin (${String(exec.command)}); conveyor apply supports token, basic, client-certificate users`);
  throw new UsageError(`kubeconfig user "${user.name}" has no credentials conveyor apply can use (token, username/password or client certificate)`);
}

const nonEmpty = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** One kubeconfig file, parsed; messages name it. */
class KubeconfigFile {
  private readonly doc: Entry;

  constructor(readonly path: string) {
    let text: string;
    try {
      text = readText(path, new InputBudget(MAX_KUBECONFIG_BYTES, 'a kubeconfig'));
    } catch (error) {
      if (error instanceof UnreadableInputError) throw new UsageError(`cannot read kubeconfig ${path}: ${error.reason}`);
      throw error;
    }
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (error) {
      // Only the first line: the rest quotes the source, which may hold a token.
      throw new UsageError(`kubeconfig ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    if (doc === null || doc === undefined) doc = {};
    if (typeof doc !== 'object' || Array.isArray(doc)) throw this.problem('not a kubeconfig: expected a mapping with clusters, users and contexts');
    this.doc = doc as Entry;
  }

  problem(message: string): UsageError {
    return new UsageError(`kubeconfig ${this.path}: ${message}`);
  }

  /** `clusters`, `users` or `contexts`: the named entries, in order. */
  private list(key: 'clusters' | 'users' | 'contexts'): { name: string; body: Entry }[] {
    const raw = this.doc[key] ?? [];
    if (!Array.isArray(raw)) throw this.problem(`${key} must be a list`);
    const field = key.slice(0, -1);
    return raw.map((item: unknown, i) => {
      const e = (item ?? {}) as Entry;
      if (typeof e.name !== 'string' || !e.name) throw this.problem(`${key}[${i}] has no name`);
      const body = e[field] ?? {};
      if (typeof body !== 'object' || Array.isArray(body)) throw this.problem(`${key}[${i}] ("${e.name}"): ${field} must be a mapping`);
      return { name: e.name, body: body as Entry };
    });
  }

  private names(key: 'clusters' | 'users' | 'contexts'): string {
    const names = this.list(key).map((e) => e.name);
    return names.length ? names.join(', ') : 'none';
  }

  /** --context, else current-context. */
  context(requested: string | undefined): { name: string; context: Entry } {
    const contexts = this.list('contexts');
    const current = this.doc['current-context'];
    const name = requested ?? (typeof current === 'string' && current !== '' ? current : undefined);
    if (name === undefined) throw new UsageError(`kubeconfig ${this.path} has no current context; pass --context (contexts: ${this.names('contexts')})`);
    const found = contexts.find((c) => c.name === name);
    if (!found) {
      if (requested) throw new UsageError(`kubeconfig ${this.path} has no context "${name}" (contexts: ${this.names('contexts')})`);
      throw this.problem(`current-context "${name}" names no context in the file (contexts: ${this.names('contexts')}); pass --context`);
    }
    return { name, context: found.body };
  }

  /** The cluster or user a context names, which must exist. */
  entry(kind: 'cluster' | 'user', contextName: string, context: Entry): { name: string; body: Entry } {
    const wanted = context[kind];
    if (typeof wanted !== 'string' || wanted === '') throw this.problem(`context "${contextName}" names no ${kind}`);
    const key = kind === 'cluster' ? 'clusters' : 'users';
    const found = this.list(key).find((e) => e.name === wanted);
    if (!found) throw this.problem(`context "${contextName}" names ${kind} "${wanted}", which the kubeconfig lacks (${key}: ${this.names(key)})`);
    return found;
  }

  /** `FIELD-data` (base64) or the file `FIELD` names (relative to the kubeconfig, as kubectl reads it). */
  pem(owner: { name: string; body: Entry }, field: 'certificate-authority' | 'client-certificate' | 'client-key'): string | undefined {
    const kind = field === 'certificate-authority' ? 'cluster' : 'user';
    const data = owner.body[`${field}-data`];
    if (data !== undefined && data !== null && data !== '') {
      if (typeof data !== 'string') throw this.problem(`${kind} "${owner.name}": ${field}-data must be a base64 string`);
      // A common slip: the PEM pasted as is. Decoding it as base64 would only yield noise.
      if (data.trimStart().startsWith('-----BEGIN')) throw this.problem(`${kind} "${owner.name}": ${field}-data holds PEM text; it must be the PEM, base64-encoded`);
      return Buffer.from(data, 'base64').toString('utf8');
    }
    return this.file(owner, kind, field);
  }

  /** A `token-file`'s token, trimmed (kubectl trims the trailing newline too). */
  tokenFile(user: { name: string; body: Entry }): string | undefined {
    const token = this.file(user, 'user', 'token-file')?.trim();
    if (token === '') throw this.problem(`user "${user.name}": token-file ${this.resolve(user.body['token-file'] as string)} is empty`);
    return token;
  }

  private file(owner: { name: string; body: Entry }, kind: string, field: string): string | undefined {
    const value = owner.body[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw this.problem(`${kind} "${owner.name}": ${field} must be a file path`);
    const path = this.resolve(value);
    try {
      return readText(path, new InputBudget(MAX_KUBECONFIG_BYTES, `a file a kubeconfig names`));
    } catch (error) {
      if (error instanceof UnreadableInputError) throw this.problem(`${kind} "${owner.name}": ${field} ${path}: ${error.reason}`);
      throw error;
    }
  }

  private resolve(file: string): string {
    return isAbsolute(file) ? file : resolve(dirname(this.path), file);
  }
}
