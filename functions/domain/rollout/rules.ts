/**
 * ROLLOUT-RULES.md as one pure function: live object in, health out. Kinds are matched by
 * API group and kind, so a custom resource that happens to be called `Deployment` in its
 * own group gets the custom-resource rule, not the apps/v1 one.
 */
import type { Manifest, ObjectHealth } from '../model.ts';
import { podHealth } from './pods.ts';
import { appliedHealth, customResourceDefinitionHealth, customResourceHealth, ingressHealth, namespaceHealth, persistentVolumeClaimHealth, serviceHealth } from './resources.ts';
import { apiGroupOf } from './status.ts';
import { daemonSetHealth, deploymentHealth, jobHealth, replicaSetHealth, statefulSetHealth } from './workloads.ts';

export type HealthOptions = {
  /** Wait for Jobs to complete (Octopus "wait for Jobs"); otherwise a Job is done once applied. */
  waitForJobs?: boolean;
  /** Reserved for time-based rules; the per-kind rules read only the object. */
  now?: Date;
};

/** Octopus's default for the "wait for Jobs" step option. */
export const DEFAULT_WAIT_FOR_JOBS = false;

type Rule = (object: Manifest, options: Required<Pick<HealthOptions, 'waitForJobs'>>) => ObjectHealth;

const CORE = '';
const APPS = ['apps', 'extensions'];
const RBAC = 'rbac.authorization.k8s.io';

/** `group/kind` → rule; the core group is the empty string. */
const RULES: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ...APPS.flatMap((group): [string, Rule][] => [
    [`${group}/Deployment`, deploymentHealth],
    [`${group}/StatefulSet`, statefulSetHealth],
    [`${group}/DaemonSet`, daemonSetHealth],
    [`${group}/ReplicaSet`, replicaSetHealth],
  ]),
  ['batch/Job', (object, options) => jobHealth(object, options.waitForJobs)],
  [`${CORE}/Pod`, podHealth],
  [`${CORE}/Service`, serviceHealth],
  [`${CORE}/PersistentVolumeClaim`, persistentVolumeClaimHealth],
  [`${CORE}/Namespace`, namespaceHealth],
  [`${CORE}/ConfigMap`, appliedHealth],
  [`${CORE}/Secret`, appliedHealth],
  [`${CORE}/ServiceAccount`, appliedHealth],
  ['networking.k8s.io/Ingress', ingressHealth],
  ['extensions/Ingress', ingressHealth],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinitionHealth],
  ...['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].map((kind): [string, Rule] => [`${RBAC}/${kind}`, appliedHealth]),
]);

/** Whether the rules table names this kind (false: the custom-resource fallback applies). */
export function hasKindRule(apiVersion: string, kind: string): boolean {
  return RULES.has(`${apiGroupOf(apiVersion)}/${kind}`);
}

/** Health of one live object by ROLLOUT-RULES.md; pure, never throws on missing status. */
export function healthOf(object: Manifest, options: HealthOptions = {}): ObjectHealth {
  const rule = RULES.get(`${apiGroupOf(object.apiVersion)}/${object.kind}`) ?? customResourceHealth;
  return rule(object, { waitForJobs: options.waitForJobs ?? DEFAULT_WAIT_FOR_JOBS });
}
