/**
 * Which objects carry metadata.generation. kube-apiserver has no general rule: each registry
 * strategy decides (PrepareForCreate sets 1, PrepareForUpdate adds 1 when the spec changes).
 * Services, Namespaces, Nodes, PersistentVolume(Claim)s, HorizontalPodAutoscalers and the
 * other kinds whose strategies never touch it have none, spec or not; custom resources always
 * have one (apiextensions-apiserver's customResourceStrategy).
 */
import type { ResourceType } from './types.ts';

/** Built-in kinds whose strategy sets generation, as `group/Kind` ('' for the core group). */
const BUILT_IN_KINDS_WITH_GENERATION = new Set([
  '/Pod',
  '/PodTemplate',
  '/ReplicationController',
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  'policy/PodDisruptionBudget',
  'networking.k8s.io/Ingress',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/NetworkPolicy',
  'discovery.k8s.io/EndpointSlice',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'storage.k8s.io/CSIDriver',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice',
  'resource.k8s.io/DeviceTaintRule',
]);

/** Whether objects of `rt` carry metadata.generation; `custom` for custom resources. */
export function tracksGeneration(rt: Pick<ResourceType, 'group' | 'kind'>, custom: boolean): boolean {
  return custom || BUILT_IN_KINDS_WITH_GENERATION.has(`${rt.group}/${rt.kind}`);
}
