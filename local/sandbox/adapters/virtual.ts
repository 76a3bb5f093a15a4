/**
 * Resources with no storage: TokenRequest (serviceaccounts/<name>/token), TokenReview,
 * SelfSubjectReview, and the access reviews that `kubectl auth can-i` and admission
 * webhooks use. Each answers a create with the same object plus its status.
 */
import type { Authenticator } from '../auth/authenticator.ts';
import { TokenRequestInvalidError } from '../auth/errors.ts';
import { authorize, type RbacSource, rulesFor } from '../auth/rbac.ts';
import type { ServiceAccountTokenIssuer } from '../auth/tokens.ts';
import type { Cluster } from '../cluster.ts';
import { badRequest, invalid } from '../errors.ts';
import type { VirtualPort } from '../http/ports.ts';
import type { KubeObject, RequestAttributes, ResourceType, UserInfo } from '../types.ts';

const REVIEWS = new Set(['tokenreviews', 'selfsubjectreviews', 'subjectaccessreviews', 'selfsubjectaccessreviews', 'localsubjectaccessreviews', 'selfsubjectrulesreviews']);

export type VirtualDeps = {
  cluster: Cluster;
  issuer: ServiceAccountTokenIssuer;
  authenticator: Authenticator;
  rbac: RbacSource;
  serviceAccountType: () => ResourceType;
};

export class VirtualResources implements VirtualPort {
  constructor(private readonly deps: VirtualDeps) {}

  handles(rt: ResourceType, subresource: string | undefined): boolean {
    if (rt.plural === 'serviceaccounts' && rt.group === '' && subresource === 'token') return true;
    return !subresource && REVIEWS.has(rt.plural);
  }

  async create(rt: ResourceType, namespace: string | undefined, name: string | undefined, subresource: string | undefined, body: KubeObject, user: UserInfo): Promise<KubeObject> {
    if (subresource === 'token') return this.tokenRequest(namespace!, name!, body);
    const spec = body.spec ?? {};
    const answer = (status: Record<string, unknown>): KubeObject => ({
      ...body,
      apiVersion: body.apiVersion ?? `${rt.group}/${rt.version}`,
      kind: rt.kind,
      metadata: { ...(body.metadata ?? {}), creationTimestamp: null as unknown as string },
      status,
    });
    switch (rt.plural) {
      case 'tokenreviews': {
        if (typeof spec.token !== 'string' || !spec.token)
          throw invalid('TokenReview', 'authentication.k8s.io', '', [{ field: 'spec.token', message: 'Required value', reason: 'FieldValueRequired' }]);
        const result = await this.deps.authenticator.authenticateToken(spec.token, spec.audiences);
        if (!result) return answer({ authenticated: false, user: {}, error: 'invalid bearer token' });
        return answer({ authenticated: true, user: userInfoJson(result.user), audiences: result.audiences });
      }
      case 'selfsubjectreviews':
        return answer({ userInfo: userInfoJson(user) });
      case 'selfsubjectaccessreviews':
        return answer(this.review(user, spec, undefined));
      case 'subjectaccessreviews':
      case 'localsubjectaccessreviews': {
        if (!spec.user && !(spec.groups ?? []).length) throw badRequest('at least one of user or group must be specified');
        const subject: UserInfo = { username: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid, extra: spec.extra };
        return answer(this.review(subject, spec, rt.plural === 'localsubjectaccessreviews' ? namespace : undefined));
      }
      case 'selfsubjectrulesreviews':
        return answer(rulesFor(user, spec.namespace ?? '', this.deps.rbac) as unknown as Record<string, unknown>);
    }
    throw badRequest(`${rt.plural} cannot be created`);
  }

  private review(user: UserInfo, spec: Record<string, any>, namespace: string | undefined): Record<string, unknown> {
    const r = spec.resourceAttributes;
    const n = spec.nonResourceAttributes;
    let attrs: RequestAttributes;
    if (r) {
      attrs = {
        user,
        verb: r.verb ?? '',
        resourceRequest: true,
        apiGroup: r.group ?? '',
        apiVersion: r.version,
        resource: r.resource,
        subresource: r.subresource || undefined,
        namespace: namespace ?? (r.namespace || undefined),
        name: r.name || undefined,
      };
    } else if (n) {
      attrs = { user, verb: n.verb ?? '', resourceRequest: false, path: n.path };
    } else {
      throw badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified');
    }
    const decision = authorize(attrs, this.deps.rbac);
    return { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) };
  }

  private tokenRequest(namespace: string, name: string, body: KubeObject): KubeObject {
    const sa = this.deps.cluster.get(this.deps.serviceAccountType(), namespace, name);
    const spec = body.spec ?? {};
    try {
      const issued = this.deps.issuer.issue(
        { namespace, name, uid: sa.metadata.uid! },
        { audiences: spec.audiences?.length ? spec.audiences : undefined, expirationSeconds: spec.expirationSeconds, boundObjectRef: spec.boundObjectRef },
      );
      return {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace, creationTimestamp: this.deps.cluster.timestamp() },
        spec: { audiences: issued.audiences, expirationSeconds: issued.expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
        status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp },
      };
    } catch (error) {
      if (error instanceof TokenRequestInvalidError) {
        throw invalid('TokenRequest', 'authentication.k8s.io', name, [{ field: error.field, message: `Invalid value: ${JSON.stringify(error.value)}: ${error.detail}` }]);
      }
      throw error;
    }
  }
}

function userInfoJson(user: UserInfo): Record<string, unknown> {
  return { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) };
}
