/** A complete deploy-containers spec as a user would write it (untrusted input). */
export function rawSpec(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'web',
    namespace: 'shop',
    replicas: 3,
    labels: { app: 'web', team: 'payments' },
    strategy: 'RollingUpdate',
    rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 },
    containers: [
      {
        name: 'web',
        image: 'registry.example.com:5000/shop/web:1.4.2',
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'metrics', containerPort: 9090 },
        ],
        env: [
          { name: 'MODE', value: 'production' },
          { name: 'LOG_LEVEL', fromConfigMap: 'log-level' },
          { name: 'DB_PASSWORD', fromSecret: 'db-password' },
        ],
        envFrom: ['configMap'],
        readinessProbe: { http: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
        livenessProbe: { tcp: { port: 8080 }, initialDelaySeconds: 10 },
        resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
        volumeMounts: [{ from: 'secret', mountPath: '/etc/web/tls', readOnly: true }],
      },
    ],
    configMap: { items: { 'log-level': 'info', 'feature.flags': 'a,b' } },
    secret: { items: { 'db-password': 's3cret!' }, sensitive: true },
    service: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    ingress: { host: 'shop.example.com', className: 'nginx', paths: [{ path: '/', servicePort: 'http' }], tls: { secretName: 'shop-tls' } },
    ...overrides,
  };
}
