/**
 * The engine's `ClusterClient` for one target, over @kubernetes/client-node. Every failure
 * leaves as a domain error (errors.ts); every request — reads and writes alike — is retried
 * on transient faults (retry.ts) within the step's deadline, and no request outlives it;
 * one connection pool serves all calls, so the engine can apply many objects in parallel.
 */
import { HttpMethod, type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Deadline } from '#domain/deadline.ts';
import { ClusterAccessError, DeadlineExceededError, type DeployError } from '#domain/errors.ts';
import type { Manifest, ObjectRef, Target } from '#domain/model.ts';
import type { ApplyOptions, ClusterClient, Subscription } from '#domain/ports.ts';
import { refOf } from '#domain/rollout/status.ts';
import { type ErrorContext, httpFailure, KindNotServedError, type Operation, toDomainError } from './errors.ts';
import { type AwsDeps, buildKubeConfig, ConveyorKubeConfig, type TargetConnection } from './kubeconfig.ts';
import { DEFAULT_RETRY, type RetryPolicy, realSleep, type Sleep, withRetry } from './retry.ts';
import { ManifestApi } from './transport.ts';
import { DEFAULT_WATCH_TIMINGS, ObjectWatcher, type WatchBackend, type WatchTimings } from './watch.ts';

export type KubernetesClusterOptions = {
  /** Per-request timeout (watches excepted), shortened to what is left before the deadline. Default 30 s. */
  requestTimeoutMs?: number;
  /** Retries of every request (DEFAULT_RETRY). */
  retry?: RetryPolicy;
  /** When the caller's step must be over: no request starts after it, none runs past it. */
  deadline?: Deadline;
  /** Fallback polling and re-watch timings. */
  watch?: Partial<WatchTimings>;
  /** Injected for tests. */
  sleep?: Sleep;
};

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const NOT_FOUND = 404;
const CONFLICT = 409;
const SSAR_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

export class KubernetesCluster implements ClusterClient {
  private readonly api: ManifestApi;
  private readonly kubeConfig: KubeConfig;
  private readonly errors: ErrorContext;
  private readonly retry: RetryPolicy;
  private readonly deadline: Deadline | undefined;
  private readonly sleep: Sleep;
  private readonly watchTimings: WatchTimings;
  private readonly watchers = new Set<ObjectWatcher>();

  /** From a connection built by buildKubeConfig (or by hand, for tests). Create one per target and reuse it. */
  constructor(connection: TargetConnection | { kubeConfig: KubeConfig; errors: ErrorContext }, options: KubernetesClusterOptions = {}) {
    this.kubeConfig = connection.kubeConfig;
    this.errors = connection.errors;
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const deadline = options.deadline;
    // At least 1 ms: 0 would mean "no timeout" to the transport.
    this.api = ManifestApi.forConfig(this.kubeConfig, () => (deadline ? Math.max(1, Math.min(requestTimeoutMs, deadline.remainingMs())) : requestTimeoutMs));
    this.deadline = deadline;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.sleep = options.sleep ?? realSleep;
    this.watchTimings = { ...DEFAULT_WATCH_TIMINGS, ...options.watch };
  }

  /** Builds the configuration for `target` (DescribeCluster for EKS targets without url) and the client. */
  static async connect(target: Target, aws: AwsDeps = {}, options: KubernetesClusterOptions = {}): Promise<KubernetesCluster> {
    return new KubernetesCluster(await buildKubeConfig(target, aws), options);
  }

  async apply(object: Manifest, options: ApplyOptions): Promise<Manifest> {
    return this.request({ verb: 'apply', ref: refOf(object) }, () => this.api.apply(object, options));
  }

  async get(ref: ObjectRef): Promise<Manifest | undefined> {
    return this.request({ verb: 'get', ref }, async () => {
      try {
        return await this.api.readObject(ref);
      } catch (error) {
        if (error instanceof KindNotServedError || httpFailure(error)?.status === NOT_FOUND) return undefined;
        throw error;
      }
    });
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined, labelSelector?: string): Promise<Manifest[]> {
    const ref = { apiVersion, kind, name: '*', ...(namespace ? { namespace } : {}) };
    return this.request({ verb: 'list', ref }, async () => {
      try {
        return (await this.api.listObjects(apiVersion, kind, namespace, labelSelector ? { labelSelector } : {})).items;
      } catch (error) {
        if (error instanceof KindNotServedError) return [];
        throw error;
      }
    });
  }

  /** One list with a field selector on involvedObject, which kube-apiserver indexes for Events. */
  async events(about: ObjectRef): Promise<Manifest[]> {
    const namespace = about.namespace;
    const ref = { apiVersion: 'v1', kind: 'Event', name: '*', ...(namespace ? { namespace } : {}) };
    const fieldSelector = `involvedObject.name=${about.name},involvedObject.kind=${about.kind}`;
    return this.request({ verb: 'list', ref }, async () => (await this.api.listObjects('v1', 'Event', namespace, { fieldSelector })).items);
  }

