/**
 * The kubeconfig the sandbox writes: one cluster, three users (the cluster-admin token, a
 * client certificate, a basic-auth user) and a context for each, admin being current.
 */
import { stringify } from 'yaml';

export type KubeconfigUsers = {
  adminToken: string;
  certUser: { name: string; certPem: string; keyPem: string };
  basicUser: { username: string; password: string };
};

export const CLUSTER_NAME = 'sandbox';
export const ADMIN_CONTEXT = 'sandbox-admin';
export const CERT_CONTEXT = 'sandbox-cert';
export const BASIC_CONTEXT = 'sandbox-basic';

const b64 = (text: string) => Buffer.from(text).toString('base64');

export function buildKubeconfig(server: string, caPem: string, users: KubeconfigUsers, namespace = 'default'): string {
  const context = (name: string, user: string) => ({ name, context: { cluster: CLUSTER_NAME, user, namespace } });
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': ADMIN_CONTEXT,
    clusters: [{ name: CLUSTER_NAME, cluster: { server, 'certificate-authority-data': b64(caPem) } }],
    users: [
      { name: 'sandbox-admin', user: { token: users.adminToken } },
      { name: `sandbox-${users.certUser.name}`, user: { 'client-certificate-data': b64(users.certUser.certPem), 'client-key-data': b64(users.certUser.keyPem) } },
      { name: `sandbox-${users.basicUser.username}`, user: { username: users.basicUser.username, password: users.basicUser.password } },
    ],
    contexts: [context(ADMIN_CONTEXT, 'sandbox-admin'), context(CERT_CONTEXT, `sandbox-${users.certUser.name}`), context(BASIC_CONTEXT, `sandbox-${users.basicUser.username}`)],
  });
}
