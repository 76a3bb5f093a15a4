import { describe, expect, it } from 'vitest';
import { healthOf } from '#domain/rollout/rules.ts';
import { condition, deployment, live, pod, replicaSet, waiting } from './fixtures.ts';

describe('healthOf: Deployment', () => {
  it('is Healthy when every replica is updated and available', () => {
    const health = healthOf(deployment());
    expect(health).toMatchObject({ status: 'Healthy', ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' } });
  });

  it('is Degraded with the controller message on ProgressDeadlineExceeded', () => {
    const object = deployment({}, { availableReplicas: 1, conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "web-abc" has timed out progressing.')] });
    expect(healthOf(object)).toEqual({
      ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      status: 'Degraded',
      reason: 'ProgressDeadlineExceeded',
      message: 'Deployment/web: ProgressDeadlineExceeded: ReplicaSet "web-abc" has timed out progressing.',
    });
  });

  it('does not trust status the controller wrote for an older generation', () => {
    const object = deployment({}, { observedGeneration: 2 }, { generation: 3 });
    const health = healthOf(object);
    expect(health.status).toBe('Progressing');
    expect(health.message).toBe('Deployment/web: waiting for the controller to observe generation 3 (observed 2)');
  });

  it('ignores a stale ProgressDeadlineExceeded from an older generation', () => {
    const object = deployment({}, { observedGeneration: 1, conditions: [condition('Progressing', 'False', 'ProgressDeadlineExceeded', 'old')] });
    expect(healthOf(object).status).toBe('Progressing');
  });

  it('is Progressing when no status was written yet', () => {
    const object = { ...deployment(), status: undefined };
    expect(healthOf(object)).toMatchObject({ status: 'Progressing', reason: 'ObservedGenerationStale' });
  });

  it('is Suspended when paused', () => {
    expect(healthOf(deployment({ paused: true }, { updatedReplicas: 1 }))).toMatchObject({ status: 'Suspended', reason: 'Paused' });
  });

  it.each([
    ['new replicas not yet updated', { updatedReplicas: 2 }, '2 of 3 new replicas have been updated'],
    ['old replicas still running', { replicas: 4 }, '1 old replicas are pending termination'],
    ['updated replicas not available', { availableReplicas: 2 }, '2 of 3 updated replicas are available'],
  ])('is Progressing with %s', (_name, status, message) => {
    expect(healthOf(deployment({}, status)).message).toBe(`Deployment/web: ${message}`);
  });

  it('compares against the live spec.replicas an autoscaler set, not the manifest', () => {
    const scaledUp = deployment({ replicas: 5 }, { replicas: 5, updatedReplicas: 5, availableReplicas: 5 });
    const scaledDown = deployment({ replicas: 2 }, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
    expect(healthOf(scaledUp).status).toBe('Healthy');
    expect(healthOf(scaledDown).status).toBe('Healthy');
    expect(healthOf(deployment({ replicas: 5 })).status).toBe('Progressing');
  });

  it('matches by API group: a custom resource called Deployment gets the custom-resource rule', () => {
    expect(healthOf(live('example.com/v1', 'Deployment', 'web', { status: {} })).status).toBe('Healthy');
  });
});

describe('healthOf: StatefulSet', () => {
  const sts = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}, generation = 1) =>
    live(
      'apps/v1',
      'StatefulSet',
      'db',
      {
        spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate' }, ...spec },
        status: { observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: 'db-2', updateRevision: 'db-2', ...status },
      },
      { generation },
    );

  it('is Healthy when ready and on the update revision', () => expect(healthOf(sts()).status).toBe('Healthy'));
  it('is Progressing (never Degraded) while pods move to the new revision', () => {
    expect(healthOf(sts({}, { currentRevision: 'db-1' }))).toMatchObject({ status: 'Progressing', message: 'StatefulSet/db: waiting for pods to move to revision db-2 (current db-1)' });
  });
  it('is Progressing while not enough pods are ready', () => expect(healthOf(sts({}, { readyReplicas: 1 })).message).toBe('StatefulSet/db: 1 of 3 pods are ready'));
  it('requires observedGeneration', () => expect(healthOf(sts({}, { observedGeneration: undefined })).status).toBe('Progressing'));
  it('is stale when generation moved on', () => expect(healthOf(sts({}, {}, 2)).reason).toBe('ObservedGenerationStale'));
  it('counts OnDelete as done', () => expect(healthOf(sts({ updateStrategy: { type: 'OnDelete' } }, { currentRevision: 'db-1' })).status).toBe('Healthy'));
  it('with a partition waits only for replicas - partition updated pods', () => {
    const partitioned = { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } };
    expect(healthOf(sts(partitioned, { updatedReplicas: 1, currentRevision: 'db-1' })).status).toBe('Healthy');
    expect(healthOf(sts(partitioned, { updatedReplicas: 0, currentRevision: 'db-1' })).status).toBe('Progressing');
  });
});

describe('healthOf: DaemonSet', () => {
  const ds = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}) =>
    live('apps/v1', 'DaemonSet', 'agent', { spec, status: { observedGeneration: 1, desiredNumberScheduled: 4, updatedNumberScheduled: 4, numberAvailable: 4, ...status } });

  it('is Healthy when every node runs an updated, available pod', () => expect(healthOf(ds()).status).toBe('Healthy'));
  it('is Progressing (never Degraded) while nodes are updating', () => expect(healthOf(ds({}, { updatedNumberScheduled: 2 })).message).toBe('DaemonSet/agent: 2 of 4 scheduled pods are updated'));
  it('is Progressing while updated pods are not available', () => expect(healthOf(ds({}, { numberAvailable: 3 })).status).toBe('Progressing'));
  it('counts OnDelete as done', () => expect(healthOf(ds({ updateStrategy: { type: 'OnDelete' } }, { updatedNumberScheduled: 0 })).status).toBe('Healthy'));
  it('does not read stale status', () => expect(healthOf(ds({}, { observedGeneration: 0 })).status).toBe('Progressing'));
});

