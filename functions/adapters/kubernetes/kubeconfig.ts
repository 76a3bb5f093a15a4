/**
 * Builds the @kubernetes/client-node configuration for one target, in memory only: credentials
 * are resolved at run time and must never touch a file. TLS verification is on unless the
 * target explicitly says `skipTlsVerify`; the target's CA bundle replaces the system roots.
 *
 * The target is checked first (API server URL, PEM of CA, certificate and key, key matching
 * certificate): otherwise these mistakes surface only at the first request, as a TLS or
 * connection failure ("cannot reach") that points at the network instead of the target.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { type Cluster, KubeConfig, type RequestContext, type User } from '@kubernetes/client-node';
import { accountSecretValues, type Target } from '#domain/model.ts';
import { type AssumeRole, type CredentialsProvider, type DescribeCluster, EksTokenSource, resolveEksEndpoint } from './eks.ts';
import { type ErrorContext, TargetConfigurationError } from './errors.ts';

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

type Dispatcher = { close(): Promise<void>; destroy(): Promise<void> };

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
    // destroy, not close: close would wait for a connection still opening to a server that
    // never answers (undici's own connect timeout), keeping a finished step alive past its deadline.
    await pool?.destroy().catch(() => {});
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
  const secrets = accountSecretValues(account);
  let eksTokens: EksTokenSource | undefined;
  switch (account.kind) {
    case 'token':
      user = { name: USER_NAME, token: account.token };
      break;
    case 'basic':
      user = { name: USER_NAME, username: account.username, password: account.password };
      break;
    case 'certificate':
      user = { name: USER_NAME, certData: base64(account.certPem), keyData: base64(account.keyPem) };
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
  checkTarget(target, server);
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

/** The URL schemes client-node can talk to an API server with. */
const SERVER_PROTOCOLS = new Set(['https:', 'http:']);
/** What every API server URL starts with; without it "localhost:6443" would parse as scheme "localhost". */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A URL in a message is cut here: it is quoted for the reader, not stored. */
const MAX_SHOWN_URL = 200;
const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BEGIN = /-----BEGIN ([A-Z]+ )*PRIVATE KEY-----/;
/** PKCS#8 encrypted, or OpenSSL's legacy encrypted PEM (a Proc-Type header). */
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

/**
 * A URL as messages may show it: everything between the scheme and the last '@' (user
 * information, which may hold a password, even one with '/' or '#' in it) becomes ***, and the
 * text is quoted so blanks stay visible.
 */
export function showUrl(url: string): string {
  const safe = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[\s\S]*@/i, '$1***@');
  return JSON.stringify(safe.length > MAX_SHOWN_URL ? `${safe.slice(0, MAX_SHOWN_URL)}…` : safe);
}

/**
 * Throws TargetConfigurationError for a target that cannot work as configured. Messages name
 * the target and what is wrong, never the key or a password.
 */
export function checkTarget(target: Target, server: string): void {
  const fail = (message: string) => new TargetConfigurationError(`target "${target.name}": ${message}`);
  checkServerUrl(server, fail);
  if (target.caPem !== undefined) certificates(target.caPem, 'the CA bundle', fail);
  if (target.account.kind === 'certificate') {
    const [certificate] = certificates(target.account.certPem, 'the client certificate', fail);
    const key = privateKey(target.account.keyPem, fail);
    if (!certificate!.checkPrivateKey(key)) {
      throw fail(`the client key does not match the client certificate (subject ${certificate!.subject.replaceAll('\n', ', ')}): they must be a pair`);
    }
  }
}

type Fail = (message: string) => TargetConfigurationError;

function checkServerUrl(server: string, fail: Fail): void {
  // User information in the URL would be sent to every proxy and printed in every message.
  // Checked on the text, before parsing: a password holding '/' or '#' makes the URL unparsable.
  if (SCHEME.test(server) && server.replace(SCHEME, '').includes('@')) {
    throw fail(`the API server URL ${showUrl(server)} carries credentials, which are refused: put them in the target's account`);
  }
  let url: URL;
  try {
    if (!SCHEME.test(server)) throw new TypeError('no scheme');
    url = new URL(server);
  } catch {
    throw fail(`the API server URL ${showUrl(server)} is not a URL (expected https://HOST[:PORT])`);
  }
  if (!SERVER_PROTOCOLS.has(url.protocol)) throw fail(`the API server URL ${showUrl(server)} must use https (or http), not "${url.protocol.replace(/:$/, '')}"`);
  if (!url.hostname) throw fail(`the API server URL ${showUrl(server)} has no host`);
}

/** Every certificate of a PEM bundle, parsed; at least one. */
function certificates(pem: string, what: string, fail: Fail): X509Certificate[] {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw fail(`${what} is not PEM: it holds no "-----BEGIN CERTIFICATE-----" block`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw fail(`${what} holds a PEM block that is not a valid certificate (certificate ${i + 1} of ${blocks.length})`);
    }
  });
}

/** The client key, parsed; messages never quote it (nor OpenSSL's text, which could). */
function privateKey(pem: string, fail: Fail): KeyObject {
  if (!PRIVATE_KEY_BEGIN.test(pem)) throw fail('the client key is not PEM: it holds no "-----BEGIN ... PRIVATE KEY-----" block');
  // Node asks for no passphrase and fails with an OpenSSL code that varies by version.
  if (ENCRYPTED_KEY.test(pem)) throw fail('the client key is encrypted with a passphrase; conveyor needs it unencrypted');
  try {
    return createPrivateKey(pem);
  } catch {
    throw fail('the client key is not a valid private key (PEM block present, content unreadable)');
  }
}
