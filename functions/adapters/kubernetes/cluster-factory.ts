/**
 * The tasks' ClusterConnector over the Kubernetes adapter: a KubernetesCluster per invocation,
 * bounded by the invocation's deadline, and for kubectl scripts a kubeconfig with the target's
 * credentials in it (an EKS target gets a fresh token: kubectl has no Conveyor authenticator).
 *
 * AWS functions for EKS accounts come from the composition root (runtime/clusters.ts); wrapped
 * with `cachedAssumeRole`, assumed-role credentials are reused until shortly before they expire,
 * so a deployment's many checks cost one AssumeRole per role and hour, not one per invocation.
 */
import type { Deadline } from '#domain/deadline.ts';
import type { Target } from '#domain/model.ts';
import type { ClusterConnector, ConnectedCluster, ScriptKubeconfig } from '#functions/app/tasks/ports.ts';
import { KubernetesCluster, type KubernetesClusterOptions } from './client.ts';
import { type AssumeRole, CREDENTIALS_REFRESH_MARGIN_MS, EksTokenSource, resolveEksEndpoint } from './eks.ts';
import { TargetConfigurationError } from './errors.ts';
import { type AwsDeps, checkTarget } from './kubeconfig.ts';

const CLUSTER = 'conveyor-target';
const USER = 'conveyor';

export type ClusterFactoryOptions = {
  /** AWS functions for EKS accounts (runtime/clusters.ts `eksAwsDeps()` in Lambda). */
  aws?: AwsDeps;
  /** Client options (retries, watch timings); the deadline is the invocation's. */
  client?: Omit<KubernetesClusterOptions, 'deadline'>;
};

export class KubernetesClusterFactory implements ClusterConnector {
  constructor(private readonly options: ClusterFactoryOptions = {}) {}

  async connect(target: Target, deadline: Deadline): Promise<ConnectedCluster> {
    return KubernetesCluster.connect(target, this.options.aws ?? {}, { ...this.options.client, deadline });
  }

  /** A kubeconfig (JSON, which is YAML) for `target`, and the secrets in it. */
  async kubeconfig(target: Target): Promise<ScriptKubeconfig> {
    const aws = this.options.aws ?? {};
    const { account } = target;
    let server = target.url;
    let caData = target.caPem ? Buffer.from(target.caPem).toString('base64') : undefined;
    let user: Record<string, string>;
    let secrets: string[];
    switch (account.kind) {
      case 'token':
        user = { token: account.token };
        secrets = [account.token];
        break;
      case 'basic':
        user = { username: account.username, password: account.password };
        secrets = [account.password];
        break;
      case 'certificate':
        user = { 'client-certificate-data': Buffer.from(account.certPem).toString('base64'), 'client-key-data': Buffer.from(account.keyPem).toString('base64') };
        secrets = [account.keyPem, user['client-key-data']!];
        break;
      case 'eks': {
        if (!server) {
          const endpoint = await resolveEksEndpoint(account, target.name, aws.describeCluster);
          server = endpoint.url;
          caData ??= endpoint.caData;
        }
        const tokens = new EksTokenSource({ account, targetName: target.name, ...aws });
        const token = await tokens.getToken();
        user = { token };
        secrets = [token, ...tokens.secrets()];
        break;
      }
    }
    if (!server) throw new TargetConfigurationError(`target "${target.name}" has no API server url`);
    checkTarget(target, server);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: CLUSTER, cluster: { server, ...(caData ? { 'certificate-authority-data': caData } : {}), ...(target.skipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}) } }],
      users: [{ name: USER, user }],
      contexts: [{ name: USER, context: { cluster: CLUSTER, user: USER, ...(target.namespace ? { namespace: target.namespace } : {}) } }],
      'current-context': USER,
    };
    return { text: JSON.stringify(config), secrets };
  }
}

/** AssumeRole answers reused per role, session and source key until CREDENTIALS_REFRESH_MARGIN_MS before they expire. */
export function cachedAssumeRole(assumeRole: AssumeRole, now: () => number = Date.now): AssumeRole {
  const cache = new Map<string, Awaited<ReturnType<AssumeRole>>>();
  return async (request) => {
    const key = `${request.roleArn}|${request.sessionName}|${request.sourceCredentials?.accessKeyId ?? ''}`;
    const known = cache.get(key);
    if (known && now() < known.expiration.getTime() - CREDENTIALS_REFRESH_MARGIN_MS) return known;
    const fresh = await assumeRole(request);
    cache.set(key, fresh);
    return fresh;
  };
}
