/**
 * Shared fixtures for the rendering tests: a deployment context, a discovery table standing
 * in for the cluster's answer to "is this kind namespaced?", and a RenderedObject builder.
 */
import type { Manifest, RenderContext, RenderedObject, SourceLocation, Variable } from '#domain/model.ts';
import type { ResourceScope } from '#domain/render/boundary.ts';

export function renderContext(overrides: Partial<RenderContext> = {}): RenderContext {
  return {
    environment: 'Production',
    project: 'shop',
    releaseNumber: '1.4.0',
    deploymentId: 'deployments-42',
    step: 'deploy-web',
    target: { name: 'eu-web', namespace: 'team-a', tags: ['web', 'eu'] },
    ...overrides,
  };
}

/** Unscoped variables from a plain map; names listed in `sensitive` are sensitive. */
export function variablesFrom(values: Record<string, string>, sensitive: string[] = []): Variable[] {
  return Object.entries(values).map(([name, value]) => ({ name, values: [{ value, sensitive: sensitive.includes(name) }] }));
}

/** What a cluster's discovery says about the kinds the tests use; anything else is not served. */
const DISCOVERY: Record<string, ResourceScope> = {
  'v1 Namespace': 'Cluster',
  'v1 ConfigMap': 'Namespaced',
  'v1 Secret': 'Namespaced',
  'v1 Service': 'Namespaced',
  'v1 ServiceAccount': 'Namespaced',
  'v1 Pod': 'Namespaced',
  'v1 PersistentVolumeClaim': 'Namespaced',
  'apps/v1 Deployment': 'Namespaced',
  'apps/v1 StatefulSet': 'Namespaced',
  'apps/v1 DaemonSet': 'Namespaced',
  'batch/v1 Job': 'Namespaced',
  'batch/v1 CronJob': 'Namespaced',
  'networking.k8s.io/v1 Ingress': 'Namespaced',
  'rbac.authorization.k8s.io/v1 Role': 'Namespaced',
  'rbac.authorization.k8s.io/v1 RoleBinding': 'Namespaced',
  'rbac.authorization.k8s.io/v1 ClusterRole': 'Cluster',
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': 'Cluster',
  'apiextensions.k8s.io/v1 CustomResourceDefinition': 'Cluster',
  'example.com/v1 Widget': 'Namespaced',
};

export async function discovery(apiVersion: string, kind: string): Promise<ResourceScope | undefined> {
  return DISCOVERY[`${apiVersion} ${kind}`];
}

export function rendered(object: Manifest, source: Partial<SourceLocation> = {}): RenderedObject {
  return { object, redacted: structuredClone(object), source: { file: 'test.yaml', document: 1, line: 1, ...source } };
}

export function manifest(apiVersion: string, kind: string, name: string, namespace?: string): Manifest {
  return { apiVersion, kind, metadata: namespace === undefined ? { name } : { name, namespace } };
}

/** The error a function throws (fails the test when it does not throw). */
export function thrown(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, none was thrown');
}

export async function rejected(act: () => Promise<unknown>): Promise<Error> {
  try {
    await act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, none happened');
}