describe('healthOf: ReplicaSet', () => {
  it('is Healthy when available replicas reach spec.replicas', () => expect(healthOf(replicaSet('web-new', '2')).status).toBe('Healthy'));
  it('is Progressing while replicas become available', () => expect(healthOf(replicaSet('web-new', '2', { availableReplicas: 1 })).status).toBe('Progressing'));
  it('is Degraded on ReplicaFailure=True', () => {
    const rs = replicaSet('web-new', '2', { availableReplicas: 0, conditions: [condition('ReplicaFailure', 'True', 'FailedCreate', 'pods "web-new-x" is forbidden: exceeded quota')] });
    expect(healthOf(rs)).toMatchObject({ status: 'Degraded', reason: 'FailedCreate', message: 'ReplicaSet/web-new: FailedCreate: pods "web-new-x" is forbidden: exceeded quota' });
  });
});

describe('healthOf: Job', () => {
  const job = (spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}) => live('batch/v1', 'Job', 'migrate', { spec: { completions: 1, ...spec }, status });
  const wait = { waitForJobs: true };

  it('with waitForJobs is Healthy on Complete=True', () => expect(healthOf(job({}, { succeeded: 1, conditions: [condition('Complete', 'True')] }), wait).status).toBe('Healthy'));
  it('with waitForJobs is Degraded on Failed=True', () => {
    const failed = job({}, { failed: 7, conditions: [condition('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')] });
    expect(healthOf(failed, wait).message).toBe('Job/migrate: BackoffLimitExceeded: Job has reached the specified backoff limit');
  });
  it('with waitForJobs is Progressing while running', () => expect(healthOf(job({}, { active: 1 }), wait).message).toBe('Job/migrate: 1 active, 0 of 1 completions succeeded'));
  it('with waitForJobs is Suspended when suspended', () => expect(healthOf(job({ suspend: true }), wait).status).toBe('Suspended'));
  it('without waitForJobs (the default) is Healthy once applied, even while running', () => {
    expect(healthOf(job({}, { active: 1 })).status).toBe('Healthy');
    expect(healthOf(job({}, { active: 1 }), { waitForJobs: false }).status).toBe('Healthy');
  });
});

