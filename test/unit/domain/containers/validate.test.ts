import { describe, expect, it } from 'vitest';
import { parseDeployContainersDocument } from '#domain/containers/document.ts';
import { normalizeDeploymentId } from '#domain/containers/names.ts';
import { validateDeployContainers } from '#domain/containers/validate.ts';
import { InvalidManifestError } from '#domain/errors.ts';
import { rawSpec } from './fixtures.ts';

/** The problem messages of the InvalidManifestError `act` throws. */
function problemsOf(act: () => unknown): string[] {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidManifestError);
    return (error as InvalidManifestError).problems.map((p) => p.message);
  }
  throw new Error('expected InvalidManifestError');
}

const withContainer = (patch: Record<string, unknown>) => {
  const spec = rawSpec();
  const [container] = spec.containers as Record<string, unknown>[];
  return rawSpec({ containers: [{ ...container, ...patch }] });
};

describe('validateDeployContainers', () => {
  it('accepts a complete spec and fills defaults', () => {
    const spec = validateDeployContainers(rawSpec());
    expect(spec.name).toBe('web');
    expect(spec.service?.type).toBe('ClusterIP');
    expect(spec.ingress?.paths[0]).toEqual({ path: '/', pathType: 'Prefix', servicePort: 'http' });
    expect(spec.containers[0]?.env).toHaveLength(3);
  });

  it('names the field path of an out-of-range port', () => {
    const ports = [{ name: 'http', containerPort: 8080 }, { containerPort: 70000 }];
    expect(problemsOf(() => validateDeployContainers(withContainer({ ports })))).toEqual(['containers[0].ports[1].containerPort: must be 1-65535']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(() => validateDeployContainers(rawSpec({ name: 'Web_App', replicas: -1, strategy: 'Canary', containers: [] })));
    expect(problems).toEqual([
      'name: "Web_App" must be a DNS-1123 label (lowercase letters, digits, "-")',
      'replicas: must be an integer >= 0',
      'strategy: must be one of Recreate, RollingUpdate, BlueGreen',
      'containers: must have at least one container',
      'service.ports[0].targetPort: "http" is not the name of any container port',
    ]);
  });

  it.each([
    [{ env: [{ name: 'X', fromConfigMap: 'nope' }] }, 'containers[0].env[0].fromConfigMap: "nope" is not an item of configMap.items'],
    [{ env: [{ name: 'X', value: 'a', fromSecret: 'db-password' }] }, 'containers[0].env[0]: needs exactly one of value, fromConfigMap, fromSecret'],
    [{ readinessProbe: { http: { path: '/', port: 'admin' } } }, 'containers[0].readinessProbe.http.port: "admin" is not the name of any container port'],
    [{ livenessProbe: { http: { path: '/', port: 80 }, tcp: { port: 80 } } }, 'containers[0].livenessProbe: needs exactly one of http, tcp, exec'],
    [{ resources: { requests: { cpu: 'lots' } } }, 'containers[0].resources.requests.cpu: "lots" is not a Kubernetes quantity (e.g. 250m, 512Mi)'],
    [{ volumeMounts: [{ from: 'secret', mountPath: 'relative' }] }, 'containers[0].volumeMounts[0].mountPath: "relative" must be an absolute path'],
    [{ image: 'nginx latest' }, 'containers[0].image: "nginx latest" must not contain whitespace'],
    [{ imagePullPolicy: 'Always' }, 'containers[0].imagePullPolicy: unknown field (allowed: name, image, ports, env, envFrom, command, args, readinessProbe, livenessProbe, resources, volumeMounts)'],
  ])('rejects container %j', (patch, message) => {
    expect(problemsOf(() => validateDeployContainers(withContainer(patch)))).toContain(message);
  });

  it.each([
    [{ labels: { 'conveyor.dev/step': 'x' } }, 'labels.conveyor.dev/step: keys under conveyor.dev/ are set by Conveyor'],
    [{ strategy: 'BlueGreen', rollingUpdate: undefined, service: undefined, ingress: undefined }, 'service: is required for strategy BlueGreen (the Service switches colours)'],
    [{ rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }, 'rollingUpdate: maxSurge and maxUnavailable cannot both be 0'],
    [{ secret: { items: { a: 'b' }, sensitive: false } }, 'secret.sensitive: Secret items are always sensitive; put non-sensitive values in configMap'],
    [{ service: { ports: [{ port: 80, targetPort: 'grpc' }] } }, 'service.ports[0].targetPort: "grpc" is not the name of any container port'],
    [
      {
        service: {
          ports: [
            { port: 80, targetPort: 8080 },
            { port: 90, targetPort: 9090 },
          ],
        },
      },
      'service.ports[0].name: is required when the Service has more than one port',
    ],
    [{ service: { ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] } }, 'service.ports[0].nodePort: is allowed only for NodePort and LoadBalancer Services'],
    [{ ingress: { host: 'shop.example.com', paths: [{ path: '/', servicePort: 8080 }] } }, 'ingress.paths[0].servicePort: 8080 is not a port of the service'],
    [{ configMap: { items: { 'bad key': 'x' } } }, 'configMap.items.bad key: key may contain only letters, digits, "-", "_", "."'],
    [{ replica: 3 }, 'replica: unknown field (allowed: name, namespace, replicas, labels, strategy, rollingUpdate, containers, configMap, secret, service, ingress)'],
  ])('rejects spec %j', (overrides, message) => {
    expect(problemsOf(() => validateDeployContainers(rawSpec(overrides)))).toContain(message);
  });
});

describe('parseDeployContainersDocument', () => {
  const { name: _name, namespace: _namespace, ...spec } = rawSpec();
  const document = { apiVersion: 'conveyor.dev/v1', kind: 'DeployContainers', metadata: { name: 'web', namespace: 'shop' }, spec };

  it('takes name and namespace from metadata', () => {
    const parsed = parseDeployContainersDocument(document);
    expect(parsed).toEqual(validateDeployContainers(rawSpec()));
  });

  it('names fields by their place in the document and carries the source', () => {
    const source = { file: 'deploy/web.yaml', document: 2, line: 14 };
    const bad = { ...document, metadata: { name: 'Web' }, spec: { ...spec, replicas: 'three' } };
    let error: unknown;
    try {
      parseDeployContainersDocument(bad, source);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidManifestError);
    expect((error as Error).message).toBe(
      'deploy/web.yaml: document 2, line 14: metadata.name: "Web" must be a DNS-1123 label (lowercase letters, digits, "-")\n' +
        'deploy/web.yaml: document 2, line 14: spec.replicas: must be an integer >= 0',
    );
  });

  it('rejects another kind and a name given twice', () => {
    const problems = problemsOf(() => parseDeployContainersDocument({ ...document, kind: 'Deployment', spec: { ...spec, name: 'web' } }));
    expect(problems).toEqual(['kind: must be DeployContainers', 'spec.name: set it as metadata.name']);
  });
});

describe('normalizeDeploymentId', () => {
  it.each([
    ['Deployments-1234', 'deployments-1234'],
    ['deploy_2026.03.01', 'deploy-2026-03-01'],
    ['--A__b--', 'a-b'],
  ])('%s → %s', (input, output) => expect(normalizeDeploymentId(input)).toBe(output));

  it.each([['deploy/1'], ['ünïcode'], ['___'], ['x'.repeat(64)]])('rejects %s', (input) => {
    expect(() => normalizeDeploymentId(input)).toThrow(InvalidManifestError);
  });
});
