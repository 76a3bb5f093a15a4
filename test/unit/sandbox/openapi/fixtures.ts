/** Shared test fixtures for the sandbox openapi unit tests. */
import type { CustomResourceDefinition } from '../../../../local/sandbox/openapi/registry.ts';

export function cronTabCrd(overrides: Partial<CustomResourceDefinition['spec']> = {}): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], categories: ['all'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['cronSpec'],
                  properties: {
                    cronSpec: { type: 'string', pattern: '^\\S+ \\S+ \\S+ \\S+ \\S+$' },
                    image: { type: 'string' },
                    replicas: { type: 'integer', minimum: 0 },
                    mode: { type: 'string', enum: ['a', 'b'] },
                    extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' } } },
              },
            },
          },
        },
        { name: 'v1beta1', served: false, storage: false },
      ],
      ...overrides,
    },
  };
}
