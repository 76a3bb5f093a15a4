/**
 * Authentication and RBAC over the live store, for the HTTP layer.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Authenticator } from '../auth/authenticator.ts';
import { authorize, forbiddenMessage, type RbacSource } from '../auth/rbac.ts';
import type { Authentication, AuthPort } from '../http/ports.ts';
import type { ObjectStore } from '../store.ts';
import type { RequestAttributes } from '../types.ts';

const RBAC = 'rbac.authorization.k8s.io';

/** RBAC objects read straight from the store, so a new RoleBinding applies to the next request. */
export function storeRbacSource(store: ObjectStore): RbacSource {
  return {
    roles: (ns) => store.list(`${RBAC}/roles`, ns),
    roleBindings: (ns) => store.list(`${RBAC}/rolebindings`, ns),
    clusterRoles: () => store.list(`${RBAC}/clusterroles`),
    clusterRoleBindings: () => store.list(`${RBAC}/clusterrolebindings`),
  };
}

export class StoreAccess implements AuthPort {
  private readonly rbac: RbacSource;

  constructor(
    private readonly authenticator: Authenticator,
    store: ObjectStore,
  ) {
    this.rbac = storeRbacSource(store);
  }

  async authenticate(req: IncomingMessage): Promise<Authentication> {
    const socket = req.socket as TLSSocket;
    const peerCertificate = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
    const result = await this.authenticator.authenticate({
      authorization: req.headers.authorization,
      peerCertificate,
      peerAuthorized: socket.authorized === true,
    });
    if ('error' in result) return { unauthorized: true };
    if ('anonymous' in result) return { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } };
    return { user: result.user };
  }

  authorize(attrs: RequestAttributes) {
    return authorize(attrs, this.rbac);
  }

  forbiddenMessage(attrs: RequestAttributes): string {
    return forbiddenMessage(attrs, this.authorize(attrs).reason);
  }

  source(): RbacSource {
    return this.rbac;
  }
}