describe('healthOf: Pod', () => {
  it('is Healthy when Running and Ready', () => expect(healthOf(pod('p')).status).toBe('Healthy'));
  it('is Healthy when Succeeded', () => expect(healthOf(pod('p', { phase: 'Succeeded', ready: false })).status).toBe('Healthy'));
  it('is Progressing when Running but not Ready', () => expect(healthOf(pod('p', { ready: false })).message).toBe('Pod/p: running, containers not ready: web'));

  it.each(['ErrImagePull', 'ImagePullBackOff', 'CrashLoopBackOff', 'CreateContainerConfigError', 'RunContainerError'])('is Degraded when a container waits with %s', (reason) => {
    const failing = pod('p', { phase: 'Pending', ready: false, containers: [waiting('web', reason, 'details')] });
    expect(healthOf(failing)).toMatchObject({ status: 'Degraded', reason, message: `Pod/p: ${reason}: container web: details` });
  });

  it('is only Progressing for waiting reasons that may resolve (ContainerCreating)', () => {
    expect(healthOf(pod('p', { phase: 'Pending', ready: false, containers: [waiting('web', 'ContainerCreating')] })).status).toBe('Progressing');
  });

  it('with restartPolicy Never or OnFailure does not fail on a waiting reason', () => {
    for (const restartPolicy of ['Never', 'OnFailure']) {
      const hook = pod('p', { phase: 'Pending', ready: false, restartPolicy, containers: [waiting('web', 'ImagePullBackOff')] });
      expect(healthOf(hook).status).toBe('Progressing');
    }
  });

  it('fails on an init container in back-off', () => {
    const stuck = pod('p', { phase: 'Pending', ready: false, init: [waiting('migrate', 'CrashLoopBackOff', 'back-off 10s')], containers: [waiting('web', 'PodInitializing')] });
    expect(healthOf(stuck).message).toBe('Pod/p: CrashLoopBackOff: container migrate: back-off 10s');
  });

  it('is Degraded when phase Failed, with the pod reason', () => {
    const evicted = pod('p', { phase: 'Failed', ready: false, status: { reason: 'Evicted', message: 'The node was low on resource: memory.' } });
    expect(healthOf(evicted).message).toBe('Pod/p: Evicted: The node was low on resource: memory.');
  });

  it('is Degraded when phase Failed, naming the container that exited', () => {
    const failed = pod('p', { phase: 'Failed', ready: false, restartPolicy: 'Never', containers: [{ name: 'web', state: { terminated: { reason: 'Error', exitCode: 2 } } }] });
    expect(healthOf(failed).message).toBe('Pod/p: Error: container web: exit code 2');
  });

  it('is Unknown when the node stopped reporting', () => expect(healthOf(pod('p', { phase: 'Unknown' })).status).toBe('Unknown'));
});

describe('healthOf: Service', () => {
  const svc = (type: string, status: Record<string, unknown> = {}) => live('v1', 'Service', 'web', { spec: { type }, status });
  it('ClusterIP is Healthy at once', () => expect(healthOf(svc('ClusterIP')).status).toBe('Healthy'));
  it('LoadBalancer is Progressing until it has an address', () => {
    expect(healthOf(svc('LoadBalancer', { loadBalancer: {} })).message).toBe('Service/web: waiting for the load balancer address');
    expect(healthOf(svc('LoadBalancer', { loadBalancer: { ingress: [] } })).status).toBe('Progressing');
  });
  it('LoadBalancer is Healthy with an address', () => expect(healthOf(svc('LoadBalancer', { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } })).status).toBe('Healthy'));
});

