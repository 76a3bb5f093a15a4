import { describe, expect, it } from 'vitest';
import { generateDeployContainers } from '#domain/containers/generate.ts';
import { validateDeployContainers } from '#domain/containers/validate.ts';
import { InvalidManifestError } from '#domain/errors.ts';
import { rawSpec } from './fixtures.ts';

const spec = (overrides: Record<string, unknown> = {}) => validateDeployContainers(rawSpec(overrides));
const STEP = { 'conveyor.dev/step': 'web' };

describe('generateDeployContainers', () => {
  it('generates ConfigMap, Secret, Deployment, Service, Ingress in apply order', () => {
    const generated = generateDeployContainers(spec(), 'Deployments-42');
    expect(generated.objects.map((o) => `${o.object.kind}/${o.object.metadata.name}`)).toEqual([
      'ConfigMap/web-deployments-42',
      'Secret/web-deployments-42',
      'Deployment/web',
      'Service/web',
      'Ingress/web',
    ]);
    expect(generated.objects.every((o) => o.object.metadata.namespace === 'shop')).toBe(true);
  });

  it('puts the user labels and Conveyor labels on every object and on the pods', () => {
    const generated = generateDeployContainers(spec(), 'd7');
    for (const { object } of generated.objects) {
      expect(object.metadata.labels).toEqual({ app: 'web', team: 'payments', ...STEP, 'conveyor.dev/deployment-id': 'd7' });
    }
    const deployment = generated.deployment.object;
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'web', team: 'payments', ...STEP });
    expect(deployment.spec.selector).toEqual({ matchLabels: STEP });
    expect(generated.service?.object.spec.selector).toEqual(STEP);
  });

  it('sets the RollingUpdate strategy with its parameters', () => {
    expect(generateDeployContainers(spec(), 'd1').deployment.object.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
  });

  it('sets the Recreate strategy', () => {
    const deployment = generateDeployContainers(spec({ strategy: 'Recreate', rollingUpdate: undefined }), 'd1').deployment.object;
    expect(deployment.metadata.name).toBe('web');
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('points every config reference of the pod template at the versioned names', () => {
    const template = generateDeployContainers(spec(), 'd9').deployment.object.spec.template;
    const [container] = template.spec.containers;
    expect(container.env).toEqual([
      { name: 'MODE', value: 'production' },
      { name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: 'web-d9', key: 'log-level' } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'web-d9', key: 'db-password' } } },
    ]);
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'web-d9' } }]);
    expect(container.volumeMounts).toEqual([{ name: 'secret', mountPath: '/etc/web/tls', readOnly: true }]);
    expect(template.spec.volumes).toEqual([{ name: 'secret', secret: { secretName: 'web-d9' } }]);
  });

  it('translates ports, probes and resources', () => {
    const [container] = generateDeployContainers(spec(), 'd1').deployment.object.spec.template.spec.containers;
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(container.readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 });
    expect(container.livenessProbe).toEqual({ tcpSocket: { port: 8080 }, initialDelaySeconds: 10 });
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } });
  });

  it('stores Secret items base64 and offers a redacted copy', () => {
    const { secret } = generateDeployContainers(spec(), 'd1');
    expect(secret?.object.data).toEqual({ 'db-password': Buffer.from('s3cret!').toString('base64') });
    expect(secret?.redacted.data).toEqual({ 'db-password': '***' });
    expect(JSON.stringify(secret?.redacted)).not.toContain(Buffer.from('s3cret!').toString('base64'));
  });

  it('generates the Ingress with class, TLS and the Service backend', () => {
    expect(generateDeployContainers(spec(), 'd1').ingress?.object.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } }],
      tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
    });
  });

  it('names a BlueGreen Deployment per deployment and selects it by deployment id', () => {
    const generated = generateDeployContainers(spec({ strategy: 'BlueGreen', rollingUpdate: undefined }), 'D2');
    const deployment = generated.deployment.object;
    const colour = { ...STEP, 'conveyor.dev/deployment-id': 'd2' };
    expect(deployment.metadata.name).toBe('web-d2');
    expect(deployment.spec.selector).toEqual({ matchLabels: colour });
    expect(deployment.spec.template.metadata.labels).toMatchObject(colour);
    expect(deployment.spec.strategy).toBeUndefined();
    expect(generated.service?.object.spec.selector).toEqual(colour);
  });

  it('omits config objects the spec does not have', () => {
    const generated = generateDeployContainers(validateDeployContainers({ name: 'api', replicas: 1, strategy: 'Recreate', containers: [{ name: 'api', image: 'api@sha256:abc' }] }), 'd1');
    expect(generated.objects.map((o) => o.object.kind)).toEqual(['Deployment']);
    expect(generated.deployment.object.spec.template.spec.volumes).toBeUndefined();
  });

  it('refuses images without tag or digest', () => {
    const unpinned = validateDeployContainers({ name: 'api', replicas: 1, strategy: 'Recreate', containers: [{ name: 'api', image: 'registry:5000/api' }] });
    expect(() => generateDeployContainers(unpinned, 'd1')).toThrow(InvalidManifestError);
  });
});
