/**
 * kube-apiserver's defaulting (the defaults.go of each pkg/apis group) for the kinds the sandbox's
 * controllers and kubectl's diffs depend on. Applied in place on create and update, before
 * semantic validation, so stored objects look like a real cluster's (and `kubectl apply`
 * does not see spurious diffs). Job selector generation needs the uid, hence its own hook.
 */
import type { KubeObject } from '../types.ts';

const DEFAULT_SCHEDULER = 'default-scheduler';
const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
const DEFAULT_GRACE_SECONDS = 30;
const DEFAULT_REVISION_HISTORY = 10;
const DEFAULT_PROGRESS_DEADLINE = 600;
const DEFAULT_SURGE = '25%';
const DEFAULT_JOB_BACKOFF = 6;
const CRONJOB_SUCCESS_HISTORY = 3;
const CRONJOB_FAILED_HISTORY = 1;
/** The labels kube-apiserver puts on a Job's selector and template when it generates them. */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';

type Obj = Record<string, any>;

function setIfAbsent<T>(target: Obj, key: string, value: T): void {
  if (target[key] === undefined || target[key] === null) target[key] = value;
}

function child(target: Obj, key: string): Obj {
  if (!target[key] || typeof target[key] !== 'object') target[key] = {};
  return target[key];
}

/** Always for `:latest` or untagged images (digests count as tagged), IfNotPresent otherwise. */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Obj): void {
  if (!c || typeof c !== 'object') return;
  setIfAbsent(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setIfAbsent(c, 'terminationMessagePath', TERMINATION_MESSAGE_PATH);
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  for (const p of c.ports ?? []) if (p && typeof p === 'object') setIfAbsent(p, 'protocol', 'TCP');
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!probe || typeof probe !== 'object') continue;
    setIfAbsent(probe, 'timeoutSeconds', 1);
    setIfAbsent(probe, 'periodSeconds', 10);
    setIfAbsent(probe, 'successThreshold', 1);
    setIfAbsent(probe, 'failureThreshold', 3);
    if (probe.httpGet && typeof probe.httpGet === 'object') setIfAbsent(probe.httpGet, 'scheme', 'HTTP');
  }
  for (const e of c.env ?? []) {
    const ref = e?.valueFrom?.fieldRef;
    if (ref && typeof ref === 'object') setIfAbsent(ref, 'apiVersion', 'v1');
  }
}

/** PodSpec defaults (pods and every pod template). */
export function defaultPodSpec(spec: Obj | undefined): void {
  if (!spec || typeof spec !== 'object') return;
  setIfAbsent(spec, 'restartPolicy', 'Always');
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'schedulerName', DEFAULT_SCHEDULER);
  setIfAbsent(spec, 'securityContext', {});
  setIfAbsent(spec, 'terminationGracePeriodSeconds', DEFAULT_GRACE_SECONDS);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    if (!v || typeof v !== 'object') continue;
    for (const key of ['configMap', 'secret']) if (v[key] && typeof v[key] === 'object') setIfAbsent(v[key], 'defaultMode', 0o644);
    if (v.emptyDir === null) v.emptyDir = {};
  }
}

function defaultTemplate(spec: Obj): void {
  if (spec.template && typeof spec.template === 'object') {
    child(spec.template, 'metadata');
    defaultPodSpec(spec.template.spec);
  }
}

