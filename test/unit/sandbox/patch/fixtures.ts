/** Real Kubernetes shapes shared by the patch tests. */
import { SwaggerSchemas } from '../../../../local/sandbox/openapi/swagger.ts';
import type { KubeObject } from '../../../../local/sandbox/types.ts';

export const schemas = SwaggerSchemas.shared();
export const deploymentSchema = schemas.schemaFor({ group: 'apps', version: 'v1', kind: 'Deployment' })!;
export const configMapSchema = schemas.schemaFor({ group: '', version: 'v1', kind: 'ConfigMap' })!;

/** What `kubectl create deployment nginx --image=nginx:1.25 --port=80` style manifests look like. */
export function deployment(overrides: { replicas?: number; image?: string } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
    spec: {
      replicas: overrides.replicas ?? 2,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: overrides.image ?? 'nginx:1.25',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
            },
            { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
          ],
        },
      },
    },
  };
}
