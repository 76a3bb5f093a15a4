/**
 * Assembles and starts the sandbox cluster: store (optionally persisted), schema registry,
 * PKI and credentials, authentication and RBAC, the HTTPS API, and the simulated controllers.
 */

import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../files.ts';
import { StoreAccess } from './adapters/access.ts';
import { RegistryDocuments } from './adapters/registry-port.ts';
import { VirtualResources } from './adapters/virtual.ts';
import { SchemaWrites } from './adapters/writes.ts';
import { Authenticator } from './auth/authenticator.ts';
import { BasicUsers } from './auth/basic.ts';
import type { EksAuthConfig } from './auth/eks.ts';
import { loadOrCreatePki } from './auth/pki.ts';
import { bootstrapRbac } from './auth/rbac.ts';
import { ServiceAccountTokenIssuer, type ServiceAccountTokenLookups } from './auth/tokens.ts';
import { Cluster } from './cluster.ts';
import { ContainerLogs } from './controllers/container-logs.ts';
import { startControllers, type Timings } from './controllers/index.ts';
import { assignServiceAddresses } from './controllers/service-addresses.ts';
import { admitPersistentVolumeClaim } from './controllers/storage.ts';
import { ADMIN_USER, BASIC_USER, CERT_USER, CERT_USER_GROUP, EKS_CLUSTER_NAME, EKS_REGION, loadOrCreateCredentials, type SandboxCredentials } from './credentials.ts';
import { FaultInjector, type FaultRule } from './faults.ts';
import { createRequestHandler } from './http/handler.ts';
import { DEFAULT_LOG_LEVEL, type LogLevel, openLogSink, SandboxLogger } from './http/request-log.ts';
import { ResourceHandlers } from './http/resources.ts';
import { buildKubeconfig } from './kubeconfig.ts';
import { generateJobSelector } from './openapi/defaults.ts';
import { ResourceRegistry } from './openapi/registry.ts';
import { Persistence } from './persistence.ts';
import { ObjectStore } from './store.ts';
import type { KubeObject, ResourceType } from './types.ts';

export type SandboxOptions = {
  /** Port to listen on; 0 picks a free one (tests). Default 6443. */
  port?: number;
  host?: string;
  /**
   * Keep state, PKI and credentials here across restarts; in memory when absent. With it, a
   * write is answered only once it is on disk (see persistence.ts).
   */
  dataDir?: string;
  /** Where to write the kubeconfig, if anywhere. */
  kubeconfigPath?: string;
  faults?: FaultRule[];
  /** Controller timings (pod start, readiness, load balancer delay, ...). */
  timings?: Partial<Timings>;
  /**
   * The controllers' wall clock in ms (Date.now by default). Tests set one ahead of the real
   * clock to see time-driven controllers act at once, e.g. a CronJob's schedule come round.
   */
  controllerClock?: () => number;
  /** Replaces the default EKS authenticator configuration (cluster name, keys, access entries). */
  eks?: Omit<EksAuthConfig, 'clock'>;
  /**
   * Operational messages (failed authentications, controller sync failures); by default
   * they go to the sandbox log at `warn`.
   */
  log?: (message: string) => void;
  /**
   * What the sandbox log records (http/request-log.ts): `error` (5xx with stacks, the
   * default), `warn`, `info` (plus a line per request) or `debug`. It is written to
   * `sandbox.log` in `dataDir`, or to stderr without one.
   */
  logLevel?: LogLevel;
};

