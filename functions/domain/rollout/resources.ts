/**
 * Rules for the non-workload kinds of ROLLOUT-RULES.md: Service, Ingress, PVC, CRD,
 * Namespace, and the fallback for kinds the table does not name (custom resources).
 */
import type { Manifest, ObjectHealth } from '../model.ts';
import { conditionOf, degraded, healthy, progressing, staleGeneration } from './status.ts';

export const SERVICE_TYPE_LOAD_BALANCER = 'LoadBalancer';
export const PVC_PHASE = { bound: 'Bound', lost: 'Lost' } as const;
export const NAMESPACE_PHASE_ACTIVE = 'Active';
/** Conditions a custom resource may carry that mean "ready" in the common convention. */
export const READY_CONDITION_TYPES = ['Ready', 'Available'] as const;

function hasLoadBalancerIngress(object: Manifest): boolean {
  const ingress: unknown = object.status?.loadBalancer?.ingress;
  return Array.isArray(ingress) && ingress.length > 0;
}

/** A Service is done at once, unless it waits for a cloud load balancer to hand out an address. */
export function serviceHealth(object: Manifest): ObjectHealth {
  if (object.spec?.type !== SERVICE_TYPE_LOAD_BALANCER) return healthy(object, 'applied');
  if (!hasLoadBalancerIngress(object)) return progressing(object, 'waiting for the load balancer address');
  return healthy(object, 'load balancer address assigned');
}

/** An Ingress is done when its controller publishes an address. */
export function ingressHealth(object: Manifest): ObjectHealth {
  if (!hasLoadBalancerIngress(object)) return progressing(object, 'waiting for the ingress controller to publish an address');
  return healthy(object, 'address assigned');
}

/**
 * Pending stays Progressing: with a WaitForFirstConsumer storage class a claim binds only
 * once a pod uses it, so Pending alone is not a failure; the step deadline ends the wait.
 */
export function persistentVolumeClaimHealth(object: Manifest): ObjectHealth {
  const phase = object.status?.phase;
  if (phase === PVC_PHASE.bound) return healthy(object, 'bound');
  if (phase === PVC_PHASE.lost) return degraded(object, PVC_PHASE.lost, 'the bound PersistentVolume no longer exists');
  return progressing(object, `phase ${String(phase ?? 'Pending')}: waiting to be bound`);
}

export function customResourceDefinitionHealth(object: Manifest): ObjectHealth {
  const names = conditionOf(object, 'NamesAccepted');
  if (names?.status === 'False') return degraded(object, names.reason ?? 'NamesNotAccepted', names.message);
  if (conditionOf(object, 'Established')?.status === 'True') return healthy(object, 'established');
  return progressing(object, 'waiting for the API server to establish the definition');
}

/**
 * The table says Namespace is done when Active. A Terminating namespace is not a failure by
 * the rules (they name none), so it stays Progressing until the deadline. An absent phase is
 * treated as Active: the API server sets it on create, so only a status-less copy lacks it.
 */
export function namespaceHealth(object: Manifest): ObjectHealth {
  const phase = object.status?.phase;
  if (phase === undefined || phase === NAMESPACE_PHASE_ACTIVE) return healthy(object, 'active');
  return progressing(object, `phase ${String(phase)}`);
}

/** ConfigMap, Secret, ServiceAccount, RBAC...: nothing to wait for once the API server accepted it. */
export function appliedHealth(object: Manifest): ObjectHealth {
  return healthy(object, 'applied');
}

/**
 * Kinds the rules do not name (custom resources). Choice: Healthy once applied, like
 * Argo CD's default, unless the object carries a standard `Ready` or `Available` condition;
 * then True is Healthy and anything else is Progressing with the condition's reason and
 * message. A False condition is NOT Degraded: many operators report Ready=False while they
 * work (cert-manager "Issuing"), and the rules define no failure for unknown kinds, so the
 * step deadline decides and its failure message carries the condition's words. When the
 * object reports `observedGeneration`, a stale one is respected (rule 2).
 */
export function customResourceHealth(object: Manifest): ObjectHealth {
  const stale = staleGeneration(object, false);
  if (stale) return stale;
  for (const type of READY_CONDITION_TYPES) {
    const condition = conditionOf(object, type);
    if (!condition) continue;
    if (condition.status === 'True') return healthy(object, `${type}`);
    const why = [condition.reason, condition.message].filter(Boolean).join(': ');
    return progressing(object, `${type}=${condition.status}${why ? `: ${why}` : ''}`, condition.reason);
  }
  return healthy(object, 'applied');
}
