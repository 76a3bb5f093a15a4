/**
 * The `deploy-containers` step (Octopus "Deploy Kubernetes containers"): a structured spec
 * from which Conveyor generates a Deployment, Service, Ingress, ConfigMap and Secret. These
 * are the types after validation (validate.ts), with defaults filled in.
 */

export type Strategy = 'Recreate' | 'RollingUpdate' | 'BlueGreen';
export const STRATEGIES: readonly Strategy[] = ['Recreate', 'RollingUpdate', 'BlueGreen'];

/** An absolute count or a percentage such as '25%', as Kubernetes takes them. */
export type IntOrPercent = number | string;

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type ContainerPort = { name?: string; containerPort: number; protocol?: Protocol };

/** A literal value, or one key of the step's own (versioned) ConfigMap or Secret. */
export type EnvVar = { name: string; value: string } | { name: string; fromConfigMap: string } | { name: string; fromSecret: string };

/** Which of the step's generated config objects a container uses. */
export type ConfigSource = 'configMap' | 'secret';
export const CONFIG_SOURCES: readonly ConfigSource[] = ['configMap', 'secret'];

export type ProbeTiming = {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
};
export const PROBE_TIMING_FIELDS: readonly (keyof ProbeTiming)[] = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'];

/** Exactly one of http, tcp, exec. A port may be a number or a container port's name. */
export type Probe = ProbeTiming & ({ http: { path: string; port: number | string; scheme?: 'HTTP' | 'HTTPS' } } | { tcp: { port: number | string } } | { exec: { command: string[] } });

export type ResourceList = { cpu?: string; memory?: string };
export type Resources = { requests?: ResourceList; limits?: ResourceList };

/** Mounts the step's ConfigMap or Secret (every item as a file, or one with subPath). */
export type VolumeMount = { from: ConfigSource; mountPath: string; subPath?: string; readOnly?: boolean };

export type ContainerSpec = {
  name: string;
  /** Repository with tag or digest; the render step fills the tag from the release's image map. */
  image: string;
  ports: ContainerPort[];
  env: EnvVar[];
  /** Every item of the step's ConfigMap and/or Secret as environment variables. */
  envFrom?: ConfigSource[];
  command?: string[];
  args?: string[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: Resources;
  volumeMounts?: VolumeMount[];
};

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer';
export const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer'];
export type ServicePort = { name?: string; port: number; targetPort: number | string; nodePort?: number };
export type ServiceSpec = { type: ServiceType; ports: ServicePort[] };

export type PathType = 'Prefix' | 'Exact' | 'ImplementationSpecific';
export const PATH_TYPES: readonly PathType[] = ['Prefix', 'Exact', 'ImplementationSpecific'];
/** `servicePort` is the Service port's number or name. */
export type IngressPath = { path: string; pathType: PathType; servicePort: number | string };
export type IngressSpec = { host: string; className?: string; paths: IngressPath[]; tls?: { secretName: string } };

export type DeployContainersSpec = {
  /** Name of the Deployment (rolling) or its prefix (blue/green), Service and Ingress; a DNS-1123 label. */
  name: string;
  namespace?: string;
  replicas: number;
  /** Put on every generated object and pod. Keys under conveyor.dev/ are reserved. */
  labels: Record<string, string>;
  strategy: Strategy;
  rollingUpdate?: { maxSurge: IntOrPercent; maxUnavailable: IntOrPercent };
  containers: ContainerSpec[];
  configMap?: { items: Record<string, string> };
  /** Secret items are always sensitive: stored base64 and shown only redacted. */
  secret?: { items: Record<string, string>; sensitive: true };
  service?: ServiceSpec;
  ingress?: IngressSpec;
};

/** Labels Conveyor owns: which step made an object, and for which deployment. */
export const STEP_LABEL = 'conveyor.dev/step';
export const DEPLOYMENT_ID_LABEL = 'conveyor.dev/deployment-id';
export const RESERVED_LABEL_PREFIX = 'conveyor.dev/';

/** The manifest-like document form of the spec. */
export const DOCUMENT_API_VERSION = 'conveyor.dev/v1';
export const DOCUMENT_KIND = 'DeployContainers';
