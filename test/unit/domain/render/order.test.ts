import { describe, expect, it } from 'vitest';
import { InvalidManifestError } from '#domain/errors.ts';
import { applyPhases, assertNoDuplicates } from '#domain/render/order.ts';
import { manifest, rendered, thrown } from './fixtures.ts';

describe('applyPhases', () => {
  it('orders objects by phase, keeping input order within a phase and leaving out empty phases', () => {
    // Prepare
    const objects = [
      rendered(manifest('example.com/v1', 'Widget', 'w', 'a')),
      rendered(manifest('networking.k8s.io/v1', 'Ingress', 'web', 'a')),
      rendered(manifest('apps/v1', 'Deployment', 'web', 'a')),
      rendered(manifest('v1', 'Service', 'web', 'a')),
      rendered(manifest('v1', 'Secret', 'creds', 'a')),
      rendered(manifest('batch/v1', 'CronJob', 'nightly', 'a')),
      rendered(manifest('v1', 'PersistentVolumeClaim', 'data', 'a')),
      rendered(manifest('v1', 'ConfigMap', 'settings', 'a')),
      rendered(manifest('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rb', 'a')),
      rendered(manifest('v1', 'ServiceAccount', 'sa', 'a')),
      rendered(manifest('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com')),
      rendered(manifest('v1', 'Namespace', 'a')),
      rendered(manifest('serving.knative.dev/v1', 'Service', 'fn', 'a')),
    ];

    // Act
    const phases = applyPhases(objects);

    // Assess
    expect(phases.map((phase) => [phase.name, phase.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`)])).toEqual([
      ['namespaces', ['Namespace/a']],
      ['custom-resource-definitions', ['CustomResourceDefinition/widgets.example.com']],
      ['rbac', ['RoleBinding/rb', 'ServiceAccount/sa']],
      ['config-and-storage', ['Secret/creds', 'PersistentVolumeClaim/data', 'ConfigMap/settings']],
      ['services', ['Service/web']],
      ['workloads', ['Deployment/web', 'CronJob/nightly']],
      ['ingresses', ['Ingress/web']],
      ['other', ['Widget/w', 'Service/fn']],
    ]);
  });

  it('refuses the same object twice, naming both places, even across API versions', () => {
    // Prepare
    const objects = [
      rendered(manifest('apps/v1', 'Deployment', 'web', 'a'), { file: 'one.yaml', document: 1, line: 1 }),
      rendered(manifest('apps/v1beta2', 'Deployment', 'web', 'a'), { file: 'two.yaml', document: 3, line: 12 }),
    ];

    // Act
    const error = thrown(() => applyPhases(objects));

    // Assess
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect(error.message).toBe('two.yaml: document 3, line 12: duplicate object: Deployment/web (two.yaml, document 3, line 12) is also defined at Deployment/web (one.yaml, document 1, line 1)');
  });

  it('accepts the same name in different namespaces, kinds or groups', () => {
    const objects = [
      rendered(manifest('v1', 'ConfigMap', 'x', 'a')),
      rendered(manifest('v1', 'ConfigMap', 'x', 'b')),
      rendered(manifest('v1', 'Secret', 'x', 'a')),
      rendered(manifest('example.com/v1', 'ConfigMap', 'x', 'a')),
    ];
    expect(() => assertNoDuplicates(objects)).not.toThrow();
    // All four go on to be applied.
    expect(applyPhases(objects).flatMap((phase) => phase.objects)).toHaveLength(objects.length);
  });

  it('counts an object without namespace as in the default namespace it is given', () => {
    const objects = [rendered(manifest('v1', 'ConfigMap', 'x', 'a')), rendered(manifest('v1', 'ConfigMap', 'x'))];
    expect(() => assertNoDuplicates(objects, 'a')).toThrow(InvalidManifestError);
    expect(() => assertNoDuplicates(objects, 'b')).not.toThrow();
  });
});
