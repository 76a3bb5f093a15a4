/**
 * Shared shapes of the sandbox cluster. Kept free of any HTTP or storage detail so that
 * the API layer, the controllers and the auth/patch/validation modules agree on them.
 */

/** A Kubernetes object as JSON: apiVersion, kind, metadata, and whatever else its kind has. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: any;
};

export type ObjectMeta = {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [field: string]: any;
};

export type OwnerReference = {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
};

export type ManagedFieldsEntry = {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, any>;
  subresource?: string;
};

/** One served resource: what discovery lists and what URLs route to. */
export type ResourceType = {
  /** API group; '' for the core ("legacy") group served under /api/v1. */
  group: string;
  version: string;
  kind: string;
  /** URL segment, lower-case plural: 'deployments'. */
  plural: string;
  singular: string;
  namespaced: boolean;
  /** Verbs as discovery reports them: get, list, watch, create, update, patch, delete, deletecollection. */
  verbs: string[];
  shortNames: string[];
  /** Subresources served under /<name>/<sub>: 'status', 'scale', 'token', 'log', ... */
  subresources: string[];
  categories: string[];
};

/** group/version/kind, with group '' for core. */
export type GVK = { group: string; version: string; kind: string };

/** Who is making a request, as Kubernetes' authenticator reports it. */
export type UserInfo = {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
};

/** The attributes RBAC decides on (the same as a SubjectAccessReview's resourceAttributes). */
export type RequestAttributes = {
  user: UserInfo;
  verb: string;
  /** Resource request (true) or non-resource URL (false, e.g. /healthz, /version). */
  resourceRequest: boolean;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** For non-resource requests. */
  path?: string;
};

export function apiVersionOf(gvk: { group: string; version: string }): string {
  return gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
