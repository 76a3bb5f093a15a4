/**
 * Turns a kubeconfig context into a Conveyor target and account, so `conveyor apply` goes
 * through exactly the connection code deploy steps use (TLS on unless the kubeconfig says
 * insecure-skip-tls-verify, pooled keep-alive connections, errors that never echo secrets).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Account, Target } from '#domain/model.ts';
import { UsageError } from '../errors.ts';

export type KubeconfigTarget = { target: Target; contextNamespace: string };

export function kubeconfigPath(explicit: string | undefined): string {
  return explicit ?? process.env.KUBECONFIG?.split(':')[0] ?? join(homedir(), '.kube', 'config');
}

export function targetFromKubeconfig(path: string, contextName: string | undefined, namespace: string | undefined): KubeconfigTarget {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new UsageError(`cannot read kubeconfig ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (contextName) {
    if (!kc.getContextObject(contextName)) throw new UsageError(`kubeconfig ${path} has no context "${contextName}" (contexts: ${kc.getContexts().map((c) => c.name).join(', ')})`);
    kc.setCurrentContext(contextName);
  }
  const context = kc.getContextObject(kc.getCurrentContext());
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!context || !cluster) throw new UsageError(`kubeconfig ${path} has no current context; pass --context`);
  const read = (data: string | undefined, file: string | undefined) => (data ? Buffer.from(data, 'base64').toString('utf8') : file ? readFileSync(file, 'utf8') : undefined);
  let account: Account;
  if (user?.token || user?.authProvider?.config?.['access-token']) {
    account = { kind: 'token', token: user.token ?? user.authProvider.config['access-token'] };
  } else if (user?.username && user.password) {
    account = { kind: 'basic', username: user.username, password: user.password };
  } else if (user && (user.certData || user.certFile) && (user.keyData || user.keyFile)) {
    account = { kind: 'certificate', certPem: read(user.certData, user.certFile)!, keyPem: read(user.keyData, user.keyFile)! };
  } else if (user?.exec) {
    throw new UsageError(`kubeconfig user "${user.name}" uses an exec plugin (${user.exec.command}); conveyor apply supports token, basic, client-certificate users`);
  } else {
    throw new UsageError(`kubeconfig user "${user?.name ?? '?'}" has no credentials conveyor apply can use (token, username/password or client certificate)`);
  }
  const caPem = read(cluster.caData, cluster.caFile);
  const target: Target = {
    name: context.name,
    url: cluster.server,
    // Without --namespace the target is an admin target: cluster-scoped kinds and any
    // namespace are allowed, and objects without one land in the context's namespace.
    namespace: namespace ?? context.namespace ?? 'default',
    ...(namespace ? {} : { admin: true }),
    tags: [],
    ...(caPem ? { caPem } : {}),
    ...(cluster.skipTLSVerify ? { skipTlsVerify: true } : {}),
    account,
  };
  return { target, contextNamespace: context.namespace ?? 'default' };
}
