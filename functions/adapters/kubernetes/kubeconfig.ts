/**
 * Builds the @kubernetes/client-node configuration for one target, in memory only: credentials
 * are resolved at run time and must never touch a file. TLS verification is on unless the
 * target explicitly says `skipTlsVerify`; the target's CA bundle replaces the system roots.
 */
import { KubeConfig, type Cluster, type RequestContext, type User } from '@kubernetes/client-node';
import type { Target } from '#domain/model.ts';
import { EksTokenSource, resolveEksEndpoint, type AssumeRole, type CredentialsProvider, type DescribeCluster } from './eks.ts';
import { TargetConfigurationError, type ErrorContext } from './errors.ts';

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

const CLUSTER_NAME = 'conveyor-target';
const USER_NAME = 'conveyor';
const CONTEXT_NAME = 'conveyor';
/** authProvider name our EKS authenticator answers to (no secret lives in the config itself). */
export const EKS_AUTH_PROVIDER = 'conveyor-eks';

/** AWS functions for EKS accounts; built once by the caller from its SDK clients (aws.ts). */
export type AwsDeps = {
  assumeRole?: AssumeRole;
  describeCluster?: DescribeCluster;
  defaultCredentials?: CredentialsProvider;
  /** Injected clock for token caching tests. */
  now?: () => number;
};

/** What a KubernetesCluster needs about one target: the client configuration and the error context. */
export type TargetConnection = { kubeConfig: ConveyorKubeConfig; errors: ErrorContext };

type Dispatcher = { close(): Promise<void> };

/**
 * A KubeConfig that (1) always verifies TLS unless the cluster says skipTLSVerify — client-node
 * otherwise leaves it to NODE_TLS_REJECT_UNAUTHORIZED — and (2) reuses one connection pool:
 * client-node builds a new undici Agent for every request, which defeats keep-alive and costs
 * a TLS handshake per call when the engine applies many objects in parallel.
 */
export class ConveyorKubeConfig extends KubeConfig {
  private pool?: Dispatcher;
  private closed = false;

  override createDispatcherOptions(cluster: Cluster | null, agentOptions: Parameters<KubeConfig['createDispatcherOptions']>[1]) {
    const verify = agentOptions.rejectUnauthorized ?? !cluster?.skipTLSVerify;
    return super.createDispatcherOptions(cluster, { ...agentOptions, rejectUnauthorized: verify });
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const created = context.getDispatcher() as Dispatcher | undefined;
    if (!created) return;
    // A request that races close() (a watch being opened as it is stopped) must not start a
    // new pool nobody will close: it gets a dispatcher that is closed at once.
    if (this.closed) {
      await created.close().catch(() => {});
      throw new Error('the Kubernetes client was closed');
    }
    this.pool ??= created;
    context.setDispatcher(this.pool as never);
  }

  /** Closes pooled connections (open watches end). Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close().catch(() => {});
  }
}

/** Adds the Authorization header with a current EKS token to every request and watch. */
class EksAuthenticator implements Authenticator {
  constructor(private readonly tokens: EksTokenSource) {}
  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === EKS_AUTH_PROVIDER;
  }
  async applyAuthentication(_user: User, opts: { headers?: Record<string, unknown> }): Promise<void> {
    opts.headers ??= {};
    opts.headers['Authorization'] = `Bearer ${await this.tokens.getToken()}`;
  }
}

const base64 = (pem: string) => Buffer.from(pem).toString('base64');

/**
 * The client configuration for `target` with its resolved account. EKS targets without a URL
 * are looked up with DescribeCluster (endpoint and CA). Throws domain errors only.
 */
export async function buildKubeConfig(target: Target, aws: AwsDeps = {}): Promise<TargetConnection> {
  const { account } = target;
  const kc = new ConveyorKubeConfig();
  let server = target.url;
  let caData = target.caPem ? base64(target.caPem) : undefined;
  let user: User;
  const secrets: string[] = [];
  let eksTokens: EksTokenSource | undefined;
  switch (account.kind) {
    case 'token':
      user = { name: USER_NAME, token: account.token };
      secrets.push(account.token);
      break;
    case 'basic':
      user = { name: USER_NAME, username: account.username, password: account.password };
      secrets.push(account.password);
      break;
    case 'certificate':
      user = { name: USER_NAME, certData: base64(account.certPem), keyData: base64(account.keyPem) };
      secrets.push(account.keyPem);
      break;
    case 'eks': {
      eksTokens = new EksTokenSource({ account, targetName: target.name, ...aws });
      kc.addAuthenticator(new EksAuthenticator(eksTokens));
      user = { name: USER_NAME, authProvider: { name: EKS_AUTH_PROVIDER, config: {} } };
      if (!server) {
        const endpoint = await resolveEksEndpoint(account, target.name, aws.describeCluster);
        server = endpoint.url;
        caData ??= endpoint.caData;
      }
      break;
    }
  }
  if (!server) throw new TargetConfigurationError(`target "${target.name}" has no API server url`);
  const cluster: Cluster = { name: CLUSTER_NAME, server, skipTLSVerify: target.skipTlsVerify === true, ...(caData ? { caData } : {}) };
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: CONTEXT_NAME, cluster: CLUSTER_NAME, user: USER_NAME, ...(target.namespace ? { namespace: target.namespace } : {}) }],
    currentContext: CONTEXT_NAME,
  });
  const tokens = eksTokens;
  const errors: ErrorContext = {
    target: target.name,
    accountKind: account.kind,
    url: server,
    // A getter, so tokens and role keys minted later are redacted too.
    get secrets() {
      return [...secrets, ...(tokens?.secrets() ?? [])];
    },
  };
  return { kubeConfig: kc, errors };
}
