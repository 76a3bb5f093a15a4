/**
 * Shared pieces of the deploy engine's integration tests: targets on the sandbox, apply-step
 * requests built from manifests, and a runner that connects a KubernetesCluster, runs
 * `runApplyStep` over HTTPS, records every engine event and closes the client.
 */

import { KubernetesCluster } from '#adapters/kubernetes/client.ts';
import { type ApplyStepRequest, type ApplyStepResult, runApplyStep } from '#domain/engine/apply-step.ts';
import type { EngineEvent } from '#domain/engine/events.ts';
import type { Manifest, Target, Variable } from '#domain/model.ts';
import type { TestSandbox } from '../../support/sandbox.ts';

export { eventually, startTestSandbox, type TestSandbox } from '../../support/sandbox.ts';

export const FAST_WATCH = { retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 100 }, watch: { pollIntervalMs: 100 } };

/** A namespaced, non-admin target on the sandbox using the admin token. */
export function namespacedTarget(t: TestSandbox, namespace: string, token = t.sandbox.credentials.adminToken, name = `it-${namespace}`): Target {
  return { name, url: t.sandbox.url, caPem: t.sandbox.caPem, namespace, admin: false, tags: [], account: { kind: 'token', token } };
}

/** The admin target: cluster-scoped objects and any namespace. */
export function adminTarget(t: TestSandbox): Target {
  return { name: 'it-admin', url: t.sandbox.url, caPem: t.sandbox.caPem, admin: true, tags: [], account: { kind: 'token', token: t.sandbox.credentials.adminToken } };
}

export async function connect(target: Target): Promise<KubernetesCluster> {
  return KubernetesCluster.connect(target, {}, FAST_WATCH);
}

/** Manifests as one multi-document file (JSON is YAML). */
export function file(name: string, docs: (Manifest | string)[]): { name: string; content: string } {
  return { name, content: docs.map((d) => (typeof d === 'string' ? d : JSON.stringify(d, null, 1))).join('\n---\n') };
}

export type RequestOptions = Partial<Omit<ApplyStepRequest, 'target' | 'context' | 'files'>> & { deploymentId?: string };

export function requestFor(target: Target, files: { name: string; content: string }[], options: RequestOptions = {}): ApplyStepRequest {
  const { deploymentId = 'd1', ...rest } = options;
  return {
    files,
    variables: [] as Variable[],
    images: {},
    force: false,
    dryRun: false,
    wait: true,
    timeoutMs: 10_000,
    ...rest,
    target: { name: target.name, namespace: target.namespace, admin: target.admin },
    context: {
      environment: 'test',
      project: 'engine-it',
      releaseNumber: '1.0.0',
      deploymentId,
      step: 'deploy',
      target: { name: target.name, namespace: target.namespace, tags: target.tags },
    },
  };
}

export type Run = { result: ApplyStepResult; events: EngineEvent[] };

/** Connects, runs the step, closes; rejects with the engine's error (events so far in `events`). */
export async function apply(target: Target, files: { name: string; content: string }[], options: RequestOptions = {}, events: EngineEvent[] = [], onEvent?: (e: EngineEvent) => void): Promise<Run> {
  const cluster = await connect(target);
  try {
    const result = await runApplyStep(requestFor(target, files, options), cluster, (e) => {
      events.push(e);
      onEvent?.(e);
    });
    return { result, events };
  } finally {
    await cluster.close();
  }
}

/** Health events of one object, in order. */
export function healthEvents(events: EngineEvent[], kind: string, name: string) {
  return events.flatMap((e) => (e.type === 'health' && e.health.ref.kind === kind && e.health.ref.name === name ? [e.health] : []));
}

export { rejection } from '../../support/assertions.ts';

/** A one-container Deployment selecting app=<name>. */
export function deployment(
  name: string,
  options: { replicas?: number; image?: string; progressDeadlineSeconds?: number; podAnnotations?: Record<string, string>; readinessCommand?: string[] } = {},
): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: options.replicas ?? 1,
      ...(options.progressDeadlineSeconds ? { progressDeadlineSeconds: options.progressDeadlineSeconds } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(options.podAnnotations ? { annotations: options.podAnnotations } : {}) },
        spec: { containers: [container(options.image, options.readinessCommand)] },
      },
    },
  };
}

export function container(image = 'nginx:1.27', readinessCommand?: string[]) {
  return { name: 'app', image, ...(readinessCommand ? { readinessProbe: { exec: { command: readinessCommand }, periodSeconds: 1 } } : {}) };
}

export function podTemplate(name: string, image?: string, readinessCommand?: string[]) {
  return { metadata: { labels: { app: name } }, spec: { containers: [container(image, readinessCommand)] } };
}
