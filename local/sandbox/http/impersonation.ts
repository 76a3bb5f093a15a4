/**
 * User impersonation (`kubectl --as`, `--as-group`): the Impersonate-* headers replace the
 * authenticated user with another, once RBAC allows the real user the `impersonate` verb on
 * each part (users, groups, serviceaccounts, uids, userextras), as kube-apiserver's
 * impersonation filter does.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest, forbidden } from '../errors.ts';
import type { RequestAttributes, UserInfo } from '../types.ts';
import type { AuthPort } from './ports.ts';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const EXTRA_PREFIX = 'impersonate-extra-';

export function impersonate(req: IncomingMessage, user: UserInfo, auth: AuthPort): UserInfo {
  const username = header(req, 'impersonate-user')[0];
  const groups = header(req, 'impersonate-group');
  const uid = header(req, 'impersonate-uid')[0];
  const extra: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(EXTRA_PREFIX) || value === undefined) continue;
    extra[decodeURIComponent(name.slice(EXTRA_PREFIX.length))] = Array.isArray(value) ? value : [value];
  }
  if (username === undefined) {
    if (groups.length || uid || Object.keys(extra).length) throw badRequest('requested impersonation of groups, uid or extra without impersonating a user');
    return user;
  }

  const check = (attrs: Omit<RequestAttributes, 'user' | 'verb' | 'resourceRequest'>) => {
    const full: RequestAttributes = { user, verb: 'impersonate', resourceRequest: true, ...attrs };
    if (!auth.authorize(full).allowed) throw forbidden(auth.forbiddenMessage(full));
  };
  const sa = username.startsWith(SERVICE_ACCOUNT_PREFIX) ? username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':') : undefined;
  if (sa && sa.length === 2) check({ apiGroup: '', resource: 'serviceaccounts', namespace: sa[0], name: sa[1] });
  else check({ apiGroup: '', resource: 'users', name: username });
  for (const group of groups) check({ apiGroup: '', resource: 'groups', name: group });
  if (uid) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, values] of Object.entries(extra)) for (const value of values) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: value });

  const impersonatedGroups = [...groups];
  if (sa && sa.length === 2 && groups.length === 0) impersonatedGroups.push('system:serviceaccounts', `system:serviceaccounts:${sa[0]}`);
  if (username !== 'system:anonymous' && !impersonatedGroups.includes('system:authenticated')) impersonatedGroups.push('system:authenticated');
  return { username, groups: impersonatedGroups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

function header(req: IncomingMessage, name: string): string[] {
  const value = req.headers[name];
  return value === undefined
    ? []
    : Array.isArray(value)
      ? value
      : value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean);
}
