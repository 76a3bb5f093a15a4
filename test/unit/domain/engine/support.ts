/**
 * Shared pieces of the engine step tests: requests, manifests, a recorder of events, and
 * `invocation`, which passes a state on as a state machine would (through JSON) to a new
 * client of the same fake cluster.
 */
import { expect } from 'vitest';
import type { ApplyStepRequest, StepRequest } from '#domain/engine/apply-step.ts';
import type { EngineEvent } from '#domain/engine/events.ts';
import type { StepState } from '#domain/engine/step-state.ts';
import type { FakeCluster } from '#domain/fake-cluster.ts';

export const SECRET = 'Pa55w0rd-of-the-db';
export const NS = 'shop';
export const WEB = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' };
export const PAYMENT = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'payment' };

/** A request as a Lambda gets it: plain JSON, no Deadline object, no clock. */
export function request(files: string[], overrides: Partial<StepRequest> = {}): StepRequest {
  return {
    files: files.map((content, i) => ({ name: `file-${i + 1}.yaml`, content })),
    variables: [{ name: 'DbPassword', values: [{ value: SECRET, sensitive: true }] }],
    context: { environment: 'Test', project: 'shop', releaseNumber: '1.0.0', deploymentId: 'd1', step: 'deploy', target: { name: 'test', namespace: NS, tags: [] } },
    images: {},
    target: { name: 'test', namespace: NS },
    force: false,
    dryRun: false,
    wait: true,
    timeoutMs: 60_000,
    concurrency: 1,
    ...overrides,
  };
}

export const configMaps = (...names: string[]) => names.map((name) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  password: "#{DbPassword}"\n`).join('---\n');

/** A Deployment selecting app=<name>, with the revision annotation its controller would set. */
export const deployment = (name: string, replicas = 2) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations: { deployment.kubernetes.io/revision: "1" }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: app, image: "registry.example/${name}:1" }] }
`;

/** A blue/green deploy-containers spec named shop with a Service and a ConfigMap. */
export const blueGreen = (image: string) => `apiVersion: conveyor.dev/v1
kind: DeployContainers
metadata: { name: shop }
spec:
  replicas: 2
  strategy: BlueGreen
  containers:
    - name: web
      image: ${image}
      ports: [{ name: http, containerPort: 8080 }]
      envFrom: [configMap]
  configMap: { items: { GREETING: hello } }
  service: { type: ClusterIP, ports: [{ port: 80, targetPort: http }] }
`;

/** A Deployment status: `available` of `replicas` available, all updated and observed. */
export const rolling = (replicas: number, available: number, generation = 1) => ({
  observedGeneration: generation,
  replicas,
  updatedReplicas: replicas,
  readyReplicas: available,
  availableReplicas: available,
});

export type Recorder = { events: EngineEvent[]; onEvent: (e: EngineEvent) => void };

export function recorder(): Recorder {
  const events: EngineEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

/**
 * The next invocation's view: the state through JSON (asserting that it survives the trip
 * exactly) and a new client of the same cluster.
 */
export function invocation(state: StepState, cluster: FakeCluster): { state: StepState; cluster: FakeCluster } {
  const passed = JSON.parse(JSON.stringify(state)) as StepState;
  expect(passed).toEqual(state);
  return { state: passed, cluster: cluster.client() };
}

/** The same request with what a caller in one process adds. */
export const inProcess = (req: StepRequest, extra: Omit<ApplyStepRequest, keyof StepRequest>): ApplyStepRequest => ({ ...req, ...extra });

/** Health events of one object, by name. */
export const healthOf = (events: EngineEvent[], name: string) => events.flatMap((e) => (e.type === 'health' && e.health.ref.name === name ? [e.health] : []));