function defaultDeployment(spec: Obj): void {
  setIfAbsent(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  setIfAbsent(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setIfAbsent(ru, 'maxUnavailable', DEFAULT_SURGE);
    setIfAbsent(ru, 'maxSurge', DEFAULT_SURGE);
  }
  setIfAbsent(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY);
  setIfAbsent(spec, 'progressDeadlineSeconds', DEFAULT_PROGRESS_DEADLINE);
  defaultTemplate(spec);
}

function defaultStatefulSet(spec: Obj): void {
  setIfAbsent(spec, 'replicas', 1);
  setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  setIfAbsent(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') setIfAbsent(child(strategy, 'rollingUpdate'), 'partition', 0);
  setIfAbsent(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY);
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setIfAbsent(retention, 'whenDeleted', 'Retain');
  setIfAbsent(retention, 'whenScaled', 'Retain');
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    if (!pvc || typeof pvc !== 'object') continue;
    setIfAbsent(pvc, 'apiVersion', 'v1');
    setIfAbsent(pvc, 'kind', 'PersistentVolumeClaim');
    setIfAbsent(child(pvc, 'spec'), 'volumeMode', 'Filesystem');
  }
  defaultTemplate(spec);
}

function defaultDaemonSet(spec: Obj): void {
  const strategy = child(spec, 'updateStrategy');
  setIfAbsent(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    setIfAbsent(ru, 'maxUnavailable', 1);
    setIfAbsent(ru, 'maxSurge', 0);
  }
  setIfAbsent(spec, 'revisionHistoryLimit', DEFAULT_REVISION_HISTORY);
  defaultTemplate(spec);
}

function defaultJobSpec(spec: Obj): void {
  // Completions is only defaulted when parallelism is unset too (the plain "run one pod" Job).
  if ((spec.completions ?? null) === null && (spec.parallelism ?? null) === null) spec.completions = 1;
  setIfAbsent(spec, 'parallelism', 1);
  setIfAbsent(spec, 'backoffLimit', DEFAULT_JOB_BACKOFF);
  setIfAbsent(spec, 'completionMode', 'NonIndexed');
  setIfAbsent(spec, 'suspend', false);
  setIfAbsent(spec, 'podReplacementPolicy', 'TerminatingOrFailed');
  defaultTemplate(spec);
}

function defaultService(spec: Obj): void {
  setIfAbsent(spec, 'type', 'ClusterIP');
  setIfAbsent(spec, 'sessionAffinity', 'None');
  for (const p of spec.ports ?? []) {
    if (!p || typeof p !== 'object') continue;
    setIfAbsent(p, 'protocol', 'TCP');
    setIfAbsent(p, 'targetPort', p.port);
  }
  if (spec.type !== 'ExternalName') {
    setIfAbsent(spec, 'ipFamilies', ['IPv4']);
    setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack');
    setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setIfAbsent(spec, 'allocateLoadBalancerNodePorts', true);
}

/**
 * Applies kube-apiserver's defaults to `obj` in place (create and update alike) and returns it.
 * Kinds it does not know are returned untouched.
 */
export function applyDefaults(obj: KubeObject): KubeObject {
  const spec = (): Obj => child(obj, 'spec');
  switch (obj.kind) {
    case 'Deployment':
      defaultDeployment(spec());
      break;
    case 'ReplicaSet':
      setIfAbsent(spec(), 'replicas', 1);
      defaultTemplate(spec());
      break;
    case 'ReplicationController':
      setIfAbsent(spec(), 'replicas', 1);
      defaultTemplate(spec());
      break;
    case 'StatefulSet':
      defaultStatefulSet(spec());
      break;
    case 'DaemonSet':
      defaultDaemonSet(spec());
      break;
    case 'Job':
      defaultJobSpec(spec());
      break;
    case 'CronJob': {
      const s = spec();
      setIfAbsent(s, 'concurrencyPolicy', 'Allow');
      setIfAbsent(s, 'suspend', false);
      setIfAbsent(s, 'successfulJobsHistoryLimit', CRONJOB_SUCCESS_HISTORY);
      setIfAbsent(s, 'failedJobsHistoryLimit', CRONJOB_FAILED_HISTORY);
      if (s.jobTemplate?.spec) defaultJobSpec(s.jobTemplate.spec);
      break;
    }
    case 'Pod':
      defaultPodSpec(spec());
      break;
    case 'PodTemplate':
      if (obj.template) defaultPodSpec(obj.template.spec);
      break;
    case 'Service':
      defaultService(spec());
      break;
    case 'Secret':
      setIfAbsent(obj, 'type', 'Opaque');
      break;
    case 'Namespace':
      setIfAbsent(spec(), 'finalizers', ['kubernetes']);
      break;
    case 'PersistentVolumeClaim':
      setIfAbsent(spec(), 'volumeMode', 'Filesystem');
      break;
    case 'PersistentVolume': {
      const s = spec();
      setIfAbsent(s, 'persistentVolumeReclaimPolicy', 'Retain');
      setIfAbsent(s, 'volumeMode', 'Filesystem');
      break;
    }
    default:
      break;
  }
  return obj;
}

/**
 * The create-time half of Job defaulting: unless spec.manualSelector is true, kube-apiserver
 * generates the selector from the new uid and stamps the same labels on the template
 * (both the batch.kubernetes.io/ labels and the legacy controller-uid/job-name ones).
 * Call after the uid is assigned and before semantic validation.
 */
export function generateJobSelector(job: KubeObject, uid: string): KubeObject {
  const spec = child(job, 'spec');
  if (spec.manualSelector === true) return job;
  const name = job.metadata?.name ?? '';
  spec.selector = { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
  const template = child(spec, 'template');
  const meta = child(template, 'metadata');
  meta.labels = {
    ...(meta.labels ?? {}),
    [JOB_CONTROLLER_UID_LABEL]: uid,
    [JOB_NAME_LABEL]: name,
    [LEGACY_CONTROLLER_UID_LABEL]: uid,
    [LEGACY_JOB_NAME_LABEL]: name,
  };
  return job;
}