export type SandboxHandle = {
  url: string;
  port: number;
  caPem: string;
  kubeconfig: string;
  credentials: SandboxCredentials;
  eks: Omit<EksAuthConfig, 'clock'> & { region: string };
  cluster: Cluster;
  registry: ResourceRegistry;
  faults: FaultInjector;
  /** Resolves when the controllers have nothing queued (for tests). */
  settle(): Promise<void>;
  /** Open client connections (TCP), for tests that check clients close what they open. */
  connections(): number;
  close(): Promise<void>;
};

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const logger = new SandboxLogger(options.logLevel ?? DEFAULT_LOG_LEVEL, openLogSink(options.dataDir));
  const log = options.log ?? ((message: string) => logger.warn(message));
  const store = new ObjectStore();
  // Opened before anything writes: bootstrap and controller writes are journaled too.
  const persistence = options.dataDir ? await openPersistence(options.dataDir, store, log, logger) : undefined;

  const registry = new ResourceRegistry();
  const find = (group: string, kind: string): ResourceType => {
    const rt = registry.byKind(kind, group);
    if (!rt) throw new Error(`sandbox: no resource for ${group}/${kind}`);
    return rt;
  };
  for (const crd of store.list('apiextensions.k8s.io/customresourcedefinitions')) registerCrd(registry, crd, log);

  const pki = loadOrCreatePki(options.dataDir);
  const credentials = loadOrCreateCredentials(pki.ca, options.dataDir);
  const issuer = new ServiceAccountTokenIssuer({ signingKeyPem: pki.serviceAccountKey.privateKeyPem });
  const lookups: ServiceAccountTokenLookups = {
    serviceAccount: (ns, name) => store.get('/serviceaccounts', ns, name),
    secret: (ns, name) => store.get('/secrets', ns, name),
    object: (kind, ns, name) => (kind === 'Pod' ? store.get('/pods', ns, name) : kind === 'Secret' ? store.get('/secrets', ns, name) : store.get('/nodes', undefined, name)),
  };
  const eks = options.eks ?? defaultEksConfig(credentials);
  const authenticator = new Authenticator({
    staticTokens: { [credentials.adminToken]: { username: ADMIN_USER, uid: ADMIN_USER, groups: ['system:masters'] } },
    serviceAccounts: { issuer, lookups },
    basicUsers: new BasicUsers([{ username: BASIC_USER, password: credentials.basicPassword, groups: [] }]),
    eks,
    onFailure: (method, reason) => log(`authentication failed (${method}): ${reason}`),
  });

  const writes = new SchemaWrites(registry);
  const isService = (rt: ResourceType) => rt.kind === 'Service' && rt.group === '';
  const services = () => store.list('/services');
  const cluster = new Cluster(store, {
    prepareCreate: (rt, object) => {
      if (rt.kind === 'Job' && rt.group === 'batch' && !object.spec?.manualSelector) Object.assign(object, generateJobSelector(object, object.metadata.uid!));
      if (rt.kind === 'PersistentVolumeClaim' && rt.group === '') admitPersistentVolumeClaim(store, object);
      if (isService(rt)) assignServiceAddresses(object, undefined, services);
    },
    prepareUpdate: (rt, old, next) => {
      if (isService(rt)) assignServiceAddresses(next, old, services);
    },
    managedFields: (rt, old, next, manager, subresource) => writes.managedFields(rt, old, next, manager, subresource),
    isCustom: (rt) => registry.isCustom(rt),
  });
  if (!persistence || store.count() === 0) bootstrap(cluster, find);

  const containerLogs = new ContainerLogs();
  const controllers = startControllers({
    cluster,
    containerLogs,
    resourceFor: find,
    timings: options.timings,
    ...(options.controllerClock ? { now: options.controllerClock } : {}),
    caCertPem: pki.ca.certPem,
    log,
    issueLegacyToken: (secret, sa) => issuer.issueLegacy({ namespace: sa.metadata.namespace!, name: sa.metadata.name!, uid: sa.metadata.uid! }, secret.metadata.name!),
    onCustomResourceDefinition: (crd, deleted) => {
      if (deleted) {
        registry.removeCustomResource(crd.metadata.name!);
        return undefined;
      }
      return registerCrd(registry, crd, log);
    },
  });

  const access = new StoreAccess(authenticator, store);
  let address = '';
  const documents = new RegistryDocuments(registry, () => address);
  if (!process.env.NOWARM) documents.warm();
  const faults = new FaultInjector(options.faults ?? []);
  const virtual = new VirtualResources({ cluster, issuer, authenticator, rbac: access.source(), serviceAccountType: () => find('', 'ServiceAccount') });
  const handler = createRequestHandler({
    registry: documents,
    auth: access,
    faults,
    resources: new ResourceHandlers(cluster, writes, virtual),
    durability: persistence,
    log,
    logger,
    podLogs: { cluster, logs: containerLogs },
  });

  const server: Server = createServer({ key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 120_000 }, handler);
  // Every TCP socket, including ones still in the TLS handshake, which closeAllConnections()
  // does not know about: close() must not wait for a client that never finishes.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 6443, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    controllers.stop();
    await persistence?.close();
    await logger.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  address = `${host}:${port}`;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kubeconfig = buildKubeconfig(url, pki.ca.certPem, {
    adminToken: credentials.adminToken,
    certUser: { name: CERT_USER, certPem: credentials.certUser.certPem, keyPem: credentials.certUser.keyPem },
    basicUser: { username: BASIC_USER, password: credentials.basicPassword },
  });
  if (options.kubeconfigPath) {
    mkdirSync(dirname(options.kubeconfigPath), { recursive: true });
    writeFileAtomic(options.kubeconfigPath, kubeconfig, 0o600);
  }
  let closed = false;
  return {
    url,
    port,
    caPem: pki.ca.certPem,
    kubeconfig,
    credentials,
    eks: { ...eks, region: EKS_REGION },
    cluster,
    registry,
    faults,
    settle: () => controllers.settle(),
    connections: () => sockets.size,
    async close() {
      if (closed) return;
      closed = true;
      controllers.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      await persistence?.close();
      await logger.close();
    },
  };
}

