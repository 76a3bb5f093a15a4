/**
 * The request pipeline, in kube-apiserver's order: faults (for reliability tests),
 * authentication, request info, authorization, then either a non-resource path
 * (health, version, discovery, OpenAPI, the sandbox admin endpoint) or a resource verb.
 * Every error becomes a Status response here and nowhere else, and every answer to a
 * write waits here until the store's changes are durable.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, forbidden, pathNotFound, unauthorized } from '../errors.ts';
import { checkFaultRules, type FaultInjector, FaultSpecError } from '../faults.ts';
import type { RequestAttributes, UserInfo } from '../types.ts';
import { decodeBody, readBody } from './body.ts';
import { connectAction, refuseConnect } from './connect.ts';
import { impersonate } from './impersonation.ts';
import { isPodLogs, type PodLogsDeps, servePodLogs } from './pod-logs.ts';
import type { AuthPort, DurabilityPort, RegistryPort } from './ports.ts';
import { type RequestInfo, resolveRequestInfo } from './request-info.ts';
import { logRequest, logServerError, type RequestTrace, type SandboxLogger, startTrace } from './request-log.ts';
import { isDryRun, type ResourceHandlers } from './resources.ts';
import { sendError, sendJson } from './respond.ts';

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);
/** Runtime control of the sandbox itself; only cluster admins (system:masters) may use it. */
export const FAULTS_PATH = '/sandbox/faults';
const ANONYMOUS: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
/** Verbs whose success may have changed the store (subresources and virtual resources included). */
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export type PipelineDeps = {
  registry: RegistryPort;
  auth: AuthPort;
  faults: FaultInjector;
  resources: ResourceHandlers;
  /** With --data; without it nothing waits. */
  durability?: DurabilityPort;
  log: (message: string) => void;
  /** The request log and 5xx errors (request-log.ts); without it, 5xx stacks go to `log`. */
  logger?: SandboxLogger;
  /** Serves pods/log from the simulated containers' output, and finds the pod a refused exec names. */
  podLogs?: PodLogsDeps;
};

export function createRequestHandler(deps: PipelineDeps) {
  const { logger } = deps;
  // The request log costs a listener per request, so only when its level is on.
  const requestLog = logger?.enabled('info') ? logger : undefined;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const trace = startTrace();
    if (requestLog) res.once('close', () => logRequest(requestLog, req, res, trace));
    handle(deps, req, res, trace).catch((error) => {
      const status = error instanceof ApiError ? error.code : 500;
      if (status >= 500 && logger) logServerError(logger, req, trace, error, status);
      sendError(res, error, logger ? undefined : deps.log);
    });
  };
}

async function handle(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, trace: RequestTrace): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://sandbox');
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const query = url.searchParams;
  const info = resolveRequestInfo(req.method ?? 'GET', path, query);

  if (path !== FAULTS_PATH) {
    const fault = deps.faults.decide(info.verb, req.method ?? 'GET', path);
    if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault.drop) {
      req.socket.destroy();
      return;
    }
    if (fault.status) {
      const reason = fault.status === 429 ? 'TooManyRequests' : fault.status === 503 ? 'ServiceUnavailable' : 'InternalError';
      const message = fault.status === 429 ? 'Too many requests, please try again later.' : 'injected fault';
      trace.injected = true;
      throw new ApiError(fault.status, reason, message, fault.retryAfterSeconds ? { retryAfterSeconds: fault.retryAfterSeconds } : undefined);
    }
  }

  const authn = await deps.auth.authenticate(req);
  if ('unauthorized' in authn) throw unauthorized();
  trace.user = (authn.user ?? ANONYMOUS).username;
  const user = impersonate(req, authn.user ?? ANONYMOUS, deps.auth);
  if (user.username !== trace.user) trace.impersonated = user.username;

  if (!info.resourceRequest) return nonResource(deps, req, res, info, user, path, query);

  const rt = deps.registry.find(info.apiGroup, info.apiVersion, info.resource!);
  const attrs: RequestAttributes = {
    user,
    verb: info.verb,
    resourceRequest: true,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
  };
  const decision = deps.auth.authorize(attrs);
  if (!decision.allowed) throw forbidden(deps.auth.forbiddenMessage(attrs), { name: info.name, group: info.apiGroup, kind: info.resource });
  if (!rt) throw pathNotFound();
  // The pod subresources that need a running container: logs are simulated, the rest refused.
  if (deps.podLogs && info.name && isPodLogs(rt, info.subresource)) return servePodLogs(deps.podLogs, req, res, rt, info.namespace, info.name, query);
  const connect = info.name ? connectAction(rt, info.subresource) : undefined;
  if (connect) throw refuseConnect(deps.podLogs?.cluster, rt, info.namespace, info.name!, connect, query);
  const reply = await deps.resources.handle({ req, res, info, rt, user, query });
  // A watch has streamed its own response.
  if (!reply) return;
  // As kube-apiserver answers only after etcd commits: a 2xx to a write promises that the
  // write survives a crash. Waiting for every change so far (controllers' included) covers
  // this request's own changes, however many; reads and dry runs do not wait.
  if (deps.durability && WRITE_VERBS.has(info.verb) && !isDryRun(query)) await deps.durability.synced();
  sendJson(res, reply.code, reply.body, reply.headers);
}

async function nonResource(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, info: RequestInfo, user: UserInfo, path: string, query: URLSearchParams): Promise<void> {
  const attrs: RequestAttributes = { user, verb: info.verb, resourceRequest: false, path };
  if (!deps.auth.authorize(attrs).allowed) throw forbidden(deps.auth.forbiddenMessage(attrs));

  if (path === FAULTS_PATH) return faultsEndpoint(deps, req, res);
  if (HEALTH_PATHS.has(path) || [...HEALTH_PATHS].some((p) => path.startsWith(`${p}/`))) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw pathNotFound();
  const document = deps.registry.document(path, query, req.headers.accept);
  if (!document) throw pathNotFound();
  const headers = { ...(document.headers ?? {}), ...(document.contentType ? { 'Content-Type': document.contentType } : {}) };
  if (typeof document.body === 'string' || Buffer.isBuffer(document.body)) {
    res.writeHead(200, { 'Content-Type': 'application/json', ...headers, 'Content-Length': Buffer.byteLength(document.body) });
    res.end(req.method === 'HEAD' ? undefined : document.body);
    return;
  }
  sendJson(res, 200, document.body, headers);
}

async function faultsEndpoint(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'PUT' || req.method === 'POST') {
    const body = decodeBody(await readBody(req), req.headers['content-type'] ?? 'application/json') as { rules?: unknown };
    try {
      deps.faults.set(checkFaultRules(body?.rules ?? []));
    } catch (error) {
      if (error instanceof FaultSpecError) throw new ApiError(400, 'BadRequest', error.message);
      throw error;
    }
  } else if (req.method === 'DELETE') {
    deps.faults.set([]);
  }
  sendJson(res, 200, { rules: deps.faults.get() });
}
