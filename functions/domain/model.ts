/**
 * The deploy engine's vocabulary: manifests and where they came from, targets and their
 * accounts, variables, and rollout health. Plain data; no vendor types.
 */

/** A Kubernetes object as rendered from a manifest (JSON form). */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [field: string]: unknown };
  [field: string]: any;
};

/** Where a rendered object came from, for error messages a person can act on. */
export type SourceLocation = {
  /** The file as the user named it ('deploy/web.yaml'), or '<stdin>', or a step name. */
  file: string;
  /** 1-based document number within the file (multi-document YAML); List items count as the List's document. */
  document: number;
  /** 1-based line where the document (or the offending node) starts. */
  line: number;
};

/** Identifies one object in a cluster. */
export type ObjectRef = { apiVersion: string; kind: string; namespace?: string; name: string };

/** A rendered object ready to apply, with its source and a copy safe to store or log. */
export type RenderedObject = {
  object: Manifest;
  /** The same object with every sensitive value replaced by `***`. */
  redacted: Manifest;
  source: SourceLocation;
};

/** How Conveyor authenticates to a cluster. Secret material is resolved at run time only. */
export type Account =
  | { kind: 'token'; token: string }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'certificate'; certPem: string; keyPem: string }
  | {
      kind: 'eks';
      clusterName: string;
      region: string;
      /** Role to assume first (sts:AssumeRole); the caller's own credentials when absent. */
      roleArn?: string;
      /** Explicit credentials (tests, local); the SDK's default provider chain when absent. */
      credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    };

/** Every secret value of an account, to redact from text that may quote one (server messages, script output). */
export function accountSecretValues(account: Account): string[] {
  switch (account.kind) {
    case 'token':
      return [account.token];
    case 'basic':
      return [account.password];
    case 'certificate':
      return [account.keyPem];
    case 'eks':
      return [account.roleArn, account.credentials?.secretAccessKey, account.credentials?.sessionToken].filter((s): s is string => !!s);
  }
}

/** A permission boundary: a cluster, a namespace, and the account Conveyor uses there. */
export type Target = {
  name: string;
  /** API server URL; for EKS targets, may be omitted and read from DescribeCluster. */
  url?: string;
  /** Namespace objects are confined to; absent only for an admin target. */
  namespace?: string;
  /** An admin target may create cluster-scoped objects and use any namespace. */
  admin?: boolean;
  tags: string[];
  /** PEM CA bundle of the API server; system roots when absent. */
  caPem?: string;
  /** Only when the target explicitly says so: TLS verification is on otherwise. */
  skipTlsVerify?: boolean;
  account: Account;
};

/** Where a variable value applies; an absent list means "any". */
export type VariableScope = { environments?: string[]; targetTags?: string[]; targets?: string[]; steps?: string[] };

export type VariableValue = { value: string; sensitive?: boolean; scope?: VariableScope };

/** A named variable with one or more scoped values. */
export type Variable = { name: string; values: VariableValue[] };

/** What a deployment knows when it renders (system variables come from here). */
export type RenderContext = {
  environment: string;
  project: string;
  releaseNumber: string;
  deploymentId: string;
  step: string;
  target: Pick<Target, 'name' | 'namespace' | 'tags'>;
};

/** Health of one object, ordered best to worst as ROLLOUT-RULES.md orders them. */
export const HEALTH_ORDER = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'] as const;
export type HealthStatus = (typeof HEALTH_ORDER)[number];

export type ObjectHealth = {
  ref: ObjectRef;
  status: HealthStatus;
  /** Machine-readable reason (ProgressDeadlineExceeded, ImagePullBackOff, ...). */
  reason?: string;
  /** What a person reads: which object, why, and for stuck workloads which pod and container. */
  message?: string;
};
