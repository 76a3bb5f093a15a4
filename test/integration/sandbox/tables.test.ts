/**
 * `kubectl get` against the sandbox prints the columns kube-apiserver's printers
 * (pkg/printers/internalversion/printers.go) send: the header line of each kind as on a
 * real cluster, priority-1 columns only with -o wide, and cells in the real formats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

const NS = 'tables';
const OBJECTS = `apiVersion: v1
kind: Namespace
metadata:
  name: tables
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: tables}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx:1.27, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: tables}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: public, namespace: tables}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 443, targetPort: 80, protocol: TCP}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: tables}
spec:
  ingressClassName: nginx
  tls: [{hosts: [web.example.com], secretName: web-tls}]
  rules:
  - host: web.example.com
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: tables}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: tables}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: busybox:1.36, command: [sh, -c, 'exit 0']}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: tables}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: tables}
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: busybox:1.36}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: tables}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: tables}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: tables}
rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: tables}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects:
- {kind: User, name: jane}
- {kind: ServiceAccount, name: ci, namespace: tables}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: tables}
data: {a: '1', b: '2'}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
description: important
`;

let t: TestSandbox;

beforeAll(async () => {
  t = await startTestSandbox();
  await t.kubectl(['apply', '-f', '-'], { input: OBJECTS });
  await t.kubectl(['rollout', 'status', 'deployment/web', '-n', NS, '--timeout=20s']);
  await t.kubectl(['wait', '--for=condition=complete', 'job/migrate', '-n', NS, '--timeout=20s']);
  await t.kubectl(['wait', '--for=jsonpath={.status.phase}=Bound', 'pvc/data', '-n', NS, '--timeout=20s']);
  await t.kubectl(['wait', '--for=jsonpath={.status.loadBalancer.ingress[0].ip}', 'ingress/web', 'service/public', '-n', NS, '--timeout=20s']);
});

afterAll(async () => {
  await t?.close();
});

/** The header's column names (kubectl separates columns by at least three spaces) and the row lines. */
async function get(...args: string[]): Promise<{ header: string[]; rows: string[] }> {
  const lines = (await t.kubectl(['get', ...args, '-n', NS])).stdout.trimEnd().split('\n');
  return { header: lines[0]!.trim().split(/\s{2,}/), rows: lines.slice(1) };
}

describe('kubectl get prints the real columns', () => {
  it('ingress: CLASS, HOSTS, ADDRESS, PORTS', async () => {
    // Act
    const { header, rows } = await get('ingress');

    // Assess
    expect(header).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    expect(rows[0]).toMatch(/^web\s+nginx\s+web\.example\.com\s+\d+\.\d+\.\d+\.\d+\s+80, 443\s+\d+s$/);
  });

  it('pvc and pv: status, volume, capacity, access modes, classes', async () => {
    // Act
    const pvc = await get('pvc');
    const pv = await get('pv');

    // Assess
    expect(pvc.header).toEqual(['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
    expect(pvc.rows[0]).toMatch(/^data\s+Bound\s+pvc-[0-9a-f-]{36}\s+1Gi\s+RWO\s+\S+\s+<unset>\s+\d+s$/);
    expect(pv.header).toEqual(['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']);
    expect(pv.rows[0]).toMatch(/^pvc-[0-9a-f-]{36}\s+1Gi\s+RWO\s+Delete\s+Bound\s+tables\/data\s+/);
  });

  it('svc -o wide: the SELECTOR column, ports as 80/TCP and 443:NODEPORT/TCP', async () => {
    // Act
    const narrow = await get('svc');
    const wide = await get('svc', '-o', 'wide');

    // Assess
    expect(narrow.header).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(wide.header).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(wide.rows).toEqual([
      expect.stringMatching(/^public\s+LoadBalancer\s+10\.96\.\d+\.\d+\s+\d+\.\d+\.\d+\.\d+\s+443:3\d{4}\/TCP\s+\d+s\s+app=web$/),
      expect.stringMatching(/^web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\s+app=web$/),
    ]);
  });

  it('job: STATUS, COMPLETIONS, DURATION', async () => {
    // Act
    const { header, rows } = await get('job');

    // Assess
    expect(header).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    expect(rows[0]).toMatch(/^migrate\s+Complete\s+1\/1\s+\d+s\s+\d+s$/);
  });

  it('hpa: REFERENCE, TARGETS, MINPODS, MAXPODS, REPLICAS', async () => {
    // Act
    const { header, rows } = await get('hpa');

    // Assess
    expect(header).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(rows[0]).toMatch(/^web\s+Deployment\/web\s+cpu: (<unknown>|\d+%)\/80%\s+2\s+5\s+\d+\s+\d+s$/);
  });

  it('cronjob: SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE', async () => {
    // Act
    const { header, rows } = await get('cronjob');

    // Assess
    expect(header).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    expect(rows[0]).toMatch(/^nightly\s+0 3 \* \* \*\s+<none>\s+(False|<unset>)\s+0\s+<none>\s+\d+s$/);
  });

  it('pdb: MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS', async () => {
    // Act
    const { header, rows } = await get('pdb');

    // Assess
    expect(header).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    expect(rows[0]).toMatch(/^web\s+1\s+N\/A\s+\d+\s+\d+s$/);
  });

  it('networkpolicy and endpoints: POD-SELECTOR, ENDPOINTS as ip:port', async () => {
    // Act
    const policy = await get('networkpolicy');
    const endpoints = await get('endpoints', 'web');

    // Assess
    expect(policy.header).toEqual(['NAME', 'POD-SELECTOR', 'AGE']);
    expect(policy.rows[0]).toMatch(/^web\s+app=web\s+\d+s$/);
    expect(endpoints.header).toEqual(['NAME', 'ENDPOINTS', 'AGE']);
    expect(endpoints.rows[0]).toMatch(/^web\s+10\.244\.\d+\.\d+:80,10\.244\.\d+\.\d+:80\s+\d+s$/);
  });

  it('kinds without a printer (Role) print NAME and CREATED AT; bindings show subjects only wide', async () => {
    // Act
    const role = await get('role');
    const binding = await get('rolebinding', '-o', 'wide');
    const config = await get('configmap', 'settings');

    // Assess
    expect(role.header).toEqual(['NAME', 'CREATED AT']);
    expect(role.rows[0]).toMatch(/^reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(binding.header).toEqual(['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS']);
    expect(binding.rows[0]).toMatch(/^reader\s+Role\/reader\s+\d+s\s+jane\s+tables\/ci$/);
    expect(config.header).toEqual(['NAME', 'DATA', 'AGE']);
    expect(config.rows[0]).toMatch(/^settings\s+2\s+\d+s$/);
  });

  it('a watch prints rows with the same columns', async () => {
    // Act
    const r = await t.kubectl(['get', 'cronjob', '-n', NS, '--watch', '--request-timeout=1s'], { allowFailure: true });

    // Assess
    expect(
      r.stdout
        .split('\n')[0]!
        .trim()
        .split(/\s{2,}/),
    ).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
  });
});
