/**
 * Generates the Kubernetes objects of a deploy-containers step: a versioned ConfigMap and
 * Secret, the Deployment, and the Service and Ingress. Every object carries the user's
 * labels plus `conveyor.dev/step` and `conveyor.dev/deployment-id`, which is how later
 * deployments find what earlier ones left behind. Pure: no cluster, no clock.
 */
import { Buffer } from 'node:buffer';
import { InvalidManifestError } from '../errors.ts';
import type { Manifest, RenderedObject, SourceLocation } from '../model.ts';
import { REDACTED } from '../render/index.ts';
import { labelsFor, normalizeDeploymentId, selectorFor, versionedName } from './names.ts';
import { type ConfigNames, podTemplate } from './pod-template.ts';
import type { DeployContainersSpec } from './spec.ts';

const DEFAULT_PROTOCOL = 'TCP';

export type GenerateOptions = {
  /** Where the step came from; defaults to `deploy-containers/<name>`. */
  source?: SourceLocation;
};

export type GeneratedObjects = {
  /** The normalized deployment id used in names and labels. */
  deploymentId: string;
  configMap?: RenderedObject;
  secret?: RenderedObject;
  deployment: RenderedObject;
  service?: RenderedObject;
  ingress?: RenderedObject;
  /** Everything, in apply order: config before the pods that read it, Service before Ingress. */
  objects: RenderedObject[];
};

/** A tag (`:1.2`) on the last path segment, or a digest (`@sha256:...`). */
export function isPinnedImage(image: string): boolean {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return image.includes('@') || lastSegment.includes(':');
}

function metadata(spec: DeployContainersSpec, name: string, id: string): Manifest['metadata'] {
  return { name, ...(spec.namespace ? { namespace: spec.namespace } : {}), labels: labelsFor(spec, id) };
}

function deployment(spec: DeployContainersSpec, id: string, names: ConfigNames): Manifest {
  const blueGreen = spec.strategy === 'BlueGreen';
  const colour = blueGreen ? id : undefined;
  const strategy =
    spec.strategy === 'Recreate'
      ? { type: 'Recreate' }
      : spec.strategy === 'RollingUpdate'
        ? { type: 'RollingUpdate', ...(spec.rollingUpdate ? { rollingUpdate: { ...spec.rollingUpdate } } : {}) }
        : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(spec, blueGreen ? versionedName(spec, id) : spec.name, id),
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: selectorFor(spec, colour) },
      ...(strategy ? { strategy } : {}),
      template: podTemplate(spec, labelsFor(spec, colour), names),
    },
  };
}

/** The Service; for blue/green its selector names one colour, which is what `switch` changes. */
export function serviceFor(spec: DeployContainersSpec, id: string): Manifest | undefined {
  if (!spec.service) return undefined;
  const containerPorts = spec.containers.flatMap((c) => c.ports);
  // A Service port speaks the protocol of the container port it targets.
  const protocolOf = (target: number | string) => containerPorts.find((p) => p.name === target || p.containerPort === target)?.protocol ?? DEFAULT_PROTOCOL;
  const ports = spec.service.ports.map((port) => ({
    ...(port.name ? { name: port.name } : {}),
    port: port.port,
    targetPort: port.targetPort,
    protocol: protocolOf(port.targetPort),
    ...(port.nodePort ? { nodePort: port.nodePort } : {}),
  }));
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(spec, spec.name, id),
    spec: { type: spec.service.type, selector: selectorFor(spec, spec.strategy === 'BlueGreen' ? id : undefined), ports },
  };
}

function ingress(spec: DeployContainersSpec, id: string): Manifest | undefined {
  if (!spec.ingress) return undefined;
  const { host, className, paths, tls } = spec.ingress;
  const backendPort = (port: number | string) => (typeof port === 'number' ? { number: port } : { name: port });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metadata(spec, spec.name, id),
    spec: {
      ...(className ? { ingressClassName: className } : {}),
      rules: [{ host, http: { paths: paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: spec.name, port: backendPort(p.servicePort) } } })) } }],
      ...(tls ? { tls: [{ hosts: [host], secretName: tls.secretName }] } : {}),
    },
  };
}

function secret(spec: DeployContainersSpec, id: string): { object: Manifest; redacted: Manifest } | undefined {
  if (!spec.secret) return undefined;
  const entries = Object.entries(spec.secret.items);
  const base = { apiVersion: 'v1', kind: 'Secret', metadata: metadata(spec, versionedName(spec, id), id), type: 'Opaque' };
  return {
    object: { ...base, data: Object.fromEntries(entries.map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')])) },
    redacted: { ...base, metadata: structuredClone(base.metadata), data: Object.fromEntries(entries.map(([key]) => [key, REDACTED])) },
  };
}

/**
 * All objects of the step for one deployment. `deploymentId` is normalized (names.ts).
 * Throws InvalidManifestError when an image has no tag or digest: the render step should
 * have filled it from the release, and `latest` is not a release.
 */
export function generateDeployContainers(spec: DeployContainersSpec, deploymentId: string, options: GenerateOptions = {}): GeneratedObjects {
  const unpinned = spec.containers.flatMap((c, i) =>
    isPinnedImage(c.image) ? [] : [{ message: `containers[${i}].image: "${c.image}" has no tag or digest (the release's image map should fill it)` }],
  );
  if (unpinned.length > 0) throw new InvalidManifestError(unpinned.map((p) => (options.source ? { ...p, source: options.source } : p)));

  const id = normalizeDeploymentId(deploymentId);
  const source = options.source ?? { file: `deploy-containers/${spec.name}`, document: 1, line: 1 };
  const rendered = (object: Manifest, redacted: Manifest = structuredClone(object)): RenderedObject => ({ object, redacted, source });
  const names: ConfigNames = {
    ...(spec.configMap ? { configMap: versionedName(spec, id) } : {}),
    ...(spec.secret ? { secret: versionedName(spec, id) } : {}),
  };
  const configMap = spec.configMap ? rendered({ apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(spec, names.configMap!, id), data: { ...spec.configMap.items } }) : undefined;
  const secretPair = secret(spec, id);
  const secretObject = secretPair ? rendered(secretPair.object, secretPair.redacted) : undefined;
  const deploymentObject = rendered(deployment(spec, id, names));
  const serviceManifest = serviceFor(spec, id);
  const ingressManifest = ingress(spec, id);
  const serviceObject = serviceManifest ? rendered(serviceManifest) : undefined;
  const ingressObject = ingressManifest ? rendered(ingressManifest) : undefined;
  const objects = [configMap, secretObject, deploymentObject, serviceObject, ingressObject].filter((o): o is RenderedObject => o !== undefined);
  return {
    deploymentId: id,
    deployment: deploymentObject,
    objects,
    ...(configMap ? { configMap } : {}),
    ...(secretObject ? { secret: secretObject } : {}),
    ...(serviceObject ? { service: serviceObject } : {}),
    ...(ingressObject ? { ingress: ingressObject } : {}),
  };
}
