/**
 * kubectl against the sandbox's HorizontalPodAutoscaler, CronJob, PodDisruptionBudget and
 * storage controllers: an HPA scaling its Deployment up to minReplicas, a CronJob's Job
 * (triggered as `kubectl create job --from=cronjob/...` does) completing and being pruned by
 * the history limit, a PDB's status, and a claim without a class bound through `standard`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
});

afterAll(async () => {
  await t?.close();
});

const getJson = (args: string[]) => t.getJson(args);

const apply = (yaml: string) => t.kubectl(['apply', '-f', '-'], { input: yaml });
const condition = (o: any, type: string) => o?.status?.conditions?.find((c: any) => c.type === type);

function deploymentYaml(name: string, namespace: string, replicas: number): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: app
          image: nginx:1.27
          resources: { requests: { cpu: 200m, memory: 64Mi } }
`;
}

describe('HorizontalPodAutoscaler', () => {
  it('scales a Deployment of 1 replica to minReplicas and reports status and conditions', async () => {
    // Prepare
    await t.kubectl(['create', 'namespace', 'hpa']);
    await apply(deploymentYaml('web', 'hpa', 1));
    // Act
    await apply(`
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: web, namespace: hpa }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: 3
  maxReplicas: 5
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 80 } }
`);
    const hpa = await eventually(async () => {
      const o = await getJson(['hpa', 'web', '-n', 'hpa']);
      return o.status?.currentReplicas === 3 && condition(o, 'ScalingLimited') && o;
    });
    await t.kubectl(['rollout', 'status', 'deployment/web', '-n', 'hpa', '--timeout=20s']);
    // Assess
    expect((await getJson(['deployment', 'web', '-n', 'hpa'])).spec.replicas).toBe(3);
    expect(hpa.status).toMatchObject({ currentReplicas: 3, desiredReplicas: 3 });
    expect(hpa.status.lastScaleTime).toBeDefined();
    expect(hpa.status.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 0, averageValue: '0' } } }]);
    expect(condition(hpa, 'AbleToScale')).toMatchObject({ status: 'True', reason: 'ReadyForNewScale' });
    expect(condition(hpa, 'ScalingActive')).toMatchObject({
      status: 'True',
      reason: 'ValidMetricFound',
      message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
    });
    expect(condition(hpa, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' });
    const events = await getJson(['events', '-n', 'hpa', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler']);
    expect(events.items.map((e: any) => e.message)).toContain('New size: 3; reason: Current number of replicas below Spec.MinReplicas');
  });

  it('scales up to maxReplicas when the utilization annotation says the pods are busy', async () => {
    // Act: 300% of requests against an 80% target
    await t.kubectl(['annotate', 'hpa', 'web', '-n', 'hpa', 'sandbox.conveyor.dev/utilization=300']);
    const hpa = await eventually(async () => {
      const o = await getJson(['hpa', 'web', '-n', 'hpa']);
      return o.status?.currentReplicas === 5 && o;
    });
    // Assess
    expect((await getJson(['deployment', 'web', '-n', 'hpa'])).spec.replicas).toBe(5);
    expect(hpa.status.currentMetrics[0].resource.current).toEqual({ averageUtilization: 300, averageValue: '600m' });
    expect(condition(hpa, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
  });
  it('serves `kubectl autoscale`, whichever autoscaling version kubectl writes', async () => {
    // Prepare
    await apply(deploymentYaml('worker', 'hpa', 1));
    // Act
    await t.kubectl(['autoscale', 'deployment', 'worker', '-n', 'hpa', '--min=2', '--max=4', '--cpu-percent=50']);
    const hpa = await eventually(async () => {
      const o = await getJson(['hpa.v2.autoscaling', 'worker', '-n', 'hpa']);
      return o.status?.currentReplicas === 2 && o;
    });
    // Assess
    expect((await getJson(['deployment', 'worker', '-n', 'hpa'])).spec.replicas).toBe(2);
    expect(hpa.status.desiredReplicas).toBe(2);
  });
});

describe('CronJob', () => {
  it('runs a Job made from it to completion, records the success and prunes beyond successfulJobsHistoryLimit', async () => {
    // Prepare
    await t.kubectl(['create', 'namespace', 'cron']);
    await apply(`
apiVersion: batch/v1
kind: CronJob
metadata: { name: report, namespace: cron }
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{ name: report, image: busybox:1.36, command: [sh, -c, "echo done"] }]
`);
    // Act
    await t.kubectl(['create', 'job', 'report-manual-1', '--from=cronjob/report', '-n', 'cron']);
    await t.kubectl(['wait', '--for=condition=complete', 'job/report-manual-1', '-n', 'cron', '--timeout=20s']);
    const first = await eventually(async () => {
      const cj = await getJson(['cronjob', 'report', '-n', 'cron']);
      return cj.status?.lastSuccessfulTime && cj;
    });
    await t.kubectl(['create', 'job', 'report-manual-2', '--from=cronjob/report', '-n', 'cron']);
    await t.kubectl(['wait', '--for=condition=complete', 'job/report-manual-2', '-n', 'cron', '--timeout=20s']);
    // Assess: the older finished Job is pruned, the newer kept
    const names = await eventually(async () => {
      const jobs = await getJson(['jobs', '-n', 'cron']);
      const list = jobs.items.map((j: any) => j.metadata.name);
      return list.length === 1 && list;
    });
    expect(names).toEqual(['report-manual-2']);
    const job = await getJson(['job', 'report-manual-2', '-n', 'cron']);
    expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'report', controller: true });
    expect(first.status.active).toBeUndefined();
    const events = await getJson(['events', '-n', 'cron', '--field-selector', 'involvedObject.kind=CronJob']);
    expect(events.items.map((e: any) => e.message)).toContain('Deleted job report-manual-1');
  });
});

describe('PodDisruptionBudget', () => {
  it('reports healthy, desired and expected pods and whether a disruption is allowed', async () => {
    // Prepare
    await t.kubectl(['create', 'namespace', 'pdb']);
    await apply(deploymentYaml('api', 'pdb', 3));
    await t.kubectl(['rollout', 'status', 'deployment/api', '-n', 'pdb', '--timeout=20s']);
    // Act
    await apply(`
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: api, namespace: pdb }
spec:
  minAvailable: 2
  selector: { matchLabels: { app: api } }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: api-strict, namespace: pdb }
spec:
  maxUnavailable: 0
  selector: { matchLabels: { app: api } }
`);
    const [pdb, strict] = await eventually(async () => {
      const a = await getJson(['pdb', 'api', '-n', 'pdb']);
      const b = await getJson(['pdb', 'api-strict', '-n', 'pdb']);
      return a.status?.observedGeneration === 1 && b.status?.observedGeneration === 1 && [a, b];
    });
    // Assess
    expect(pdb.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1 });
    expect(condition(pdb, 'DisruptionAllowed')).toMatchObject({ status: 'True', reason: 'SufficientPods', observedGeneration: 1 });
    expect(strict.status).toMatchObject({ currentHealthy: 3, desiredHealthy: 3, expectedPods: 3, disruptionsAllowed: 0 });
    expect(condition(strict, 'DisruptionAllowed')).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });
});

describe('storage', () => {
  it('gives a claim without a class the default StorageClass standard and binds it to a new PersistentVolume', async () => {
    // Prepare
    await t.kubectl(['create', 'namespace', 'storage']);
    const sc = await getJson(['storageclass', 'standard']);
    // Act
    await apply(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: storage }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 2Gi } }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: never, namespace: storage }
spec:
  storageClassName: unbound
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
`);
    await t.kubectl(['wait', '--for=jsonpath={.status.phase}=Bound', 'pvc/data', '-n', 'storage', '--timeout=20s']);
    const pvc = await getJson(['pvc', 'data', '-n', 'storage']);
    const pv = await getJson(['pv', pvc.spec.volumeName]);
    // Assess
    expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(sc.provisioner).toBe('sandbox.conveyor.dev/hostpath');
    expect(pvc.spec.storageClassName).toBe('standard');
    expect(pvc.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '2Gi' } });
    expect(pv.spec).toMatchObject({ storageClassName: 'standard', capacity: { storage: '2Gi' }, claimRef: { namespace: 'storage', name: 'data' } });
    expect(pv.status.phase).toBe('Bound');
    expect((await getJson(['pvc', 'never', '-n', 'storage'])).status.phase).toBe('Pending');
  });
});
