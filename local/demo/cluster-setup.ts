/**
 * The first half of the walkthrough: what an administrator configures before anyone releases.
 * Environments and lifecycles; an admin target on the cluster's admin credentials (read from the
 * kubeconfig as `conveyor target import` reads it); the Admin project whose kubectl script makes
 * per environment a namespace and a least-privilege deployer; then each deployer's token as a
 * token account and a target confined to its namespace. Tokens go from the cluster to the API
 * (which keeps them in Secrets Manager) and are never printed.
 */
import { pathOf } from '#cli/api/client.ts';
import { importContext } from '#cli/commands/kubeconfig-import.ts';
import { ADMIN_CONTEXT } from '#sandbox/kubeconfig.ts';
import { ADMIN, ADMIN_PROJECT, ADMIN_TARGET, APP_ENVIRONMENTS, APP_TAG, appTargetId, appTargetName, DEPLOYER, DEPLOYER_TOKEN_SECRET, ENVIRONMENTS, LIFECYCLES, namespaceOf } from './definitions.ts';
import { deploymentOf, follow, newProgress } from './follow.ts';
import { DemoFailedError, type DemoSession } from './session.ts';
import { createRelease, upsert } from './setup.ts';

type Health = {
  reachable: boolean;
  authenticated: boolean;
  serverVersion?: string;
  authenticatedAs?: string;
  namespace?: string;
  permissions: { verb: string; resource: string; allowed: boolean }[];
  reason?: string;
};

/** The cluster's address and CA, as every target on the sandbox has them. */
export type Cluster = { url: string; caPem: string };

export async function configureEnvironments(s: DemoSession): Promise<void> {
  s.section('Environments and lifecycles (as admin)');
  for (const { id, ...fields } of ENVIRONMENTS) s.say(`  environment ${fields.name} (${id}): ${await upsert(s.as.admin, '/environments', id, fields)}`);
  for (const { id, ...fields } of LIFECYCLES) {
    const phases = fields.phases.map((p) => `${p.name} (${p.entry})`).join(' → ');
    s.say(`  lifecycle ${fields.name}: ${phases}: ${await upsert(s.as.admin, '/lifecycles', id, fields)}`);
  }
}

/** The admin target: the sandbox's cluster-admin context of the kubeconfig, as an account and a target allowed any namespace. */
export async function configureAdminTarget(s: DemoSession): Promise<Cluster> {
  s.section('The admin target (as admin)');
  const imported = importContext(s.context.kubeconfig, ADMIN_CONTEXT);
  if (imported.account.kind !== 'token' || !imported.caPem) throw new DemoFailedError(`the kubeconfig's context ${ADMIN_CONTEXT} has no token and CA`);
  const cluster = { url: imported.url, caPem: imported.caPem };
  const account = await upsert(s.as.admin, '/accounts', ADMIN_TARGET.accountId, { name: ADMIN_TARGET.accountName, kind: 'token', token: imported.account.token }, false);
  s.say(`  account ${ADMIN_TARGET.accountId}: the cluster admin's token from context ${ADMIN_CONTEXT} of ${s.context.kubeconfig}: ${account} (kept in Secrets Manager, never shown)`);
  const target = await upsert(s.as.admin, '/targets', ADMIN_TARGET.id, {
    url: cluster.url,
    admin: true,
    accountId: ADMIN_TARGET.accountId,
    caPem: cluster.caPem,
    environments: ADMIN_TARGET.environments,
    tags: ADMIN_TARGET.tags,
  });
  s.say(`  target ${ADMIN_TARGET.id}: ${cluster.url}, admin (any namespace, no namespace of its own), environment Admin, tag ${ADMIN_TARGET.tags.join(', ')}: ${target}`);
  await checkTarget(s, ADMIN_TARGET.id);
  return cluster;
}

/** The Admin project and a release of it, which the Admin lifecycle deploys by itself: the script runs on the admin target. */
export async function runAdminProject(s: DemoSession): Promise<void> {
  s.section('The Admin project: namespaces and deployers for httpd (admin configures, release-manager releases)');
  const { id, ...fields } = ADMIN_PROJECT;
  s.say(`  project ${fields.name}: kubectl-script step "${fields.process[0]!.name}" on targets tagged ${ADMIN_TARGET.tags.join(', ')}: ${await upsert(s.as.admin, '/projects', id, fields)}`);
  const version = await createRelease(s.as['release-manager'], id, (n) => `1.0.${n}`, 'namespaces, deployer accounts and their boundaries for httpd');
  s.say(`  release ${version} created by release-manager; the Admin lifecycle deploys it to Admin by itself`);
  const deployment = await deploymentOf(s.as.admin, id, version, ADMIN);
  const view = await follow(s.as.admin, deployment.id, newProgress(s.context.out));
  if (view.deployment.state !== 'Succeeded') throw new DemoFailedError(`the Admin project's deployment ${deployment.id} ended ${view.deployment.state}: ${view.deployment.failure?.message ?? ''}`);
}

/** Per environment: the deployer's token (from its Secret, as the cluster admin) as a token account, and a target confined to the namespace. */
export async function configureAppTargets(s: DemoSession, cluster: Cluster): Promise<void> {
  s.section('Token accounts and targets for httpd (as admin)');
  for (const environment of APP_ENVIRONMENTS) {
    const namespace = namespaceOf(environment.id);
    const id = appTargetId(environment.id);
    const name = appTargetName(environment.name);
    const token = await s.kubectl.serviceAccountToken(namespace, DEPLOYER_TOKEN_SECRET);
    const account = await upsert(s.as.admin, '/accounts', id, { name, kind: 'token', token }, false);
    s.say(`  account ${id} ("${name}"): the token of ServiceAccount ${namespace}/${DEPLOYER}, read from Secret ${DEPLOYER_TOKEN_SECRET}: ${account} (never shown)`);
    const target = await upsert(s.as.admin, '/targets', id, { url: cluster.url, namespace, accountId: id, caPem: cluster.caPem, environments: [environment.id], tags: [APP_TAG] });
    s.say(`  target ${id} ("${name}"): namespace ${namespace}, environment ${environment.name}, tag ${APP_TAG}: ${target}`);
    await checkTarget(s, id);
  }
}

/** `conveyor target check`: the API connects with the target's account and says who it is and what it may do. */
async function checkTarget(s: DemoSession, id: string): Promise<void> {
  const health = await s.as.admin.post<Health>(pathOf('/targets/{targetId}/health', { targetId: id }));
  if (!health.reachable || !health.authenticated) throw new DemoFailedError(`target ${id} is not usable: ${health.reason ?? (health.reachable ? 'the account was refused' : 'not reachable')}`);
  const where = health.namespace ? `in ${health.namespace}` : 'cluster-wide';
  const allowed = health.permissions.filter((p) => p.allowed).map((p) => `${p.verb} ${p.resource}`);
  const denied = health.permissions.filter((p) => !p.allowed).map((p) => `${p.verb} ${p.resource}`);
  s.say(`    check: reachable (Kubernetes ${health.serverVersion ?? '?'}), authenticated as ${health.authenticatedAs ?? '?'}`);
  if (allowed.length) s.say(`      may ${where}: ${allowed.join(', ')}`);
  if (denied.length) s.say(`      may not ${where}: ${denied.join(', ')}`);
}