/** Persistence.open, closing the sandbox log when the data directory cannot be opened. */
async function openPersistence(dataDir: string, store: ObjectStore, log: (message: string) => void, logger: SandboxLogger): Promise<Persistence> {
  try {
    return await Persistence.open(dataDir, store, { log });
  } catch (error) {
    await logger.close();
    throw error;
  }
}

function registerCrd(registry: ResourceRegistry, crd: KubeObject, log: (m: string) => void): string | undefined {
  try {
    registry.addCustomResource(crd as any);
    return undefined;
  } catch (error) {
    log(`CustomResourceDefinition ${crd.metadata.name}: ${(error as Error).message}`);
    return (error as Error).message;
  }
}

function defaultEksConfig(credentials: SandboxCredentials): Omit<EksAuthConfig, 'clock'> {
  const { user, role } = credentials.aws;
  return {
    clusterName: EKS_CLUSTER_NAME,
    accounts: [
      { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey, arn: user.arn },
      { accessKeyId: role.accessKeyId, secretAccessKey: role.secretAccessKey, sessionToken: role.sessionToken, arn: role.arn },
    ],
    accessEntries: [
      { principalArn: user.arn, username: 'sandbox-operator', groups: ['system:masters'] },
      { principalArn: role.roleArn, username: 'conveyor:{{SessionName}}', groups: ['system:masters'] },
    ],
  };
}

/** The objects a fresh cluster has: default RBAC plus bindings for the sandbox's own users. */
function bootstrap(cluster: Cluster, find: (group: string, kind: string) => ResourceType): void {
  const { clusterRoles, clusterRoleBindings } = bootstrapRbac();
  const clusterRole = find(RBAC_GROUP, 'ClusterRole');
  const binding = find(RBAC_GROUP, 'ClusterRoleBinding');
  for (const role of clusterRoles) if (!cluster.tryGet(clusterRole, undefined, role.metadata.name!)) cluster.create(clusterRole, undefined, role);
  const own = [sandboxBinding('sandbox-developers-edit', 'edit', { kind: 'Group', name: CERT_USER_GROUP }), sandboxBinding('sandbox-viewer-view', 'view', { kind: 'User', name: BASIC_USER })];
  for (const b of [...clusterRoleBindings, ...own]) if (!cluster.tryGet(binding, undefined, b.metadata.name!)) cluster.create(binding, undefined, b);
}

function sandboxBinding(name: string, role: string, subject: { kind: string; name: string }): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'sandbox.conveyor.dev/bootstrap': 'true' } },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: RBAC_GROUP, ...subject }],
  };
}