describe('healthOf: Ingress', () => {
  const ing = (status: Record<string, unknown>) => live('networking.k8s.io/v1', 'Ingress', 'web', { spec: {}, status });
  it('is Healthy with an address', () => expect(healthOf(ing({ loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } })).status).toBe('Healthy'));
  it('is Progressing (never Degraded) without one', () => expect(healthOf(ing({ loadBalancer: {} })).status).toBe('Progressing'));
});

describe('healthOf: PersistentVolumeClaim', () => {
  const pvc = (phase?: string) => live('v1', 'PersistentVolumeClaim', 'data', { spec: {}, status: phase ? { phase } : {} });
  it('is Healthy when Bound', () => expect(healthOf(pvc('Bound')).status).toBe('Healthy'));
  it('is Progressing when Pending', () => expect(healthOf(pvc('Pending')).status).toBe('Progressing'));
  it('is Degraded when Lost', () =>
    expect(healthOf(pvc('Lost'))).toMatchObject({ status: 'Degraded', reason: 'Lost', message: 'PersistentVolumeClaim/data: Lost: the bound PersistentVolume no longer exists' }));
});

describe('healthOf: CustomResourceDefinition', () => {
  const crd = (...conditions: object[]) => live('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', { spec: {}, status: { conditions } });
  it('is Healthy when Established', () => expect(healthOf(crd(condition('NamesAccepted', 'True'), condition('Established', 'True'))).status).toBe('Healthy'));
  it('is Progressing until Established', () => expect(healthOf(crd(condition('NamesAccepted', 'True'))).status).toBe('Progressing'));
  it('is Degraded when NamesAccepted=False', () => {
    const conflict = crd(condition('NamesAccepted', 'False', 'ListKindConflict', '"WidgetList" is already in use'), condition('Established', 'False'));
    expect(healthOf(conflict).message).toBe('CustomResourceDefinition/widgets.example.com: ListKindConflict: "WidgetList" is already in use');
  });
});

describe('healthOf: Namespace and kinds that are done once applied', () => {
  it('Namespace is Healthy when Active, Progressing when Terminating', () => {
    expect(healthOf(live('v1', 'Namespace', 'shop', { status: { phase: 'Active' } })).status).toBe('Healthy');
    expect(healthOf(live('v1', 'Namespace', 'shop', { status: { phase: 'Terminating' } })).status).toBe('Progressing');
  });

  it.each([
    ['v1', 'ConfigMap'],
    ['v1', 'Secret'],
    ['v1', 'ServiceAccount'],
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ])('%s %s is Healthy once applied', (apiVersion, kind) => {
    expect(healthOf(live(apiVersion, kind, 'x', { status: { conditions: [condition('Ready', 'False')] } })).status).toBe('Healthy');
  });
});

describe('healthOf: custom resources', () => {
  const widget = (status?: Record<string, unknown>, generation = 1) => live('example.com/v1', 'Widget', 'w', status ? { status } : {}, { generation });
  it('are Healthy once applied without conditions', () => expect(healthOf(widget()).status).toBe('Healthy'));
  it('are Healthy when Ready=True or Available=True', () => {
    expect(healthOf(widget({ conditions: [condition('Ready', 'True')] })).status).toBe('Healthy');
    expect(healthOf(widget({ conditions: [condition('Available', 'True')] })).status).toBe('Healthy');
  });
  it('are Progressing (the deadline decides) when Ready=False, with its reason', () => {
    expect(healthOf(widget({ conditions: [condition('Ready', 'False', 'Issuing', 'issuing certificate')] }))).toMatchObject({
      status: 'Progressing',
      reason: 'Issuing',
      message: 'Widget/w: Ready=False: Issuing: issuing certificate',
    });
  });
  it('respect a stale observedGeneration when they report one', () => {
    expect(healthOf(widget({ observedGeneration: 1, conditions: [condition('Ready', 'True')] }, 2)).status).toBe('Progressing');
  });
});