  /** Background propagation; an object (or kind) that is already gone counts as deleted. */
  async delete(ref: ObjectRef): Promise<void> {
    return this.request({ verb: 'delete', ref }, async () => {
      try {
        await this.api.deleteObject(ref);
      } catch (error) {
        if (error instanceof KindNotServedError || httpFailure(error)?.status === NOT_FOUND) return;
        throw error;
      }
    });
  }

  async scopeOf(apiVersion: string, kind: string): Promise<'Namespaced' | 'Cluster' | undefined> {
    const resource = await this.request({ verb: 'discover', ref: { apiVersion, kind, name: '*' } }, () => this.api.discovery.find(apiVersion, kind));
    return resource ? (resource.namespaced ? 'Namespaced' : 'Cluster') : undefined;
  }

  /**
   * 'exists' when the namespace can be read, or creating it says it exists; 'created' when we
   * created it. A namespace-confined account may neither read nor create namespaces: then it is
   * taken to exist if a SelfSubjectAccessReview says the account may list pods in it — a
   * namespaced grant comes from a RoleBinding, which can only live in an existing namespace (and
   * every deployer needs pod reads for rollout checks). Otherwise the create's 403 is thrown.
   */
  async ensureNamespace(name: string): Promise<'created' | 'exists'> {
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name };
    let getForbidden = false;
    try {
      if (await this.get(ref)) return 'exists';
    } catch (error) {
      if (!(error instanceof ClusterAccessError && error.status === 403)) throw error;
      getForbidden = true;
    }
    try {
      // A retried create that finds the namespace (409) was either ours or someone else's: it exists.
      return await this.request({ verb: 'create', ref }, async () => {
        try {
          await this.api.requestJson(HttpMethod.POST, '/api/v1/namespaces', {}, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
          return 'created' as const;
        } catch (error) {
          if (httpFailure(error)?.status === CONFLICT) return 'exists' as const;
          throw error;
        }
      });
    } catch (error) {
      if (getForbidden && error instanceof ClusterAccessError && error.status === 403 && (await this.mayListPodsIn(name))) return 'exists';
      throw error;
    }
  }

  watch(refs: ObjectRef[], onChange: (object: Manifest) => void, onError?: (error: Error) => void): Subscription {
    const backend: WatchBackend = {
      list: (apiVersion, kind, namespace, selectors) => this.api.listObjects(apiVersion, kind, namespace, selectors),
      collectionPath: (apiVersion, kind, namespace) => this.api.collectionPath(apiVersion, kind, namespace),
      openWatch: (path, query, onEvent, done) => new Watch(this.kubeConfig).watch(path, query, onEvent, done),
      toError: (error, op) => this.toError(error, op),
    };
    const watcher = new ObjectWatcher(refs, backend, this.watchTimings, onChange, onError);
    this.watchers.add(watcher);
    return {
      stop: () => {
        watcher.stop();
        this.watchers.delete(watcher);
      },
    };
  }

  /** Stops every watch and closes pooled connections. Call once when the target's work is done. */
  async close(): Promise<void> {
    for (const watcher of this.watchers) watcher.stop();
    this.watchers.clear();
    if (this.kubeConfig instanceof ConveyorKubeConfig) await this.kubeConfig.close();
  }

  private async mayListPodsIn(namespace: string): Promise<boolean> {
    const review = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace, verb: 'list', resource: 'pods' } } };
    const answer = await this.request({ verb: 'create', ref: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', name: '' } }, () =>
      this.api.requestJson<{ status?: { allowed?: boolean } }>(HttpMethod.POST, SSAR_PATH, {}, review),
    );
    return answer.status?.allowed === true;
  }

  private toError(error: unknown, op: Operation): DeployError {
    return toDomainError(error, this.errors, op);
  }

  /** One request with its retries; every failure mapped to a domain error. */
  private request<T>(op: Operation, run: () => Promise<T>): Promise<T> {
    return withRetry(() => this.attempt(op, run), this.retry, { sleep: this.sleep, deadline: this.deadline });
  }

  private async attempt<T>(op: Operation, run: () => Promise<T>): Promise<T> {
    if (this.deadline?.expired) {
      const what = `${op.verb}${op.ref ? ` ${op.ref.kind} ${op.ref.namespace ? `${op.ref.namespace}/` : ''}${op.ref.name}` : ''}`;
      throw new DeadlineExceededError(`target "${this.errors.target}": ${what} not started: the deadline of ${this.deadline.describe()} has passed`);
    }
    try {
      return await run();
    } catch (error) {
      throw this.toError(error, op);
    }
  }
}
