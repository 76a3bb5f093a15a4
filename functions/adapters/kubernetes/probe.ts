/**
 * The ClusterProbe over @kubernetes/client-node: the same client configuration the deploy
 * engine uses (buildKubeConfig: TLS verified unless the target says otherwise, credentials in
 * memory only), then a few short requests within one deadline:
 *
 * 1. `GET /version` — reachable? authenticated? which server;
 * 2. a SelfSubjectReview — who the cluster says the account is (optional: older clusters lack it);
 * 3. one SelfSubjectAccessReview per question, in parallel, in the target's namespace.
 *
 * Failures become the report's `reason`, taken from the domain error the shared mapping made
 * (errors.ts: server text redacted, no client exception kept) and redacted again with the
 * account's secrets. Retries are few: a health check should answer within seconds, and a
 * refused connection is the answer, not a reason to keep trying for the engine's 40 s.
 */
import { HttpMethod } from '@kubernetes/client-node';
import { Deadline } from '#domain/deadline.ts';
import { DeadlineExceededError, DeployError } from '#domain/errors.ts';
import { accountSecretValues, type Target } from '#domain/model.ts';
import { type ClusterProbe, type PermissionAnswer, type PermissionQuestion, type ProbeReport, type ProbeRequest, qualifiedResource } from '#domain/pipeline/cluster-probe.ts';
import { type ErrorContext, KubernetesApiFailure, type Operation, redact, toDomainError } from './errors.ts';
import { type AwsDeps, buildKubeConfig, type TargetConnection } from './kubeconfig.ts';
import { type RetryPolicy, withRetry } from './retry.ts';
import { ManifestApi } from './transport.ts';

/** Two attempts close together: enough for a dropped keep-alive connection, short enough for a person waiting. */
export const PROBE_RETRY: RetryPolicy = { attempts: 2, baseDelayMs: 200, maxDelayMs: 500, maxRetryAfterMs: 1_000 };

const VERSION_PATH = '/version';
const SELF_SUBJECT_REVIEW_PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';
const ACCESS_REVIEW_PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
const UNAUTHORIZED = 401;
/** Cause-chain depth followed to find whether the server answered. */
const MAX_CAUSE_DEPTH = 6;

type Connection = TargetConnection;

/** Whether the API server itself answered (a status from the server somewhere in the cause chain). */
function serverAnswered(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < MAX_CAUSE_DEPTH; depth++) {
    if (current instanceof KubernetesApiFailure && current.status !== undefined) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The status the server answered with, if it did. */
function serverStatus(error: unknown): number | undefined {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < MAX_CAUSE_DEPTH; depth++) {
    if (current instanceof KubernetesApiFailure && current.status !== undefined) return current.status;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Rejects once the deadline passes: for work the transport's timeouts do not cover (DescribeCluster). */
function withinDeadline<T>(work: Promise<T>, deadline: Deadline, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(`${what} did not finish within ${deadline.describe()}`)), deadline.remainingMs());
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

export class KubernetesClusterProbe implements ClusterProbe {
  /** @param aws AssumeRole, DescribeCluster and default credentials for EKS accounts (aws.ts), built once by the caller. */
  constructor(private readonly aws: AwsDeps = {}) {}

  async probe(target: Target, request: ProbeRequest): Promise<ProbeReport> {
    const deadline = Deadline.after(request.timeoutMs);
    const secrets = accountSecretValues(target.account);
    let connection: Connection;
    try {
      connection = await withinDeadline(buildKubeConfig(target, this.aws), deadline, `connecting to target "${target.name}"`);
    } catch (error) {
      const context: ErrorContext = { target: target.name, accountKind: target.account.kind, secrets };
      return { reachable: false, authenticated: false, permissions: [], reason: this.reason(error, context, { verb: 'connect' }) };
    }
    try {
      return await this.ask(connection, request, deadline);
    } finally {
      await connection.kubeConfig.close();
    }
  }

  private async ask(connection: Connection, request: ProbeRequest, deadline: Deadline): Promise<ProbeReport> {
    const api = ManifestApi.forConfig(connection.kubeConfig, () => Math.max(1, deadline.remainingMs()));
    const call = <T>(op: Operation, run: () => Promise<T>): Promise<T> =>
      withRetry(
        async () => {
          if (deadline.expired) throw new DeadlineExceededError(`target "${connection.errors.target}": ${op.verb} not started: the check's ${deadline.describe()} have passed`);
          try {
            return await run();
          } catch (error) {
            throw toDomainError(error, connection.errors, op);
          }
        },
        PROBE_RETRY,
        { deadline },
      );

    let serverVersion: string | undefined;
    try {
      const version = await call({ verb: 'get version' }, () => api.requestJson<{ gitVersion?: unknown }>(HttpMethod.GET, VERSION_PATH));
      if (typeof version.gitVersion === 'string') serverVersion = version.gitVersion;
    } catch (error) {
      const reason = this.reason(error, connection.errors, { verb: 'get version' });
      if (!serverAnswered(error)) return { reachable: false, authenticated: false, permissions: [], reason };
      // Any other answer (403 on /version, a 5xx) still means the credentials got through.
      if (serverStatus(error) === UNAUTHORIZED) return { reachable: true, authenticated: false, permissions: [], reason };
    }

    const authenticatedAs = await this.whoAmI(api, call);
    const answers = await Promise.allSettled(request.questions.map((question) => this.review(api, call, question, request.namespace)));
    const permissions = answers.flatMap((answer) => (answer.status === 'fulfilled' ? [answer.value] : []));
    const failed = answers.find((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
    const unanswered = answers.length - permissions.length;
    return {
      reachable: true,
      authenticated: true,
      ...(serverVersion ? { serverVersion } : {}),
      ...(authenticatedAs ? { authenticatedAs } : {}),
      permissions,
      ...(failed ? { reason: `${unanswered} of ${answers.length} permission checks could not be made: ${this.reason(failed.reason, connection.errors, { verb: 'review access' })}` } : {}),
    };
  }

  /** The user name the cluster sees, or undefined when it does not serve SelfSubjectReview (or refuses it). */
  private async whoAmI(api: ManifestApi, call: <T>(op: Operation, run: () => Promise<T>) => Promise<T>): Promise<string | undefined> {
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
    try {
      const answer = await call({ verb: 'review self' }, () => api.requestJson<{ status?: { userInfo?: { username?: unknown } } }>(HttpMethod.POST, SELF_SUBJECT_REVIEW_PATH, {}, review));
      const username = answer.status?.userInfo?.username;
      return typeof username === 'string' && username ? username : undefined;
    } catch {
      return undefined;
    }
  }

  private async review(api: ManifestApi, call: <T>(op: Operation, run: () => Promise<T>) => Promise<T>, question: PermissionQuestion, namespace: string | undefined): Promise<PermissionAnswer> {
    const attributes = { verb: question.verb, resource: question.resource, ...(question.group ? { group: question.group } : {}), ...(namespace ? { namespace } : {}) };
    const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } };
    const answer = await call({ verb: 'review access' }, () => api.requestJson<{ status?: { allowed?: unknown } }>(HttpMethod.POST, ACCESS_REVIEW_PATH, {}, body));
    return { verb: question.verb, resource: qualifiedResource(question), allowed: answer.status?.allowed === true };
  }

  /** A failure as a person reads it, with no secret of the account in it. */
  private reason(error: unknown, context: ErrorContext, op: Operation): string {
    const mapped = error instanceof DeployError ? error : toDomainError(error, context, op);
    return redact(mapped.message, context.secrets);
  }
}
