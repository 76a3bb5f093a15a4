/**
 * The resource verbs over HTTP: get, list, watch, create, update, patch (all four types),
 * delete and deletecollection, including the status and scale subresources.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cluster } from '../cluster.ts';
import { ApiError, badRequest, methodNotAllowed, notFound, unsupportedMediaType } from '../errors.ts';
import { apiVersionOf, type KubeObject, type ResourceType, type UserInfo } from '../types.ts';
import { decodeBody, mediaType, readBody } from './body.ts';
import type { PatchType, VirtualPort, WritePort } from './ports.ts';
import type { RequestInfo } from './request-info.ts';
import { type Reply, reply, warningHeaders } from './respond.ts';
import { listToTable, objectToTable, type PrinterColumn, wantsTable } from './tables.ts';
import { serveWatch } from './watch.ts';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

const SCALE_API_VERSION = 'autoscaling/v1';

/** Continue tokens carry the offset into the sorted list and the list's resourceVersion. */
function encodeContinue(offset: number, rv: string): string {
  return Buffer.from(JSON.stringify({ o: offset, rv })).toString('base64url');
}

function decodeContinue(token: string): { o: number; rv: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed.o === 'number') return parsed;
  } catch {
    // fall through to the error below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

export type ResourceRequest = {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  rt: ResourceType;
  user: UserInfo;
  query: URLSearchParams;
};

export class ResourceHandlers {
  constructor(
    private readonly cluster: Cluster,
    private readonly writes: WritePort,
    private readonly virtual: VirtualPort,
  ) {}

  /** The answer to send, or undefined when the handler streams its own (a watch). */
  async handle(r: ResourceRequest): Promise<Reply | undefined> {
    const { info, rt } = r;
    if (info.subresource && !rt.subresources.includes(info.subresource)) throw notFound(rt.group, `${rt.plural}/${info.subresource}`, info.name ?? '');
    if (this.virtual.handles(rt, info.subresource)) {
      if (info.verb !== 'create') throw methodNotAllowed();
      const body = (await this.readObject(r)) as KubeObject;
      return reply(201, await this.virtual.create(rt, info.namespace, info.name, info.subresource, body, r.user));
    }
    switch (info.verb) {
      case 'get':
        return this.get(r);
      case 'list':
        return this.list(r);
      case 'watch':
        serveWatch(r.req, r.res, this.cluster, { rt, namespace: info.namespace, query: r.query, ...(wantsTable(r.req) ? { present: (o) => objectToTable(rt, o, this.printerColumns(rt)) } : {}) });
        return undefined;
      case 'create':
        return this.create(r);
      case 'update':
        return this.update(r);
      case 'patch':
        return this.patch(r);
      case 'delete':
        return this.delete(r);
      case 'deletecollection':
        return this.deleteCollection(r);
      default:
        throw methodNotAllowed();
    }
  }

  /** For a custom resource, the additionalPrinterColumns of its CRD version (undefined for built-ins). */
  private printerColumns(rt: ResourceType): PrinterColumn[] | undefined {
    if (!rt.group) return undefined;
    const crd = this.cluster.store.get('apiextensions.k8s.io/customresourcedefinitions', undefined, `${rt.plural}.${rt.group}`);
    if (!crd) return undefined;
    const version = (crd.spec?.versions ?? []).find((v: any) => v.name === rt.version);
    return version?.additionalPrinterColumns ?? [];
  }

  private get({ req, info, rt }: ResourceRequest): Reply {
    const object = this.cluster.get(rt, info.namespace, info.name!);
    if (info.subresource === 'scale') return reply(200, scaleOf(object));
    return reply(200, wantsTable(req) ? objectToTable(rt, object, this.printerColumns(rt)) : object);
  }

  private list({ req, info, rt, query }: ResourceRequest): Reply {
    const { items, resourceVersion } = this.cluster.list(rt, info.namespace, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
    });
    const limit = Number(query.get('limit') ?? 0);
    const start = query.get('continue') ? decodeContinue(query.get('continue')!).o : 0;
    const page = limit > 0 ? items.slice(start, start + limit) : items.slice(start);
    const metadata: Record<string, unknown> = { resourceVersion };
    if (limit > 0 && start + limit < items.length) {
      metadata.continue = encodeContinue(start + limit, resourceVersion);
      metadata.remainingItemCount = items.length - start - limit;
    }
    if (wantsTable(req)) return reply(200, listToTable(rt, page, metadata, this.printerColumns(rt)));
    return reply(200, { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata, items: page });
  }

  private async create(r: ResourceRequest): Promise<Reply> {
    const { info, rt, query } = r;
    if (info.name !== undefined && !info.subresource && rt.kind !== 'Namespace') throw methodNotAllowed();
    const body = (await this.readObject(r)) as KubeObject;
    const { object, warnings } = this.writes.validate(rt, body, query.get('fieldValidation') ?? '', undefined);
    const created = this.cluster.create(rt, info.namespace, object, this.writeOptions(query));
    return reply(201, created.object, warningHeaders(warnings));
  }

  private async update(r: ResourceRequest): Promise<Reply> {
    const { info, rt, query } = r;
    const body = (await this.readObject(r)) as KubeObject;
    if (info.subresource === 'scale') return this.writeScale(r, body);
    const old = this.cluster.get(rt, info.namespace, info.name!);
    const validation = info.subresource === 'status' ? 'Ignore' : (query.get('fieldValidation') ?? '');
    const { object, warnings } = this.writes.validate(rt, body, validation, old);
    const updated = this.cluster.update(rt, info.namespace, info.name!, object, { ...this.writeOptions(query), subresource: info.subresource });
    return reply(200, updated.object, warningHeaders(warnings));
  }

  private async patch(r: ResourceRequest): Promise<Reply> {
    const { info, rt, query, req } = r;
    const contentType = mediaType(req.headers['content-type']);
    const type = PATCH_TYPES[contentType];
    if (!type) throw unsupportedMediaType(contentType);
    const patch = decodeBody(await readBody(req), contentType);
    const current = this.cluster.tryGet(rt, info.namespace, info.name!);

    if (info.subresource === 'scale') {
      if (!current) throw notFound(rt.group, rt.plural, info.name!);
      const scale = type === 'apply' ? (patch as KubeObject) : this.writes.patch(scaleResource(rt), scaleOf(current), type === 'strategic' ? 'merge' : type, patch);
      return this.writeScale(r, scale);
    }

    let next: KubeObject;
    if (type === 'apply') {
      const manager = query.get('fieldManager');
      if (!manager) throw badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('the apply configuration must be a YAML or JSON object');
      const applied = patch as KubeObject;
      if (applied.metadata?.name && applied.metadata.name !== info.name) {
        throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${info.name})`);
      }
      // Defaults apply to the merged result, never to the configuration: the applier owns
      // only the fields it sent.
      next = this.writes.apply(rt, current, { ...applied, metadata: { ...(applied.metadata ?? {}), name: info.name } }, manager, query.get('force') === 'true', info.subresource);
      if (!current) {
        const { object, warnings } = this.writes.validate(rt, next, 'Ignore', undefined);
        const created = this.cluster.create(rt, info.namespace, object, { dryRun: isDryRun(query) });
        return reply(201, created.object, warningHeaders(warnings));
      }
    } else {
      if (!current) throw notFound(rt.group, rt.plural, info.name!);
      next = this.writes.patch(rt, current, type, patch);
    }
    // Apply rejected unknown fields already; status writes ignore them as the real server does.
    const validation = info.subresource === 'status' || type === 'apply' ? 'Ignore' : (query.get('fieldValidation') ?? '');
    const { object, warnings } = this.writes.validate(rt, next, validation, current);
    const updated = this.cluster.update(rt, info.namespace, info.name!, object, {
      dryRun: isDryRun(query),
      subresource: info.subresource,
      // Apply already recorded its own managedFields entry.
      fieldManager: type === 'apply' ? undefined : (query.get('fieldManager') ?? defaultManager(req)),
    });
    return reply(200, updated.object, warningHeaders(warnings));
  }

  private async delete(r: ResourceRequest): Promise<Reply> {
    const { info, rt } = r;
    const options = await this.deleteOptions(r);
    const { object } = this.cluster.delete(rt, info.namespace, info.name!, options);
    return reply(200, object);
  }

  private async deleteCollection(r: ResourceRequest): Promise<Reply> {
    const { info, rt, query } = r;
    const options = await this.deleteOptions(r);
    const { items, resourceVersion } = this.cluster.list(rt, info.namespace, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
    });
    const deleted = items.map((o) => this.cluster.delete(rt, o.metadata.namespace, o.metadata.name!, options).object);
    return reply(200, { kind: `${rt.kind}List`, apiVersion: apiVersionOf(rt), metadata: { resourceVersion }, items: deleted });
  }

  /** Writes spec.replicas of the parent from a Scale object (PUT or PATCH on /scale). */
  private writeScale(r: ResourceRequest, scale: KubeObject): Reply {
    const { info, rt, query } = r;
    const replicas = scale?.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(422, 'Invalid', `Scale.autoscaling "${info.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
        name: info.name,
        group: 'autoscaling',
        kind: 'Scale',
        causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }],
      });
    }
    const current = this.cluster.get(rt, info.namespace, info.name!);
    if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${rt.group ? `${rt.plural}.${rt.group}` : rt.plural} "${info.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const next = { ...current, metadata: { ...current.metadata }, spec: { ...current.spec, replicas } };
    const updated = this.cluster.update(rt, info.namespace, info.name!, next, { dryRun: isDryRun(query), fieldManager: query.get('fieldManager') ?? defaultManager(r.req) });
    return reply(200, scaleOf(updated.object));
  }

  private async readObject(r: ResourceRequest): Promise<unknown> {
    const body = decodeBody(await readBody(r.req), r.req.headers['content-type'] ?? 'application/json');
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a JSON or YAML object');
    return body;
  }

  private async deleteOptions(r: ResourceRequest) {
    const raw = await readBody(r.req);
    const body = raw.length ? (decodeBody(raw, r.req.headers['content-type'] ?? 'application/json') as Record<string, any>) : {};
    const policy = r.query.get('propagationPolicy') ?? body.propagationPolicy ?? (body.orphanDependents === true ? 'Orphan' : undefined);
    if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy))
      throw badRequest(`propagationPolicy: Unsupported value: "${policy}": supported values: "Background", "Foreground", "Orphan"`);
    return {
      dryRun: isDryRun(r.query) || (Array.isArray(body.dryRun) && body.dryRun.includes('All')),
      propagationPolicy: policy,
      preconditions: body.preconditions,
    };
  }

  private writeOptions(query: URLSearchParams) {
    return { dryRun: isDryRun(query), fieldManager: query.get('fieldManager') ?? 'unknown' };
  }
}

/** dryRun=All: the request is checked and answered, and changes nothing. */
export function isDryRun(query: URLSearchParams): boolean {
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((d) => d !== 'All')) throw badRequest(`dryRun: Unsupported value: "${dryRun.find((d) => d !== 'All')}": supported values: "All"`);
  return dryRun.length > 0;
}

/** kube-apiserver names an unnamed manager after the client's user agent ("kubectl-edit", ...). */
function defaultManager(req: IncomingMessage): string {
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0]!;
}

function scaleResource(rt: ResourceType): ResourceType {
  return { ...rt, group: 'autoscaling', version: 'v1', kind: 'Scale' };
}

/** The autoscaling/v1 Scale view of a workload. */
export function scaleOf(object: KubeObject): KubeObject {
  const selector = object.spec?.selector;
  const selectorString = selector?.matchLabels
    ? Object.entries(selector.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '';
  return {
    kind: 'Scale',
    apiVersion: SCALE_API_VERSION,
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: object.spec?.replicas ?? 0 },
    status: { replicas: object.status?.replicas ?? 0, selector: selectorString },
  };
}
