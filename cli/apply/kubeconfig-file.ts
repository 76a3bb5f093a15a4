/**
 * A kubeconfig file read as kubectl reads it: bounded, YAML, contexts naming clusters and users
 * that must exist, `*-data` fields (base64) or the files they name (relative to the kubeconfig),
 * and token files. Every problem with the file itself is a UsageError naming the kubeconfig and
 * the field; no message quotes a token, password or key. Used by `conveyor apply` (a target from
 * a context) and `conveyor target import` (a stored target and account from a context).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../errors.ts';
import { InputBudget, readText, UnreadableInputError } from './input.ts';

/**
 * The limit for a kubeconfig and for each file it names (certificates, keys, token files).
 * Real ones are a few KiB; a kubeconfig with hundreds of clusters stays well under this.
 */
export const MAX_KUBECONFIG_BYTES = 4 * 1024 * 1024;

export type Entry = Record<string, unknown>;

/** A named cluster, user or context and its body. */
export type NamedEntry = { name: string; body: Entry };

/** One kubeconfig file, parsed; messages name it. */
export class KubeconfigFile {
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
  private list(key: 'clusters' | 'users' | 'contexts'): NamedEntry[] {
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

  /**
   * The context (--context, else current-context) with the cluster and user it names, the
   * cluster's server (which must be given) and CA: what `conveyor apply` connects to and
   * `target import` stores.
   */
  selected(requested: string | undefined): { name: string; context: Entry; cluster: NamedEntry; user: NamedEntry; server: string; caPem: string | undefined } {
    const { name, context } = this.context(requested);
    const cluster = this.entry('cluster', name, context);
    const user = this.entry('user', name, context);
    const server = cluster.body.server;
    if (typeof server !== 'string' || server.trim() === '') throw this.problem(`cluster "${cluster.name}" has no server`);
    return { name, context, cluster, user, server, caPem: this.pem(cluster, 'certificate-authority') };
  }

  /** The cluster or user a context names, which must exist. */
  entry(kind: 'cluster' | 'user', contextName: string, context: Entry): NamedEntry {
    const wanted = context[kind];
    if (typeof wanted !== 'string' || wanted === '') throw this.problem(`context "${contextName}" names no ${kind}`);
    const key = kind === 'cluster' ? 'clusters' : 'users';
    const found = this.list(key).find((e) => e.name === wanted);
    if (!found) throw this.problem(`context "${contextName}" names ${kind} "${wanted}", which the kubeconfig lacks (${key}: ${this.names(key)})`);
    return found;
  }

  /** `FIELD-data` (base64) or the file `FIELD` names (relative to the kubeconfig, as kubectl reads it). */
  pem(owner: NamedEntry, field: 'certificate-authority' | 'client-certificate' | 'client-key'): string | undefined {
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
  tokenFile(user: NamedEntry): string | undefined {
    const token = this.file(user, 'user', 'token-file')?.trim();
    if (token === '') throw this.problem(`user "${user.name}": token-file ${this.resolve(user.body['token-file'] as string)} is empty`);
    return token;
  }

  private file(owner: NamedEntry, kind: string, field: string): string | undefined {
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
